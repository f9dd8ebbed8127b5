//! Device authorization responses (RFC 8628 §3.2).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{Body, Response};

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("https://id.example/device").expect("static URL");
    let resp = Response {
        status: 200,
        content_type: "application/json".into(),
        date: None,
        retry_after: None,
        dpop_nonce: None,
        body: Body(data.to_vec()),
    };
    if let Ok(d) = tok::parse_device_authorization(&url, resp) {
        assert!(!d.user_code.is_empty() && !d.user_code.chars().any(char::is_control));
    }
});
