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

/// `data` without any copy of the marker, in any case: within one process the fuzzer can learn
/// the marker from the comparisons the checks make, and put it into an input itself.
pub fn unmarked(data: &[u8]) -> Vec<u8> {
    let m = marker().as_bytes();
    let mut out = data.to_vec();
    while let Some(i) = out.windows(m.len()).position(|w| w.eq_ignore_ascii_case(m)) {
        out.drain(i..i + m.len());
    }
    out
}

/// The input's first two bytes pick an offset into the rest, where the marker is spliced in;
/// the marker is then in the result once, where the target put it.
pub fn splice(data: &[u8]) -> Vec<u8> {
    let [hi, lo, rest @ ..] = data else {
        return unmarked(data);
    };
    let rest = unmarked(rest);
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
/// design. Anything else is the body leaking. The body is read as leniently as tok reads it:
/// members not named in `shown` are skipped unchecked (serde's `IgnoredAny`), as serde skips
/// the fields tok's structs do not name.
pub fn assert_no_leak(text: &str, body: &[u8], shown: &[&str]) {
    if !text.contains(marker()) {
        return;
    }
    // One field at a time: tok's structs name only some of the shown fields, and skip the rest
    // unread (a malformed `token_type` does not stop an error body from being read).
    let excused = shown.iter().any(|k| {
        let mut de = serde_json::Deserializer::from_slice(body);
        serde::Deserializer::deserialize_map(&mut de, Shown(std::slice::from_ref(k)))
            .is_ok_and(|found| found && de.end().is_ok())
    });
    assert!(excused, "the input leaked into {text:?}");
}

/// Whether a member named in `.0` is a string holding the marker; every other member is
/// skipped unread.
struct Shown<'a>(&'a [&'a str]);

impl<'de> serde::de::Visitor<'de> for Shown<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(k) = m.next_key::<String>()? {
            if self.0.contains(&k.as_str()) {
                // tok's own structs fail on a named field of the wrong type; so does this.
                found |= m.next_value::<String>()?.contains(marker());
            } else {
                m.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// A server's answer as tok's HTTP layer hands it over: `status`, `content_type` and `body`,
/// with no `Date`, `Retry-After`, `DPoP-Nonce` or `WWW-Authenticate` header.
pub fn response(status: u16, content_type: &str, body: &[u8]) -> tok::Response {
    tok::Response {
        status,
        content_type: content_type.into(),
        date: None,
        retry_after: None,
        dpop_nonce: None,
        www_authenticate: vec![],
        body: tok::Body(body.to_vec()),
    }
}

/// `bytes` as a JSON value, read as leniently as tok's structs read it: serde skips a member
/// they do not name without checking that its string is UTF-8, where `serde_json::Value`
/// refuses the whole document. So invalid UTF-8 is replaced (U+FFFD) before a second reading:
/// only the contents of strings can hold it in a document tok accepted. (The `session_files`
/// oracle missed a marker in `client_id` because a skipped member held `\xe3`.)
pub fn lenient_json(bytes: &[u8]) -> Option<serde_json::Value> {
    serde_json::from_slice(bytes)
        .ok()
        .or_else(|| serde_json::from_str(&String::from_utf8_lossy(bytes)).ok())
}

/// Whether a string member named in `keys`, at any depth of the JSON document `bytes`, holds
/// the marker. Read as serde reads it for tok's structs: every other member is kept as raw text
/// (`RawValue`, which skips a number without converting it: `1E100000` is out of `f64`'s range
/// and `serde_json::Value` refuses the whole document for it, while tok skips such a member),
/// objects and arrays are searched again, and invalid UTF-8 is replaced first (see
/// [`lenient_json`]).
pub fn marker_in_members(bytes: &[u8], keys: &[&str]) -> bool {
    use serde_json::value::RawValue;
    fn search(raw: &RawValue, keys: &[&str]) -> bool {
        let text = raw.get();
        if text.starts_with('{') {
            let Ok(members) = serde_json::from_str::<Members>(text) else {
                return false;
            };
            members.0.iter().any(|(k, v)| {
                (keys.contains(&k.as_str())
                    && serde_json::from_str::<String>(v.get()).is_ok_and(|s| s.contains(marker())))
                    || search(v, keys)
            })
        } else if text.starts_with('[') {
            serde_json::from_str::<Vec<Box<RawValue>>>(text)
                .is_ok_and(|items| items.iter().any(|v| search(v, keys)))
        } else {
            false
        }
    }
    let text = String::from_utf8_lossy(bytes);
    serde_json::from_str::<Box<RawValue>>(text.trim_start()).is_ok_and(|raw| search(&raw, keys))
}

/// An object's members in order, duplicates kept, each value's exact text, unread.
pub struct Members(pub Vec<(String, Box<serde_json::value::RawValue>)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Members, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = m.next_entry()? {
                    out.push(entry);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}
