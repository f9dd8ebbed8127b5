//! What the fuzz targets share: the leak marker and the checks every target makes of a message.
//!
//! A leak check must prove a leak. Looking for the input's text in a message is not enough: an
//! input may *be* the beginning of tok's own message (the first long `token_response` run
//! failed that way after 459,525 executions, with nothing leaked). So the targets splice
//! [`marker`] — 32 hex digits drawn at random when the process starts, which no fixed text of
//! tok can contain — into the secret-bearing input, and a message that holds the marker holds
//! bytes of the input. Fields a protocol shows on purpose (an OAuth `error_description`) are
//! named by each target and excused only when they hold the marker themselves.

use std::sync::OnceLock;

/// 32 lowercase hex digits, random per process.
pub fn marker() -> &'static str {
    static M: OnceLock<String> = OnceLock::new();
    M.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let s = std::collections::hash_map::RandomState::new();
        let (mut a, mut b) = (s.build_hasher(), s.build_hasher());
        a.write_u8(1);
        b.write_u8(2);
        format!("{:016x}{:016x}", a.finish(), b.finish())
    })
}

/// The input's first two bytes pick an offset into the rest, where the marker is spliced in.
/// Returns the spliced bytes (the input unchanged, minus the two bytes, when shorter).
pub fn splice(data: &[u8]) -> Vec<u8> {
    let [hi, lo, rest @ ..] = data else {
        return data.to_vec();
    };
    let at = usize::from(u16::from_be_bytes([*hi, *lo])) % (rest.len() + 1);
    let mut out = Vec::with_capacity(rest.len() + 32);
    out.extend_from_slice(&rest[..at]);
    out.extend_from_slice(marker().as_bytes());
    out.extend_from_slice(&rest[at..]);
    out
}

/// Errors are one line: no line break, nothing a terminal would act on.
pub fn assert_one_line(msg: &str) {
    assert!(
        !msg.contains(['\n', '\r']),
        "a message on more than one line: {msg:?}"
    );
    assert!(
        !msg.chars().any(|c| c.is_control()),
        "a control character in a message: {msg:?}"
    );
}

/// `text` (a message, a `Debug` rendering, a file tok wrote) holds the marker only if one of
/// the top-level JSON string fields `shown` of `body` holds it: fields the protocol shows by
/// design. Anything else is the body leaking.
pub fn assert_no_leak(text: &str, body: &[u8], shown: &[&str]) {
    if !text.contains(marker()) {
        return;
    }
    let excused = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .is_some_and(|o| {
            shown
                .iter()
                .filter_map(|k| o.get(*k)?.as_str())
                .any(|s| s.contains(marker()))
        });
    assert!(excused, "the input leaked into {text:?}");
}
