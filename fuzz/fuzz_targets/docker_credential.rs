//! docker's credential helper input: a server URL (`get`, `erase`) or a JSON document (`store`).
//! The first byte picks the action; parsing must never panic and `get` answers either the token
//! JSON or docker's fixed not-found sentence.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::docker_credential as main;
use tok::{DockerTarget, Token, TokenError, Tokens};
use tok::AccessToken;

struct Fixed;

impl Tokens for Fixed {
    fn get(&mut self, _profile: &str, _host: &str) -> Result<Token, TokenError> {
        Ok(Token {
            access_token: AccessToken::new("fuzz-token"),
            expires_at: None,
        })
    }
    fn reject(&mut self, _profile: &str, _fp: Option<&str>) -> anyhow::Result<bool> {
        Ok(true)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let action = ["get", "store", "erase", "list", "version", "bogus"][selector as usize % 6];
    let targets = [DockerTarget {
        profile: "work".into(),
        registry: "registry.test".into(),
        username: "oauth2accesstoken".into(),
    }];
    let mut out = Vec::new();
    if let Ok(outcome) = main(action, input, &mut out, &targets, &mut Fixed, "0") {
        let text = String::from_utf8_lossy(&out);
        if action == "get" && outcome.status == 0 {
            let v: serde_json::Value = serde_json::from_str(&text).expect("get answers JSON");
            assert_eq!(v["Secret"], "fuzz-token");
        }
    }
});
