//! git's credential input (`key=value` lines): parse, then the gitoxide-style round trip — a
//! value tok writes back either is refused (NUL/CR/LF) or parses to the same value.
//!
//! Input: two bytes placing the leak marker, then git's lines. Leak check: a parse error is one
//! line and holds the random marker spliced into the input only when the marker sits in a key
//! (error messages name the offending key, never a value: `password=` is git's secret).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{GitAnswer as Answer, parse_git_request as parse, write_answer};

/// Whether the marker sits before the first `=` of its line (in a key).
fn marker_in_key(input: &[u8]) -> bool {
    input.split(|b| *b == b'\n').any(|line| {
        let key = line.split(|b| *b == b'=').next().unwrap_or(line);
        key.windows(32).any(|w| w == tok_fuzz::marker().as_bytes())
    })
}

fuzz_target!(|data: &[u8]| {
    let input = tok_fuzz::splice(data);
    let req = match parse(&input[..]) {
        Ok(req) => req,
        Err(e) => {
            let msg = e.to_string();
            tok_fuzz::assert_one_line(&msg);
            assert!(
                !msg.contains(tok_fuzz::marker()) || marker_in_key(&input),
                "a value leaked into {msg:?}"
            );
            return;
        }
    };
    let _ = req.location();
    let _ = req.served_fingerprint();
    let _ = req.server_offers_bearer();
    let Some(value) = req.username.as_deref() else {
        return;
    };
    // Plain username/password, Basic through `authtype` (git 2.46+), and Bearer.
    for (authtype, bearer) in [(false, false), (true, false), (true, true)] {
        let mut out = Vec::new();
        let answer = Answer {
            authtype,
            bearer,
            state: true,
            first_stage: bearer,
            username: value,
            token: value,
            expiry: Some(1),
        };
        if write_answer(&mut out, &answer).is_err() {
            // Refused: a line break or NUL anywhere; a colon in a Basic user-id (RFC 7617).
            let basic_colon = authtype && !bearer && value.contains(':');
            assert!(
                value.contains(['\0', '\r', '\n']) || basic_colon,
                "refused a clean value"
            );
            continue;
        }
        let back = parse(&out[..]).expect("tok's own output parses");
        if !authtype {
            assert_eq!(back.username.as_deref(), Some(value), "round trip");
        }
    }
});
