//! docker's credential helper input: a server URL (`get`, `erase`) or a JSON document (`store`).
//! The first byte picks the action; parsing must never panic and `get` answers either the token
//! JSON or docker's fixed not-found sentence.
//!
//! Input: the action selector, two bytes placing the leak marker, then stdin. Leak check for
//! `store` (whose JSON carries docker's `Secret`): the random marker spliced into stdin may reach
//! stdout or an error only inside `ServerURL` or `Username`, which are no secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::AccessToken;
use tok::{Docker, DockerTarget, HelperOutcome, Token, TokenError, Tokens, serve_helper};

struct Fixed;

impl Tokens for Fixed {
    fn get(&mut self, _profile: &str, _host: &str) -> Result<Token, TokenError> {
        Ok(Token {
            access_token: AccessToken::new("fuzz-token"),
            expires_at: None,
        })
    }
    fn reject(&mut self, _profile: &str, _fp: Option<&str>) -> Result<bool, TokenError> {
        Ok(true)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let action = ["get", "store", "erase", "list", "version", "bogus"][selector as usize % 6];
    let docker = Docker {
        targets: vec![DockerTarget {
            profile: "work".into(),
            registry: "registry.test".into(),
            username: "oauth2accesstoken".into(),
        }],
        version: "0",
    };
    let input = &tok_fuzz::splice(input)[..];
    let mut out = Vec::new();
    let result = serve_helper(&docker, action, input, &mut out, &mut Fixed, 0);
    if action == "store" {
        let shown = ["ServerURL", "Username"];
        tok_fuzz::assert_no_leak(&String::from_utf8_lossy(&out), input, &shown);
        if let Err(e) = &result {
            tok_fuzz::assert_no_leak(&format!("{e:#}"), input, &shown);
        }
    }
    if let Ok(outcome) = result {
        let text = String::from_utf8_lossy(&out);
        if action == "get" && matches!(outcome, HelperOutcome::Answered { .. }) {
            let v: serde_json::Value = serde_json::from_str(&text).expect("get answers JSON");
            assert_eq!(v["Secret"], "fuzz-token");
        }
    }
    tok::forget_held();
});
