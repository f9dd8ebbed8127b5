//! A CI platform's identity-token answer (GitHub Actions: `{"value": JWT}`, or `{"message": …}`
//! with an error status) and the claims tok decodes from the JWT for its messages.
//!
//! Input: a selector (status; or "the rest is a JWT"), two bytes placing the leak marker, then
//! the body. Checks: no panic; errors on one line; decoded claims on one line each. Leak check:
//! the random marker spliced into the body may reach a message only through GitHub's `message`
//! (shown on purpose); the identity token itself never shows in a message or a `Debug`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{IdentityClaims, IdentityToken};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let body = tok_fuzz::splice(rest);
    let token = if selector >= 0xf0 {
        // The rest is the identity token itself (a variable or a file holds it).
        let Ok(t) = std::str::from_utf8(&body) else {
            return;
        };
        IdentityToken::new(t)
    } else {
        let status = [200u16, 401, 403, 404, 500][selector as usize % 5];
        let url = url::Url::parse("https://token.actions.example/idtoken?api-version=2.0")
            .expect("static URL");
        let resp = tok_fuzz::response(status, "application/json", &body);
        match tok::github_answer(&url, &resp) {
            Err(e) => {
                let msg = e.to_string();
                tok_fuzz::assert_one_line(&msg);
                tok_fuzz::assert_no_leak(&msg, &body, &["message"]);
                tok_fuzz::assert_no_leak(&format!("{e:?}"), &body, &["message"]);
                tok::forget_held();
                return;
            }
            Ok(t) => t,
        }
    };
    tok_fuzz::assert_no_leak(&format!("{token:?}"), b"", &[]);
    if let Some(c) = IdentityClaims::decode(&token) {
        for field in c.iss.iter().chain(&c.sub).chain(&c.aud) {
            tok_fuzz::assert_one_line(field);
        }
    }
    tok::forget_held();
});
