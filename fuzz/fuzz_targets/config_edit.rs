//! `tok setup git|docker|terraform` on tok's own config file: the host, registry or Terraform
//! host goes into the profile's list and `--remove` takes it out again.
//!
//! Input: a selector (which list, which value), then any text. Checks: text TOML cannot read is
//! refused (and nothing written), and so is text toml_edit would not write back as it was
//! (dotted keys of one table split by another's: an edit would move the user's lines); `setup` alone changes only that list, by exactly tok's entry
//! (the documents before and after, parsed, differ in nothing else); `setup` then
//! `setup --remove` gives back the text byte for byte (except a list that was present and
//! empty, which goes with tok's entry; a file mixing CRLF and LF line breaks, which comes
//! back with LF; and a profile table holding only sub-tables, whose header goes: all three
//! documented in `edit_list`). No leak check: nothing here
//! makes a message from the file's content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::ListEdit;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let key = ["hosts", "registries", "terraform_hosts"][selector as usize % 3];
    let value = [
        "github.com",
        "registry.test:5000",
        "app.terraform.io",
        "a\"b\\c\u{e9}",
    ][selector as usize / 3 % 4];
    let same = |x: &str| x.eq_ignore_ascii_case(value);
    let parsed = toml::from_str::<toml::Table>(text);
    let added = match tok::edit_list(text, "work", key, same, Some(value)) {
        Err(msg) => {
            tok_fuzz::assert_one_line(&msg);
            if msg.contains("without moving lines") {
                // Refused because toml_edit would write the file back otherwise: check that.
                let doc: toml_edit::DocumentMut = text.parse().expect("refused as unreadable");
                let norm = |s: &str| {
                    let s = s
                        .strip_prefix('\u{feff}')
                        .unwrap_or(s)
                        .replace("\r\n", "\n");
                    s.strip_suffix('\n').map(str::to_string).unwrap_or(s)
                };
                assert_ne!(
                    norm(&doc.to_string()),
                    norm(text),
                    "refused a file it could edit"
                );
                return;
            }
            // Refused: not TOML, or the key is not a list.
            let not_a_list = parsed.as_ref().is_ok_and(|t| {
                t.get("profiles")
                    .and_then(|p| p.get("work"))
                    .and_then(|w| w.get(key))
                    .is_some_and(|k| !k.is_array())
            });
            assert!(parsed.is_err() || not_a_list, "refused a valid file: {msg}");
            return;
        }
        Ok(ListEdit::NoProfile | ListEdit::Unchanged) => return,
        Ok(ListEdit::Changed(t)) => t,
    };
    let before = parsed.expect("toml_edit and toml read the same files");
    let mut after: toml::Table = toml::from_str(&added).expect("tok writes TOML");
    // Only tok's entry differs: take it out of the parsed result and compare.
    let work = after
        .get_mut("profiles")
        .and_then(|p| p.get_mut("work"))
        .and_then(|w| w.as_table_mut())
        .expect("the profile is still there");
    let list = work
        .get_mut(key)
        .and_then(|l| l.as_array_mut())
        .expect("a list");
    assert_eq!(
        list.last().and_then(|v| v.as_str()),
        Some(value),
        "tok's entry last"
    );
    list.pop();
    let was_absent = before
        .get("profiles")
        .and_then(|p| p.get("work"))
        .and_then(|w| w.get(key))
        .is_none();
    if was_absent {
        assert!(list.is_empty());
        work.remove(key);
    }
    // NaN is not equal to itself: compare such documents by their text only.
    if !text.contains("nan") {
        assert_eq!(after, before, "setup changed more than tok's entry");
    }
    match tok::edit_list(&added, "work", key, same, None) {
        Ok(ListEdit::Changed(back)) => {
            let emptied = before
                .get("profiles")
                .and_then(|p| p.get("work"))
                .and_then(|w| w.get(key))
                .and_then(|l| l.as_array())
                .is_some_and(|l| l.is_empty());
            // The second documented exception: toml_edit writes `\n` for every line break, and
            // tok restores `\r\n` only for a file that uses it throughout.
            let mixed =
                text.contains("\r\n") && text.matches("\r\n").count() != text.matches('\n').count();
            if mixed {
                // Line breaks may come back as LF, except inside a multi-line string, whose
                // CRLF is content that toml_edit keeps: equal but for CRLF versus LF.
                assert_eq!(
                    back.replace("\r\n", "\n"),
                    text.replace("\r\n", "\n"),
                    "setup then setup --remove"
                );
            } else if !emptied {
                // The third documented exception: a profile table holding only sub-tables has
                // no header after `--remove`, whether or not the user wrote one; the same
                // document, one line less.
                let subtables_only = before
                    .get("profiles")
                    .and_then(|p| p.get("work"))
                    .and_then(|w| w.as_table())
                    .is_some_and(|w| !w.is_empty() && w.values().all(|v| v.is_table()));
                if subtables_only && back != text {
                    let again: toml::Table = toml::from_str(&back).expect("tok writes TOML");
                    if !text.contains("nan") {
                        assert_eq!(again, before, "setup then setup --remove");
                    }
                    assert!(back.len() < text.len(), "--remove added to the file");
                } else {
                    assert_eq!(back, text, "setup then setup --remove changed the file");
                }
            }
        }
        other => panic!("--remove after setup: {other:?}"),
    }
});
