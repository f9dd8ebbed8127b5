//! Token and error responses (RFC 6749 §5.1, §5.2) under every status: never a panic, and an
//! error message never carries the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{Body, Response};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = [200u16, 201, 302, 400, 401, 429, 500, 502, 503][selector as usize % 9];
    let url = url::Url::parse("https://id.example/token").expect("static URL");
    let resp = Response {
        status,
        content_type: "application/json".into(),
        date: None,
        retry_after: None,
        dpop_nonce: None,
        body: Body(body.to_vec()),
    };
    if let Err(e) = tok::parse_token_response(&url, &resp) {
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "one-line errors");
        // A long body must never be echoed back (short ones may coincide with field names).
        if body.len() > 24
            && let Ok(text) = std::str::from_utf8(body)
        {
            assert!(!msg.contains(text), "the body leaked into the error");
        }
    }
});
