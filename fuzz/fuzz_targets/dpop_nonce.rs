//! A server's `DPoP-Nonce` header (RFC 9449 §8): tok puts it in its next proofs and remembers
//! it per server in the state directory.
//!
//! Checks: a proof made with the nonce is three base64url segments (fit for a header line) whose
//! payload carries the nonce exactly; a nonce tok remembers reads back unchanged, and only short
//! nonces without control characters are remembered. No leak check: a nonce is no secret, and
//! nothing here makes a message.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use tok::{DpopKey, Paths};

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

fuzz_target!(|data: &[u8]| {
    // Per thread: a key (which may be a PKCS#11 token's) is not `Sync`.
    thread_local! {
        static KEY: DpopKey = DpopKey::generate();
    }
    let Ok(nonce) = std::str::from_utf8(data) else {
        return;
    };
    let url = url::Url::parse("https://id.example/token").expect("static URL");
    let proof = KEY
        .with(|key| key.proof("POST", &url, None, Some(nonce), 1_700_000_000))
        .expect("a software key always signs");
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
