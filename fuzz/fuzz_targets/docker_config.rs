//! `tok setup docker` on `~/.docker/config.json`: `credHelpers[registry] = "tok"` is set, and
//! `--remove` takes it out again.
//!
//! Input: a selector (registry; file absent or not), then any bytes. Checks: bytes that are
//! not a JSON object are refused (nothing written), with a one-line reason; `setup` changes only
//! `credHelpers[registry]`: every other member keeps its exact JSON text (numbers beyond f64,
//! escapes, duplicate keys); an entry of another helper for the registry is refused, not
//! overwritten; `setup` then `--remove` gives back the same members with the same text, in
//! order (an empty `credHelpers: {}` goes with tok's last entry). No leak check on the messages:
//! they hold serde_json's position and the registry only, never the file's text, which the
//! one-line check and the marker below confirm.
#![no_main]

use libfuzzer_sys::fuzz_target;

use tok_fuzz::Members;

fn members(b: &[u8]) -> Option<Vec<(String, String)>> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Some(vec![]);
    }
    let m: Members = serde_json::from_slice(b).ok()?;
    Some(
        m.0.into_iter()
            .map(|(k, v)| (k, v.get().to_string()))
            .collect(),
    )
}

/// An object's members in order: each key and its value's JSON text.
type Pairs = Vec<(String, String)>;

/// The members without the last `credHelpers`, and that one's members (empty when absent).
fn split(m: &[(String, String)]) -> (Pairs, Pairs) {
    let at = m.iter().rposition(|(k, _)| k == "credHelpers");
    let mut rest = m.to_vec();
    let helpers = at
        .map(|i| members(rest.remove(i).1.as_bytes()).unwrap_or_default())
        .unwrap_or_default();
    (rest, helpers)
}

fn is_tok(raw: &str) -> bool {
    serde_json::from_str::<String>(raw).is_ok_and(|s| s == "tok")
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let registry = ["registry.test", "ghcr.io", "localhost:5000"][selector as usize % 3];
    let file = tok_fuzz::splice(rest);
    let existing = (selector & 0x80 == 0).then_some(&file[..]);
    let original = existing.map_or(Some(vec![]), members);
    let added = match tok::edit_docker_config(existing, registry, true) {
        Err(msg) => {
            tok_fuzz::assert_one_line(&msg);
            assert!(
                !msg.contains(tok_fuzz::marker()) || msg.contains("credential helper"),
                "the file leaked: {msg}"
            );
            if let Some(m) = &original {
                // Parsed: refused only for a `credHelpers` that is no object or names another helper.
                let (_, h) = split(m);
                let other = h
                    .iter()
                    .rev()
                    .find(|(k, _)| k == registry)
                    .is_some_and(|(_, v)| !is_tok(v));
                let last = m.iter().rev().find(|(k, _)| k == "credHelpers");
                let not_object = last.is_some_and(|(_, v)| !v.trim_start().starts_with('{'));
                assert!(other || not_object, "refused a valid file: {msg}");
            }
            return;
        }
        Ok(None) => {
            let (_, h) = split(original.as_ref().expect("parsed"));
            assert!(
                h.iter().any(|(k, v)| k == registry && is_tok(v)),
                "no change, yet no entry"
            );
            return;
        }
        Ok(Some(t)) => t,
    };
    let original = original.expect("tok read it, so does the oracle");
    let after = members(added.as_bytes()).expect("tok writes a JSON object");
    let (rest_before, helpers_before) = split(&original);
    let (rest_after, mut helpers_after) = split(&after);
    assert_eq!(
        rest_after, rest_before,
        "setup changed a member it does not own"
    );
    assert_eq!(
        helpers_after.pop(),
        Some((registry.to_string(), "\"tok\"".to_string()))
    );
    assert_eq!(
        helpers_after, helpers_before,
        "setup changed another helper"
    );
    assert_eq!(
        tok::edit_docker_config(Some(added.as_bytes()), registry, true),
        Ok(None),
        "setup twice"
    );
    let back = tok::edit_docker_config(Some(added.as_bytes()), registry, false)
        .expect("tok reads its own file")
        .expect("--remove finds tok's entry");
    let back = members(back.as_bytes()).expect("tok writes a JSON object");
    let (rest_back, helpers_back) = split(&back);
    assert_eq!(
        rest_back, rest_before,
        "setup then --remove changed a member"
    );
    assert_eq!(
        helpers_back, helpers_before,
        "setup then --remove changed credHelpers"
    );
    let had = original.iter().any(|(k, _)| k == "credHelpers");
    let has = back.iter().any(|(k, _)| k == "credHelpers");
    assert!(
        had == has || helpers_before.is_empty(),
        "credHelpers appeared or vanished"
    );
});
