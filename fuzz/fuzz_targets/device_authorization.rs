//! Device authorization responses (RFC 8628 §3.2): never a panic, a user code fit for a
//! terminal, errors on one line that never carry the body.
//!
//! Input: a status selector, two bytes placing the leak marker, then the body. The leak check
//! looks for the random marker spliced into the body (`tok_fuzz::assert_no_leak`); only the
//! OAuth `error` and `error_description`, shown on purpose, may carry it into a message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let status = [200u16, 400, 401, 429, 500][selector as usize % 5];
    let body = tok_fuzz::splice(rest);
    let url = url::Url::parse("https://id.example/device").expect("static URL");
    let resp = tok_fuzz::response(status, "application/json", &body);
    match tok::parse_device_authorization(&url, resp) {
        Ok(d) => {
            assert!(!d.user_code.is_empty() && !d.user_code.chars().any(char::is_control));
        }
        Err(e) => {
            let msg = e.to_string();
            tok_fuzz::assert_one_line(&msg);
            tok_fuzz::assert_no_leak(&msg, &body, &["error", "error_description"]);
        }
    }
    tok::forget_held();
});
