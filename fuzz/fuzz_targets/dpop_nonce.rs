//! A server's `DPoP-Nonce` header (RFC 9449 §8): tok puts it in its next proofs and remembers
//! it per server in the state directory.
//!
//! Checks: a proof made with the nonce is three base64url segments (fit for a header line) whose
//! payload carries the nonce exactly; a nonce tok remembers reads back unchanged, and only short
//! nonces without control characters are remembered. No leak check: a nonce is no secret, and
//! nothing here makes a message.
//!
//! The proof is built by tok's own `dpop_proof_signed_by` (what `DpopKey::proof` calls) with a
//! stand-in signer: a real P-256 signature costs about a millisecond under the fuzzer's
//! instrumentation (815 executions a second, almost all of it in field arithmetic) and does not
//! depend on the input. Once per process, the same checks run on a proof of a real key.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use tok::{DpopKey, JwsSigner, Paths, SignError};

fn paths() -> &'static Paths {
    static P: OnceLock<Paths> = OnceLock::new();
    P.get_or_init(|| {
        // tmpfs when there is one: a nonce is saved with fsyncs.
        let base = ["/dev/shm", "/tmp"]
            .into_iter()
            .map(std::path::PathBuf::from)
            .find(|d| d.is_dir())
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("tok-fuzz-dpop-{}", std::process::id()));
        Paths {
            config_dir: dir.join("config"),
            cache_dir: dir.join("cache"),
            runtime_dir: dir.join("run"),
            state_dir: dir.join("state"),
            data_dir: dir.join("data"),
            user_state_dir: dir.join("user"),
        }
    })
}

/// A fixed public key and a fixed 64-byte "signature": the shape of an ES256 key's.
struct StandIn;

impl JwsSigner for StandIn {
    fn alg(&self) -> &'static str {
        "ES256"
    }
    fn public_jwk(&self) -> serde_json::Value {
        serde_json::json!({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})
    }
    fn thumbprint(&self) -> String {
        String::new()
    }
    fn sign(&self, _signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
        Ok(vec![0xa5; 64])
    }
    fn location(&self) -> String {
        "fuzz".into()
    }
}

fn check_proof(proof: &str, nonce: &str) {
    let parts: Vec<&str> = proof.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS");
    assert!(
        proof
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "a proof fit for a header"
    );
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1])
        .expect("base64url");
    let claims: serde_json::Value = serde_json::from_slice(&payload).expect("JSON claims");
    assert_eq!(claims["nonce"], nonce, "the nonce travels unchanged");
}

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("https://id.example/token").expect("static URL");
    static REAL: OnceLock<()> = OnceLock::new();
    REAL.get_or_init(|| {
        let nonce = "eyJ7S_zG.eyJH0-Z.HX4w-7v";
        let proof = DpopKey::generate()
            .proof("POST", &url, None, Some(nonce), 1_700_000_000)
            .expect("a software key always signs");
        check_proof(&proof, nonce);
    });
    let Ok(nonce) = std::str::from_utf8(data) else {
        return;
    };
    let proof = tok::dpop_proof_signed_by(&StandIn, "POST", &url, None, Some(nonce), 1_700_000_000)
        .expect("the stand-in always signs");
    check_proof(&proof, nonce);

    let p = paths();
    let _ = std::fs::remove_file(p.state_dir.join("dpop-nonces.json"));
    tok::save_nonce(p, &url, nonce);
    let back = tok::load_nonce(p, &url);
    let keep = nonce.len() <= 512 && !nonce.chars().any(char::is_control);
    if keep {
        assert_eq!(
            back.as_deref(),
            Some(nonce),
            "a remembered nonce reads back"
        );
    } else {
        assert_eq!(back, None, "a nonce unfit for a header was remembered");
    }
});
