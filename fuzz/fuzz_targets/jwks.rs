//! The provider's JWK Set (RFC 7517), as `jwks_uri` answers it: parsed, then used to verify a
//! fixed ES256 ID token (kid `k1`) signed by one known key.
//!
//! Input: two bytes that place the leak marker, then the JWK Set's bytes (the marker spliced
//! in). Checks: no panic (RSA moduli, curve points and base64 of any shape reach `ring`); every
//! error is one line and never holds the marker (nothing of the key set is shown); a key that
//! cannot be read is skipped or refused, never trusted; and the token verifies only when the
//! set holds the key that signed it (its `x` and `y`), whatever else the set says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const ISS: &str = "https://id.example";
const X: &str = "YaAuNBn0urKA1-V4k-Z3-I1GTsmT_oOpa2Rw2Cq9wZM";
const Y: &str = "aZImrRifgY8ArzT9MaxZDrqeqz4QkTPHfus6K2MPEkk";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2lkLmV4YW1wbGUiLCJzdWIiOiJhbGljZSIsImF1ZCI6InRvay1jbGkiLCJleHAiOjE4MDAwMDM2MDAsImlhdCI6MTgwMDAwMDAwMCwibm9uY2UiOiJuLTBTNl9XekEyTWoifQ.ofz0KMe15RUzGzwmGu8jw3GYFLWv7a9N94lIQ5xtehdscSN6Lri9sQPWjddABQUD3ViZxzqMqt1I2IX5k9lkHA";

fn check(msg: &str) {
    tok_fuzz::assert_one_line(msg);
    assert!(
        !msg.contains(tok_fuzz::marker()),
        "the key set leaked into {msg:?}"
    );
}

/// Whether the set, read by the oracle, holds the signing key as a usable ES256 key.
fn holds_signing_key(body: &[u8]) -> bool {
    let Some(v) = tok_fuzz::lenient_json(body) else {
        return false;
    };
    let Some(keys) = v.get("keys").and_then(Value::as_array) else {
        return false;
    };
    keys.iter().any(|k| {
        k.get("x").and_then(Value::as_str) == Some(X)
            && k.get("y").and_then(Value::as_str) == Some(Y)
    })
}

static SELF_CHECK: std::sync::Once = std::sync::Once::new();

/// The set holding only the signing key verifies [`TOKEN`]: the accepting path is reachable.
fn self_check() {
    let jwks =
        format!(r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"k1","x":"{X}","y":"{Y}"}}]}}"#);
    let jwks = tok::Jwks::parse(jwks.as_bytes()).expect("the oracle's own set");
    let want = tok::IdExpect {
        issuer: ISS,
        client_id: "tok-cli",
        nonce: None,
        access_token: None,
        now: 1_800_000_000,
        previous: None,
    };
    tok::validate_id_token(TOKEN, &want, None, None, |_| Ok(jwks.clone()))
        .expect("the oracle's own token");
}

fuzz_target!(|data: &[u8]| {
    SELF_CHECK.call_once(self_check);
    let body = tok_fuzz::splice(data);
    let jwks = match tok::Jwks::parse(&body) {
        Err(e) => return check(&e.to_string()),
        Ok(j) => j,
    };
    let want = tok::IdExpect {
        issuer: ISS,
        client_id: "tok-cli",
        nonce: None,
        access_token: None,
        now: 1_800_000_000,
        previous: None,
    };
    match tok::validate_id_token(TOKEN, &want, None, None, |_| Ok(jwks.clone())) {
        Err(e) => check(&e.to_string()),
        Ok(c) => {
            assert!(
                holds_signing_key(&body),
                "verified with a set that lacks the key"
            );
            assert_eq!(c.sub, "alice");
        }
    }
});
