//! PKCE (RFC 7636) with S256 only, and the random `state` of a login.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::secret::Ephemeral;

/// `n` random bytes, base64url without padding.
pub fn random_urlsafe(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the OS random source is available");
    URL_SAFE_NO_PAD.encode(buf)
}

/// A fresh code verifier: 32 random bytes → 43 characters of the unreserved set (§4.1).
pub fn verifier() -> Ephemeral {
    Ephemeral::new(random_urlsafe(32))
}

/// `BASE64URL(SHA256(verifier))` (§4.2).
pub fn challenge(verifier: &Ephemeral) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.expose().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let v = Ephemeral::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(challenge(&v), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn verifier_shape() {
        let v = verifier();
        assert_eq!(v.expose().len(), 43);
        assert!(
            v.expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}
