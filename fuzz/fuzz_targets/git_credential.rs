//! git's credential input (`key=value` lines): parse, then the gitoxide-style round trip — a
//! value tok writes back either is refused (NUL/CR/LF) or parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{GitAnswer as Answer, parse_git_request as parse, write_answer};

fuzz_target!(|data: &[u8]| {
    let Ok(req) = parse(data) else {
        return;
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
