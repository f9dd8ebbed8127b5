//! DPoP, proof-of-possession for OAuth tokens (RFC 9449).
//!
//! Each DPoP-bound session owns one ES256 (P-256) key pair. Every token request, and every
//! resource request made with the bound access token, carries a fresh proof: a JWT signed with
//! the private key whose header holds the public key (`jwk`) and whose claims name the request
//! (`htm`, `htu`), a unique `jti`, the time (`iat`), the hash of the access token (`ath`, on
//! resource requests) and the server's `nonce` when it asked for one.
//!
//! The private key is a secret like a refresh token: [`DpopKey`] redacts its `Debug`, zeroizes on
//! drop, and is serialized only into the session blob in the store (keychain item or 0600 file).
//! Nonces are not secrets: they are remembered per server origin in the state directory.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};
use url::Url;
use zeroize::Zeroizing;

use super::pkcs11::{PinSource, Pkcs11Error, TokenKey};
use super::signer::SignError;
use crate::paths::{self, Paths};
use crate::secret::{AccessToken, Exposed};

/// The only algorithm tok signs proofs with (RFC 9449 §4.2 `alg`; RFC 7518 §3.4).
pub const ALG: &str = "ES256";

/// A DPoP key pair: a software key tok holds, or a key on a PKCS#11 token. `Debug` prints
/// `DpopKey(jkt=…)`: the public thumbprint, never the key.
pub struct DpopKey {
    inner: Inner,
}

enum Inner {
    Software {
        signing: SigningKey,
        /// The private scalar `d`, base64url: the form kept in the session blob.
        d: SecretString,
    },
    /// The private key stays on the token; the session keeps where it is and its public key.
    Token {
        stored: TokenKeyRef,
        /// The token's session, once [`DpopKey::unlock`] logged in.
        open: OnceCell<TokenKey>,
    },
}

/// A key on a PKCS#11 token as the session blob keeps it: its URI, the module that reaches it,
/// the token's label and the public coordinates (so the thumbprint needs no token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenKeyRef {
    pub uri: String,
    pub module: PathBuf,
    pub token: String,
    pub x: String,
    pub y: String,
}

#[derive(Debug, thiserror::Error)]
#[error("the stored DPoP key is not a valid P-256 private key")]
pub struct BadKey;

impl DpopKey {
    /// A fresh key pair from the OS random source.
    pub fn generate() -> Self {
        loop {
            let mut d = Zeroizing::new([0u8; 32]);
            getrandom::fill(d.as_mut()).expect("the OS random source is available");
            // Out of range (≥ n, or 0) with probability ~2^-32: draw again.
            if let Ok(k) = Self::from_scalar(d.as_ref()) {
                return k;
            }
        }
    }

    fn from_scalar(d: &[u8]) -> Result<Self, BadKey> {
        let signing = SigningKey::from_slice(d).map_err(|_| BadKey)?;
        Ok(Self {
            inner: Inner::Software {
                signing,
                d: SecretString::from(URL_SAFE_NO_PAD.encode(d)),
            },
        })
    }

    /// The key as stored: the private scalar `d`, base64url (the JWK `d` member).
    pub fn from_stored(d: &str) -> Result<Self, BadKey> {
        let bytes = Zeroizing::new(URL_SAFE_NO_PAD.decode(d.trim()).map_err(|_| BadKey)?);
        if bytes.len() != 32 {
            return Err(BadKey);
        }
        Self::from_scalar(&bytes)
    }

    /// The key `uri` names on a PKCS#11 token through `module` (made there first when
    /// `generate`), logged in with `pin` and ready to sign.
    pub fn on_token(
        module: &Path,
        uri: &str,
        pin: &PinSource,
        generate: bool,
    ) -> Result<Self, Pkcs11Error> {
        let key = if generate {
            TokenKey::generate(module, uri, pin)?
        } else {
            TokenKey::open(module, uri, pin)?
        };
        let stored = TokenKeyRef {
            uri: uri.into(),
            module: module.to_path_buf(),
            token: key.token.clone(),
            x: URL_SAFE_NO_PAD.encode(key.x),
            y: URL_SAFE_NO_PAD.encode(key.y),
        };
        Ok(Self {
            inner: Inner::Token {
                stored,
                open: OnceCell::from(key),
            },
        })
    }

    /// A token key as the session blob keeps it; [`DpopKey::unlock`] before it signs.
    pub fn from_token_ref(stored: TokenKeyRef) -> Self {
        Self {
            inner: Inner::Token {
                stored,
                open: OnceCell::new(),
            },
        }
    }

    /// Where a token key is (`None` for a software key).
    pub fn token_ref(&self) -> Option<&TokenKeyRef> {
        match &self.inner {
            Inner::Token { stored, .. } => Some(stored),
            Inner::Software { .. } => None,
        }
    }

    /// Whether the private key is held by tok (and kept in the session blob).
    pub fn is_software(&self) -> bool {
        matches!(self.inner, Inner::Software { .. })
    }

    /// Make a token key ready to sign: open a session on its token and log in with `pin`
    /// (once; a software key is always ready). The key found must be the one the session is
    /// bound to: its public key is compared with the stored one.
    pub fn unlock(&self, pin: &PinSource) -> Result<(), Pkcs11Error> {
        let Inner::Token { stored, open } = &self.inner else {
            return Ok(());
        };
        if open.get().is_some() {
            return Ok(());
        }
        let key = TokenKey::open(&stored.module, &stored.uri, pin)?;
        if URL_SAFE_NO_PAD.encode(key.x) != stored.x || URL_SAFE_NO_PAD.encode(key.y) != stored.y {
            return Err(Pkcs11Error::OtherKey {
                key: stored.uri.clone(),
                token: key.token,
            });
        }
        let _ = open.set(key);
        Ok(())
    }

    /// The public coordinates `x`, `y`, base64url.
    fn coordinates(&self) -> (String, String) {
        match &self.inner {
            Inner::Software { signing, .. } => {
                let point = signing.verifying_key().to_sec1_point(false);
                let x = point.x().expect("an uncompressed point has x");
                let y = point.y().expect("an uncompressed point has y");
                (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y))
            }
            Inner::Token { stored, .. } => (stored.x.clone(), stored.y.clone()),
        }
    }

    /// The public key as a JWK (RFC 7517 / RFC 7518 §6.2.1), for the proof header.
    pub fn public_jwk(&self) -> serde_json::Value {
        let (x, y) = self.coordinates();
        super::signer::p256_jwk(&x, &y)
    }

    /// The JWK SHA-256 thumbprint (RFC 7638) of the public key: what a server puts in `cnf.jkt`
    /// and what the `dpop_jkt` authorization parameter carries (RFC 9449 §6.1, §10).
    pub fn thumbprint(&self) -> String {
        let (x, y) = self.coordinates();
        super::signer::p256_thumbprint(&x, &y)
    }

    /// A proof for one request (RFC 9449 §4.2). `htu` loses its query and fragment (§4.3);
    /// `access_token` adds `ath` for resource requests; `nonce` is the server's `DPoP-Nonce`.
    /// Fails only for a token key (the token removed, the session closed).
    pub fn proof(
        &self,
        htm: &str,
        htu: &Url,
        access_token: Option<&AccessToken>,
        nonce: Option<&str>,
        iat: i64,
    ) -> Result<String, SignError> {
        proof_signed_by(self, htm, htu, access_token, nonce, iat)
    }
}

/// [`DpopKey::proof`] for any signer: the header names the signer's public JWK, the claims the
/// request. The fuzz target `dpop_nonce` signs with a stand-in key, so that its executions go
/// into the nonce's path rather than into P-256 arithmetic.
pub fn proof_signed_by(
    signer: &dyn super::signer::JwsSigner,
    htm: &str,
    htu: &Url,
    access_token: Option<&AccessToken>,
    nonce: Option<&str>,
    iat: i64,
) -> Result<String, SignError> {
    let header = serde_json::json!({
        "typ": "dpop+jwt",
        "alg": ALG,
        "jwk": signer.public_jwk(),
    });
    let mut claims = serde_json::json!({
        "jti": crate::oauth::pkce::random_urlsafe(16),
        "htm": htm,
        // `htu` is the URI without query and fragment (§4.3): what endpoint_name keeps.
        "htu": super::http::endpoint_name(htu),
        "iat": iat,
    });
    if let Some(at) = access_token {
        claims["ath"] = ath(at).into();
    }
    if let Some(n) = nonce {
        claims["nonce"] = n.into();
    }
    super::signer::compact(signer, header, &claims)
}

impl super::signer::JwsSigner for DpopKey {
    fn alg(&self) -> &'static str {
        ALG
    }
    fn public_jwk(&self) -> serde_json::Value {
        DpopKey::public_jwk(self)
    }
    fn thumbprint(&self) -> String {
        DpopKey::thumbprint(self)
    }
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
        match &self.inner {
            Inner::Software { signing, .. } => {
                // RFC 7518 §3.4: the JWS signature is R || S, 32 bytes each.
                let sig: Signature = signing.sign(signing_input);
                Ok(sig.to_bytes().to_vec())
            }
            Inner::Token { stored, open } => match open.get() {
                Some(key) => TokenKey::sign(key, signing_input),
                None => Err(SignError::Unavailable {
                    key: stored.uri.clone(),
                    reason: "no session with its token is open".into(),
                }),
            },
        }
    }
    fn location(&self) -> String {
        match &self.inner {
            Inner::Software { .. } => "session store".into(),
            Inner::Token { stored, .. } => format!("{}, token `{}`", stored.uri, stored.token),
        }
    }
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DpopKey(jkt={})", self.thumbprint())
    }
}

impl Exposed for DpopKey {
    /// The private scalar of a software key. A token key has none: the session blob keeps its
    /// [`TokenKeyRef`] instead, and never serializes it through here.
    fn raw(&self) -> &str {
        match &self.inner {
            Inner::Software { d, .. } => d.expose_secret(),
            Inner::Token { .. } => "",
        }
    }
}

impl<'de> Deserialize<'de> for DpopKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Zeroizing::new(String::deserialize(d)?);
        DpopKey::from_stored(&s).map_err(serde::de::Error::custom)
    }
}

/// `ath`: base64url(SHA-256(access token)) (RFC 9449 §4.2).
pub fn ath(token: &AccessToken) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.expose().as_bytes()))
}

pub use super::signer::jwk_thumbprint;

/// One request's prover: the key and the nonce to send, updated from the server's answers.
pub struct Prover<'a> {
    pub key: &'a DpopKey,
    pub nonce: Option<String>,
}

impl Prover<'_> {
    pub fn proof(
        &self,
        htm: &str,
        htu: &Url,
        access_token: Option<&AccessToken>,
    ) -> Result<String, SignError> {
        self.key.proof(
            htm,
            htu,
            access_token,
            self.nonce.as_deref(),
            crate::time::now(),
        )
    }
}

/// The server a nonce belongs to: scheme, host and port of the URL.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

fn nonce_file(paths: &Paths) -> std::path::PathBuf {
    paths.state_dir.join("dpop-nonces.json")
}

/// The last `DPoP-Nonce` the server of `url` sent, if remembered.
pub fn load_nonce(paths: &Paths, url: &Url) -> Option<String> {
    let bytes = std::fs::read(nonce_file(paths)).ok()?;
    let map: BTreeMap<String, String> = serde_json::from_slice(&bytes).ok()?;
    map.get(&origin(url)).cloned()
}

/// Remember the nonce of the server of `url` (best effort: a lost nonce costs one retry).
pub fn save_nonce(paths: &Paths, url: &Url, nonce: &str) {
    let path = nonce_file(paths);
    let mut map: BTreeMap<String, String> = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if map.get(&origin(url)).map(String::as_str) == Some(nonce) {
        return;
    }
    // Nonces are short strings; a server sending anything else is not worth remembering.
    if nonce.len() > 512 || nonce.chars().any(|c| c.is_control()) {
        return;
    }
    map.insert(origin(url), nonce.to_string());
    if let Ok(b) = serde_json::to_vec_pretty(&map) {
        let _ = paths::write_private_atomic(&path, &b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::VerifyingKey;
    use p256::ecdsa::signature::Verifier;

    fn decode(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn rfc7638_example_thumbprint() {
        // RFC 7638 §3.1 (an RSA key: the algorithm is the same for every key type).
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            jwk_thumbprint(&[("e", "AQAB"), ("kty", "RSA"), ("n", n)]),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn rfc9449_example_ath() {
        // RFC 9449 §7.1 example access token and its `ath`.
        let at = AccessToken::new("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU");
        assert_eq!(ath(&at), "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    }

    #[test]
    fn proof_shape_and_signature() {
        let key = DpopKey::generate();
        let url = Url::parse("https://user:pw@rs.example/api/x?secret=1#frag").unwrap();
        let at = AccessToken::new("at-value");
        let jwt = key
            .proof("GET", &url, Some(&at), Some("n-1"), 1_700_000_000)
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode(parts[0]);
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert_eq!(header["jwk"]["crv"], "P-256");
        assert!(header["jwk"].get("d").is_none(), "private key in the proof");
        assert_eq!(header.as_object().unwrap().len(), 3);
        let claims = decode(parts[1]);
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://rs.example/api/x");
        assert_eq!(claims["iat"], 1_700_000_000);
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(claims["ath"], ath(&at));
        assert!(claims["jti"].as_str().unwrap().len() >= 16);
        // The signature verifies with the public key from the header.
        let x = URL_SAFE_NO_PAD
            .decode(header["jwk"]["x"].as_str().unwrap())
            .unwrap();
        let y = URL_SAFE_NO_PAD
            .decode(header["jwk"]["y"].as_str().unwrap())
            .unwrap();
        let sec1 = [&[4u8][..], &x, &y].concat();
        let vk = VerifyingKey::from_sec1_bytes(&sec1).unwrap();
        let sig_bytes = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        assert_eq!(sig_bytes.len(), 64);
        let sig = Signature::from_slice(&sig_bytes).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        vk.verify(input.as_bytes(), &sig).unwrap();
        // A token request proof has neither ath nor nonce, and a fresh jti.
        let plain = key.proof("POST", &url, None, None, 1).unwrap();
        let c2 = decode(plain.split('.').nth(1).unwrap());
        assert!(c2.get("ath").is_none() && c2.get("nonce").is_none());
        assert_ne!(c2["jti"], claims["jti"]);
    }

    #[test]
    fn thumbprint_matches_the_header_jwk() {
        let key = DpopKey::generate();
        let jwk = key.public_jwk();
        let want = jwk_thumbprint(&[
            ("crv", "P-256"),
            ("kty", "EC"),
            ("x", jwk["x"].as_str().unwrap()),
            ("y", jwk["y"].as_str().unwrap()),
        ]);
        assert_eq!(key.thumbprint(), want);
        assert_eq!(key.thumbprint().len(), 43);
        assert_ne!(DpopKey::generate().thumbprint(), key.thumbprint());
    }

    #[test]
    fn stored_form_round_trips_and_debug_is_redacted() {
        let key = DpopKey::generate();
        let d = key.raw().to_string();
        let back = DpopKey::from_stored(&d).unwrap();
        assert_eq!(back.thumbprint(), key.thumbprint());
        let dbg = format!("{key:?}");
        assert!(!dbg.contains(&d), "{dbg}");
        assert_eq!(dbg, format!("DpopKey(jkt={})", key.thumbprint()));
        assert!(DpopKey::from_stored("short").is_err());
        assert!(DpopKey::from_stored(&URL_SAFE_NO_PAD.encode([0u8; 32])).is_err());
    }
}
