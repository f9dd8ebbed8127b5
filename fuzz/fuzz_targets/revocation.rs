//! Revocation answers (RFC 7009 §2.2): anything but 200 goes through `error_response`, as the
//! token endpoint's errors do. Never a panic, one line, never the body.
//!
//! Input: a status selector, two bytes placing the leak marker, then the body. The leak check
//! looks for the random marker spliced into the body; only `error` and `error_description`,
//! shown on purpose, may carry it. (tok does not call an introspection endpoint: there is no
//! such answer to fuzz.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let status = [400u16, 401, 403, 404, 405, 429, 500, 503, 301][selector as usize % 9];
    let content_type = ["application/json", "text/html", ""][selector as usize / 9 % 3];
    let body = tok_fuzz::splice(rest);
    let url = url::Url::parse("https://id.example/revoke").expect("static URL");
    let resp = tok_fuzz::response(status, content_type, &body);
    let e = tok::error_response(&url, &resp);
    let msg = e.to_string();
    tok_fuzz::assert_one_line(&msg);
    tok_fuzz::assert_no_leak(&msg, &body, &["error", "error_description"]);
    tok::forget_held();
});
