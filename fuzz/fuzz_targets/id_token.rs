//! An ID token as the provider sends it (OIDC Core §3.1.3.7): the compact JWS split and
//! decoded, its signature checked against a fixed JWK Set (one ES256 key) or an HS256 secret,
//! its claims checked.
//!
//! Input: a selector byte (bit 0: the login's nonce is expected; bit 1: a client secret is
//! held, so HS256 is acceptable; bit 2: the provider publishes an algorithm list without
//! ES256; bit 7: splice the leak marker into the token), then the token's text. Checks: no
//! panic; every error is one line; a message holds the marker only where tok shows a value of
//! the token by design (the header's `alg` and `kid`, the `iss` claim, each decoded here and
//! looked in for the marker), never the token's text; and whatever tok accepts, the oracle's
//! own reading accepts too: an algorithm from the allow list (never `none`, HS256 only with the
//! secret), `iss` exactly the issuer, `aud` holding the client id, `azp` when there are several
//! audiences, `exp` and `iat` within the leeway, the nonce equal. The seeds (fuzz/seeds/id_token)
//! are signed with the key whose public half is [`JWKS`], so the accepting path is reached.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const ISS: &str = "https://id.example";
const CLIENT: &str = "tok-cli";
const NONCE: &str = "n-0S6_WzA2Mj";
const NOW: i64 = 1_800_000_000;
const SECRET: &[u8] = b"fuzz-client-secret-of-32-bytes!!";
const JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","use":"sig","x":"YaAuNBn0urKA1-V4k-Z3-I1GTsmT_oOpa2Rw2Cq9wZM","y":"aZImrRifgY8ArzT9MaxZDrqeqz4QkTPHfus6K2MPEkk"}]}"#;

/// A token the key of [`JWKS`] signed, with the claims the checks want: the accepting path
/// must be reachable, or every "accepted" check above would hold vacuously.
const GOOD: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lkLmV4YW1wbGUiLCJzdWIiOiJhbGljZSIsImF1ZCI6InRvay1jbGkiLCJleHAiOjE4MDAwMDM2MDAsImlhdCI6MTgwMDAwMDAwMCwibm9uY2UiOiJuLTBTNl9XekEyTWoifQ.ofz0KMe15RUzGzwmGu8jw3GYFLWv7a9N94lIQ5xtehdscSN6Lri9sQPWjddABQUD3ViZxzqMqt1I2IX5k9lkHA";

/// The JSON object of a base64url part, as the oracle reads it.
fn part(token: &str, i: usize) -> Option<Value> {
    let p = token.split('.').nth(i)?;
    let bytes = URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Whether the marker is in the string member `key` of `v`.
fn shows_marker(v: &Option<Value>, key: &str) -> bool {
    v.as_ref()
        .and_then(|v| v.get(key))
        .and_then(Value::as_str)
        .is_some_and(|s| s.contains(tok_fuzz::marker()))
}

fn check_message(msg: &str, token: &str) {
    tok_fuzz::assert_one_line(msg);
    if msg.contains(tok_fuzz::marker()) {
        let (header, payload) = (part(token, 0), part(token, 1));
        assert!(
            shows_marker(&header, "alg")
                || shows_marker(&header, "kid")
                || shows_marker(&payload, "iss"),
            "the token leaked into {msg:?}"
        );
    }
}

/// What the oracle requires of claims tok accepted.
fn check_accepted(token: &str, nonce: Option<&str>) {
    let c = part(token, 1).expect("accepted claims decode");
    assert_eq!(c["iss"].as_str(), Some(ISS), "accepted another issuer");
    let aud: Vec<&str> = match &c["aud"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        other => panic!("accepted aud {other}"),
    };
    assert!(
        aud.contains(&CLIENT),
        "accepted an audience without the client"
    );
    if aud.len() > 1 || !c["azp"].is_null() {
        assert_eq!(c["azp"].as_str(), Some(CLIENT), "accepted another azp");
    }
    let exp = c["exp"].as_i64().expect("accepted without exp");
    let iat = c["iat"].as_i64().expect("accepted without iat");
    assert!(exp + 60 > NOW, "accepted an expired token");
    assert!(iat <= NOW + 60, "accepted a token from the future");
    if let Some(n) = nonce {
        assert_eq!(c["nonce"].as_str(), Some(n), "accepted another nonce");
    }
}

static SELF_CHECK: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    SELF_CHECK.call_once(|| {
        let want = tok::IdExpect {
            issuer: ISS,
            client_id: CLIENT,
            nonce: Some(NONCE),
            access_token: None,
            now: NOW,
            previous: None,
        };
        let jwks = |_| tok::Jwks::parse(JWKS.as_bytes());
        tok::validate_id_token(GOOD, &want, None, None, jwks).expect("the oracle's own token");
    });
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let spliced = selector & 0x80 != 0;
    let bytes = if spliced {
        tok_fuzz::splice(rest)
    } else {
        tok_fuzz::unmarked(rest)
    };
    let Ok(token) = std::str::from_utf8(&bytes) else {
        return;
    };
    let nonce = (selector & 1 != 0).then_some(NONCE);
    let secret = (selector & 2 != 0).then_some(SECRET);
    let allowed = ["RS256".to_string(), "HS256".to_string()];
    let allowed = (selector & 4 != 0).then_some(&allowed[..]);
    let want = tok::IdExpect {
        issuer: ISS,
        client_id: CLIENT,
        nonce,
        access_token: None,
        now: NOW,
        previous: None,
    };

    // The claims alone (what a refresh's renewed token also goes through).
    match tok::parse_jws(token) {
        Err(e) => check_message(&e.to_string(), token),
        Ok(jws) => match tok::check_id_claims(&jws, &want) {
            Err(e) => check_message(&e.to_string(), token),
            Ok(c) => {
                check_accepted(token, nonce);
                assert_eq!(c.iss, ISS);
            }
        },
    }

    // The whole validation, keys fetched at most twice (the second time on an unknown kid).
    let mut fetches = 0;
    let got = tok::validate_id_token(token, &want, secret, allowed, |refetch| {
        fetches += 1;
        assert!(
            fetches == 1 || refetch,
            "keys fetched again without a reason"
        );
        tok::Jwks::parse(JWKS.as_bytes())
    });
    assert!(fetches <= 2, "keys fetched {fetches} times");
    match got {
        Err(e) => check_message(&e.to_string(), token),
        Ok(_) => {
            assert!(!spliced || token.contains(tok_fuzz::marker()));
            let header = part(token, 0).expect("accepted header decodes");
            let alg = header["alg"].as_str().expect("accepted without alg");
            match alg {
                "ES256" => assert!(
                    allowed.is_none(),
                    "accepted an algorithm the provider does not use"
                ),
                "HS256" => assert!(secret.is_some(), "accepted HS256 without a client secret"),
                other => panic!("accepted alg {other:?}"),
            }
            check_accepted(token, nonce);
        }
    }
});
