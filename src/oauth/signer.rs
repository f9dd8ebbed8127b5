//! What signs the JWTs tok sends: DPoP proofs (RFC 9449) and client assertions (RFC 7523
//! `private_key_jwt`). A signer is a software key tok holds (in the session blob) or a key that
//! never leaves a hardware token (PKCS#11): callers see only [`JwsSigner`], so where the private
//! key lives is decided once, where the key is loaded.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Why a signature could not be made. Never holds key material or a PIN.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The key is not where its reference says (a PKCS#11 object gone, a token removed).
    #[error("the signing key {key} is not available: {reason}")]
    Unavailable { key: String, reason: String },
    /// The signer refused or failed (a PKCS#11 error code, a locked token).
    #[error("signing with {key} failed: {reason}")]
    Failed { key: String, reason: String },
}

/// A key that signs JWS (RFC 7515) compact serializations.
// `thumbprint` and `location` are for `tok status` and `tok profile jwks` (issue 22).
#[allow(dead_code)]
pub trait JwsSigner {
    /// The JWS `alg` (RFC 7518): `ES256`, `RS256`, `EdDSA`.
    fn alg(&self) -> &'static str;
    /// The public key as a JWK (RFC 7517), without `kid`.
    fn public_jwk(&self) -> serde_json::Value;
    /// The RFC 7638 SHA-256 thumbprint of the public key, base64url.
    fn thumbprint(&self) -> String;
    /// The JWS signature over `signing_input` in its JWS form (for ES256, `R || S`).
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError>;
    /// Where the key lives, for `tok status` and errors: `session store`, a file path, a
    /// `pkcs11:` URI. Never the key.
    fn location(&self) -> String;
}

/// `header` and `claims` serialized, signed by `signer`: `header.claims.signature`. The
/// header's `alg` is set from the signer.
pub fn compact(
    signer: &dyn JwsSigner,
    mut header: serde_json::Value,
    claims: &serde_json::Value,
) -> Result<String, SignError> {
    header["alg"] = signer.alg().into();
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = signer.sign(signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

/// The public JWK of a P-256 key (RFC 7518 §6.2.1) from its coordinates, base64url.
pub fn p256_jwk(x: &str, y: &str) -> serde_json::Value {
    serde_json::json!({"kty": "EC", "crv": "P-256", "x": x, "y": y})
}

/// The RFC 7638 thumbprint of a P-256 key from its coordinates, base64url.
pub fn p256_thumbprint(x: &str, y: &str) -> String {
    jwk_thumbprint(&[("crv", "P-256"), ("kty", "EC"), ("x", x), ("y", y)])
}

/// RFC 7638: SHA-256 over the required members, lexicographically ordered, no whitespace.
/// `members` must already be in lexicographic order.
pub fn jwk_thumbprint(members: &[(&str, &str)]) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(k, v)| {
            format!(
                "{}:{}",
                serde_json::Value::from(*k),
                serde_json::Value::from(*v)
            )
        })
        .collect();
    let canonical = format!("{{{}}}", body.join(","));
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::dpop::DpopKey;

    #[test]
    fn a_compact_jws_names_the_signers_alg_and_verifies() {
        let key = DpopKey::generate();
        let jws = compact(
            &key,
            serde_json::json!({"typ": "JWT"}),
            &serde_json::json!({"a": 1}),
        )
        .unwrap();
        let parts: Vec<&str> = jws.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        let jwk = key.public_jwk();
        let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
        let y = URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap();
        let mut point = vec![4u8];
        point.extend(x);
        point.extend(y);
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            point,
        );
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        public.verify(input.as_bytes(), &sig).unwrap();
    }
}
