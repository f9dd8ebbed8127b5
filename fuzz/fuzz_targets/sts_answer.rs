//! The AWS STS answer to `AssumeRoleWithWebIdentity` (XML), as `tok aws-credential` reads it,
//! and the `credential_process` JSON made from it.
//!
//! Input: two bytes that place the leak marker, then the answer's text (the marker spliced
//! in). Checks: no panic; a refusal names what is wrong in one line from a fixed set (it cannot
//! hold the answer's text); keys read from the answer never show in `Debug` (the marker is
//! looked for); the three keys are non-empty with no whitespace or control character; and the
//! JSON printed for the SDK is valid JSON that gives back exactly the keys read and the
//! expiration as RFC 3339.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = tok_fuzz::splice(data);
    let Ok(xml) = std::str::from_utf8(&body) else {
        return;
    };
    match tok::parse_sts_answer(xml) {
        Err(what) => tok_fuzz::assert_one_line(what),
        Ok(tok::StsAnswer::Error { code, message }) => {
            assert!(!code.is_empty() && code.len() <= 100, "code {code:?}");
            // STS's code and message are shown (made one line where they are): no check.
            let _ = message;
        }
        Ok(tok::StsAnswer::Credentials(c)) => {
            let debug = format!("{c:?}");
            assert!(
                !debug.contains(tok_fuzz::marker()),
                "keys in Debug: {debug}"
            );
            let keys = [
                c.access_key_id.expose().to_string(),
                c.secret_access_key.expose().to_string(),
                c.session_token.expose().to_string(),
            ];
            for k in &keys {
                assert!(!k.is_empty(), "an empty key");
                assert!(
                    !k.chars()
                        .any(|ch| ch.is_ascii_whitespace() || ch.is_ascii_control()),
                    "a key with whitespace or a control character: {k:?}"
                );
            }
            let json = tok::credential_process_json(&c);
            let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
            assert_eq!(v["Version"], 1);
            assert_eq!(v["AccessKeyId"].as_str(), Some(keys[0].as_str()));
            assert_eq!(v["SecretAccessKey"].as_str(), Some(keys[1].as_str()));
            assert_eq!(v["SessionToken"].as_str(), Some(keys[2].as_str()));
            assert_eq!(
                v["Expiration"].as_str(),
                Some(tok::rfc3339(c.expiration).as_str())
            );
            assert!(json.ends_with("}\n") && json.lines().count() == 1);
        }
    }
});
