//! Token and error responses (RFC 6749 §5.1, §5.2) under every status: never a panic, errors on
//! one line, and an error never carries the body.
//!
//! Input: a status selector, two bytes placing the leak marker, then the body. The leak check
//! (`tok_fuzz::assert_no_leak`) looks for the random marker spliced into the body, not for the
//! body's text, so a body that happens to spell tok's own message (the false alarm after
//! 459,525 executions) cannot trip it; only `error`, `error_description` and `token_type`,
//! shown on purpose, may carry the marker into the message.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let status = [200u16, 201, 302, 400, 401, 429, 500, 502, 503][selector as usize % 9];
    let body = tok_fuzz::splice(rest);
    let url = url::Url::parse("https://id.example/token").expect("static URL");
    let resp = tok_fuzz::response(status, "application/json", &body);
    match tok::parse_token_response(&url, &resp) {
        Err(e) => {
            let msg = e.to_string();
            tok_fuzz::assert_one_line(&msg);
            let shown = ["error", "error_description", "token_type"];
            tok_fuzz::assert_no_leak(&msg, &body, &shown);
            tok_fuzz::assert_no_leak(&format!("{e:?}"), &body, &shown);
        }
        // The tokens themselves are wrapped: their Debug shows no byte of them.
        Ok(t) => tok_fuzz::assert_no_leak(
            &format!("{:?} {:?}", t.access_token, t.refresh_token),
            b"",
            &[],
        ),
    }
    tok::forget_held();
});
