//! tok's own files as read back: the token cache (`CachedToken`), the session blob the store
//! keeps (`Session`), and the profile state (`ProfileState`). Another process, a full disk or a
//! crash may leave any of them truncated or corrupted.
//!
//! Input: a selector (which file), two bytes placing the leak marker, then the file. Checks: no
//! panic; a session that does not parse is a one-line error; what parses writes back to bytes
//! that parse to the same bytes again. Leak check: the random marker spliced into the file may
//! show in a `Debug` or a message only inside the fields that are no secret (`issuer`,
//! `client_id`, `scope`, `error`, `store`, `token_type`), never from a token, a client secret or a key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;
use tok::{CachedToken, ProfileState, Session};

/// The members that are no secret: the marker may show through these.
const PUBLIC: [&str; 6] = [
    "issuer",
    "client_id",
    "scope",
    "error",
    "store",
    "token_type",
];

fn no_leak(shown: &str, file: &[u8]) {
    if shown.contains(tok_fuzz::marker()) {
        let excused = tok_fuzz::marker_in_members(file, &PUBLIC);
        assert!(excused, "a secret of the file leaked into {shown:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let file = tok_fuzz::splice(rest);
    match selector % 3 {
        0 => {
            if let Ok(t) = serde_json::from_slice::<CachedToken>(&file) {
                no_leak(&format!("{t:?}"), &file);
                let once = serde_json::to_vec(&t).expect("a token serializes");
                let again: CachedToken =
                    serde_json::from_slice(&once).expect("tok reads its own cache");
                assert_eq!(
                    serde_json::to_vec(&again).expect("serializes"),
                    once,
                    "round trip"
                );
            }
        }
        1 => {
            let Ok(text) = std::str::from_utf8(&file) else {
                return;
            };
            let blob = SecretString::from(text);
            match Session::from_blob(&blob, "work", "keychain") {
                Err(e) => {
                    let msg = e.to_string();
                    tok_fuzz::assert_one_line(&msg);
                    no_leak(&msg, &file);
                    no_leak(&format!("{e:?}"), &file);
                }
                Ok(s) => {
                    no_leak(&format!("{s:?}"), &file);
                    let once = s.to_blob();
                    let again = Session::from_blob(&once, "work", "keychain")
                        .expect("tok reads its own session");
                    use secrecy::ExposeSecret;
                    assert_eq!(
                        again.to_blob().expose_secret(),
                        once.expose_secret(),
                        "round trip"
                    );
                }
            }
        }
        _ => {
            if let Ok(st) = serde_json::from_slice::<ProfileState>(&file) {
                let once = serde_json::to_vec_pretty(&st).expect("a state serializes");
                let again: ProfileState =
                    serde_json::from_slice(&once).expect("tok reads its own state");
                assert_eq!(
                    serde_json::to_vec_pretty(&again).expect("serializes"),
                    once,
                    "round trip"
                );
            }
        }
    }
    tok::forget_held();
});
