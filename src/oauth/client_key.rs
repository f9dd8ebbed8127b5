//! A client's own signing keys for `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9): the key
//! set a profile registers with its server (`tok profile jwks`), the newest of which signs the
//! client assertions.
//!
//! A software key is PKCS#8, generated here (ES256 on P-256, EdDSA on Ed25519: what `ring`
//! can generate) or read from a PEM file the user gives (also RS256, which `ring` can use but
//! not generate). Its private form is a secret like a refresh token: it lives in a
//! `SecretString` (zeroized on drop), `Debug` prints only the thumbprint, and it is serialized
//! only into the store item beside the session (keychain item or 0600 file).
//!
//! Where a key lives is decided here, once, when it is loaded ([`Pair`]); callers sign through
//! [`JwsSigner`]. A key in a PKCS#11 token (`client_key = "pkcs11:…"`) is one more `Pair`: it
//! signs on the token (ES256), and its private form is never in tok's memory nor stored.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::dpop::jwk_thumbprint;
use super::signer::{JwsSigner, SignError};

/// The JWS algorithms a client key signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Alg {
    /// ECDSA on P-256 with SHA-256 (the default).
    #[default]
    ES256,
    /// Ed25519.
    EdDSA,
    /// RSASSA-PKCS1-v1_5 with SHA-256; only from a given key file.
    RS256,
}

impl Alg {
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::ES256 => "ES256",
            Alg::EdDSA => "EdDSA",
            Alg::RS256 => "RS256",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Alg::ES256, Alg::EdDSA, Alg::RS256]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
    }
}

/// A profile's `private_key_jwt` settings: `client_auth = "private_key_jwt"`, `client_key`
/// (a PKCS#8 PEM file; none: a key tok generated and keeps in the store), `client_key_alg`,
/// `client_assertion_aud`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateKeyJwt {
    pub key_file: Option<std::path::PathBuf>,
    /// The `pkcs11:` URI of a key on a PKCS#11 token (`client_key = "pkcs11:…"`), instead of a
    /// file; the module is the profile's `pkcs11_module` or the URI's `module-path`.
    pub token_key: Option<String>,
    pub alg: Alg,
    pub aud: super::client_assertion::Audience,
}

/// What a PEM file must hold, for the message when it does not.
pub const PEM_WANTED: &str = "must be a PKCS#8 private key (PEM `BEGIN PRIVATE KEY`) for ES256 (P-256), EdDSA (Ed25519) or RS256 (2048 bits or more)";

/// The key pair as `ring` holds it, or a key on a PKCS#11 token (P-256, signing there).
enum Pair {
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
    Rsa(RsaKeyPair),
    Token(Box<super::pkcs11::TokenKey>),
}

/// One client key: its algorithm, its private PKCS#8 form (base64url) and where it came from.
pub struct ClientKey {
    pair: Pair,
    pkcs8: SecretString,
    location: String,
}

impl ClientKey {
    /// A fresh key from the OS random source; `None` for RS256, which `ring` cannot make.
    pub fn generate(alg: Alg) -> Option<Self> {
        let rng = SystemRandom::new();
        let doc = match alg {
            Alg::ES256 => {
                EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            }
            Alg::EdDSA => Ed25519KeyPair::generate_pkcs8(&rng),
            Alg::RS256 => return None,
        }
        .expect("the OS random source is available");
        Self::from_pkcs8(doc.as_ref(), "session store")
    }

    /// A key from its PKCS#8 DER; the algorithm is the key's own (P-256, Ed25519, RSA).
    pub fn from_pkcs8(der: &[u8], location: &str) -> Option<Self> {
        let rng = SystemRandom::new();
        let pair = if let Ok(k) =
            EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
        {
            Pair::Ec(k)
        } else if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            Pair::Ed(k)
        } else if let Ok(k) = RsaKeyPair::from_pkcs8(der) {
            Pair::Rsa(k)
        } else {
            return None;
        };
        Some(Self {
            pair,
            pkcs8: SecretString::from(URL_SAFE_NO_PAD.encode(der)),
            location: location.into(),
        })
    }

    /// A key from a PEM file's text (`-----BEGIN PRIVATE KEY-----`, PKCS#8).
    pub fn from_pem(text: &str, location: &str) -> Option<Self> {
        let body = text
            .split("-----BEGIN PRIVATE KEY-----")
            .nth(1)
            .and_then(|rest| rest.split("-----END PRIVATE KEY-----").next())?;
        let b64: Zeroizing<String> = Zeroizing::new(body.split_whitespace().collect());
        let der = Zeroizing::new(STANDARD.decode(b64.as_bytes()).ok()?);
        Self::from_pkcs8(&der, location)
    }

    /// A key on a PKCS#11 token, found (or made) and logged in: it signs there. Never stored:
    /// the profile names it by its URI.
    pub fn on_token(key: super::pkcs11::TokenKey) -> Self {
        let location = super::signer::JwsSigner::location(&key);
        Self {
            pair: Pair::Token(Box::new(key)),
            pkcs8: SecretString::from(String::new()),
            location,
        }
    }

    /// The key as stored (base64url PKCS#8).
    fn from_stored(pkcs8: &str) -> Option<Self> {
        let der = Zeroizing::new(URL_SAFE_NO_PAD.decode(pkcs8.trim()).ok()?);
        Self::from_pkcs8(&der, "session store")
    }

    /// The public key as a JWK with `kid` (the thumbprint), `alg` and `use`: one member of
    /// the JWK Set the server is given.
    pub fn jwk_for_registration(&self) -> serde_json::Value {
        let mut jwk = self.public_jwk();
        jwk["kid"] = self.thumbprint().into();
        jwk["alg"] = self.alg().into();
        jwk["use"] = "sig".into();
        jwk
    }

    /// The required members of the public JWK in RFC 7638's order.
    fn members(&self) -> Vec<(&'static str, String)> {
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        match &self.pair {
            Pair::Ec(k) => {
                let p = k.public_key().as_ref();
                vec![
                    ("crv", "P-256".into()),
                    ("kty", "EC".into()),
                    ("x", b64(&p[1..33])),
                    ("y", b64(&p[33..65])),
                ]
            }
            Pair::Ed(k) => vec![
                ("crv", "Ed25519".into()),
                ("kty", "OKP".into()),
                ("x", b64(k.public_key().as_ref())),
            ],
            Pair::Rsa(k) => {
                let c = signature::RsaPublicKeyComponents::<Vec<u8>>::from(k.public());
                vec![("e", b64(&c.e)), ("kty", "RSA".into()), ("n", b64(&c.n))]
            }
            Pair::Token(k) => vec![
                ("crv", "P-256".into()),
                ("kty", "EC".into()),
                ("x", b64(&k.x)),
                ("y", b64(&k.y)),
            ],
        }
    }
}

impl JwsSigner for ClientKey {
    fn alg(&self) -> &'static str {
        match self.pair {
            Pair::Ec(_) | Pair::Token(_) => Alg::ES256,
            Pair::Ed(_) => Alg::EdDSA,
            Pair::Rsa(_) => Alg::RS256,
        }
        .as_str()
    }

    fn public_jwk(&self) -> serde_json::Value {
        let map: serde_json::Map<String, serde_json::Value> = self
            .members()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        map.into()
    }

    fn thumbprint(&self) -> String {
        let members = self.members();
        let refs: Vec<(&str, &str)> = members.iter().map(|(k, v)| (*k, v.as_str())).collect();
        jwk_thumbprint(&refs)
    }

    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
        let failed = || SignError::Failed {
            key: self.location(),
            reason: "the signature could not be made".into(),
        };
        let rng = SystemRandom::new();
        Ok(match &self.pair {
            Pair::Ec(k) => k
                .sign(&rng, signing_input)
                .map_err(|_| failed())?
                .as_ref()
                .to_vec(),
            Pair::Ed(k) => k.sign(signing_input).as_ref().to_vec(),
            Pair::Rsa(k) => {
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, signing_input, &mut sig)
                    .map_err(|_| failed())?;
                sig
            }
            Pair::Token(k) => k.sign(signing_input)?,
        })
    }

    fn location(&self) -> String {
        self.location.clone()
    }
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientKey({} kid={})", self.alg(), self.thumbprint())
    }
}

/// A profile's client keys, oldest first: the newest signs, all are registered (a changeover
/// keeps the previous key valid until the server has the new one). At most two.
#[derive(Debug, Default)]
pub struct ClientKeys {
    keys: Vec<ClientKey>,
}

/// The store item's JSON: `{"keys": ["<base64url PKCS#8>", …]}`, oldest first.
#[derive(Serialize, Deserialize)]
struct Stored {
    keys: Vec<String>,
}

impl ClientKeys {
    pub fn one(key: ClientKey) -> Self {
        Self { keys: vec![key] }
    }

    /// The key that signs assertions: the newest.
    pub fn signer(&self) -> Option<&ClientKey> {
        self.keys.last()
    }

    /// The newest key, which signs.
    pub fn into_signer(mut self) -> Option<ClientKey> {
        self.keys.pop()
    }

    #[cfg(test)]
    pub fn keys(&self) -> &[ClientKey] {
        &self.keys
    }

    /// Add `key` as the signer, keeping the previous one registered and dropping any older.
    pub fn rotate(&mut self, key: ClientKey) {
        if self.keys.len() >= 2 {
            self.keys.remove(0);
        }
        self.keys.push(key);
    }

    /// The public JWK Set to register (RFC 7517 §5), newest key first.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .keys
            .iter()
            .rev()
            .map(ClientKey::jwk_for_registration)
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// The store item's text. It holds private keys: the caller wraps it as a secret at once.
    pub fn to_stored(&self) -> Zeroizing<String> {
        let mut stored = Stored {
            keys: self
                .keys
                .iter()
                .map(|k| k.pkcs8.expose_secret().to_string())
                .collect(),
        };
        let text = Zeroizing::new(serde_json::to_string(&stored).expect("keys serialize"));
        for k in &mut stored.keys {
            zeroize::Zeroize::zeroize(k);
        }
        text
    }

    /// Keys from the store item's text.
    pub fn from_stored(text: &str) -> Option<Self> {
        let mut stored: Stored = serde_json::from_str(text).ok()?;
        let keys: Option<Vec<_>> = stored
            .keys
            .iter()
            .map(|k| ClientKey::from_stored(k))
            .collect();
        for k in &mut stored.keys {
            zeroize::Zeroize::zeroize(k);
        }
        Some(Self { keys: keys? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(key: &ClientKey, input: &[u8], sig: &[u8]) {
        let jwk = key.public_jwk();
        let get = |m: &str| URL_SAFE_NO_PAD.decode(jwk[m].as_str().unwrap()).unwrap();
        match key.alg() {
            "ES256" => {
                let mut point = vec![4u8];
                point.extend(get("x"));
                point.extend(get("y"));
                signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(input, sig)
                    .unwrap();
            }
            "EdDSA" => signature::UnparsedPublicKey::new(&signature::ED25519, get("x"))
                .verify(input, sig)
                .unwrap(),
            "RS256" => signature::RsaPublicKeyComponents {
                n: get("n"),
                e: get("e"),
            }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, input, sig)
            .unwrap(),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn generated_keys_sign_what_their_public_jwk_verifies() {
        for alg in [Alg::ES256, Alg::EdDSA] {
            let key = ClientKey::generate(alg).unwrap();
            assert_eq!(key.alg(), alg.as_str());
            let sig = key.sign(b"input").unwrap();
            verify(&key, b"input", &sig);
        }
        assert!(ClientKey::generate(Alg::RS256).is_none());
    }

    #[test]
    fn the_kid_is_the_rfc7638_thumbprint_and_debug_shows_no_key() {
        let key = ClientKey::generate(Alg::ES256).unwrap();
        let jwk = key.public_jwk();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap()
        );
        use sha2::Digest;
        let want = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()));
        assert_eq!(key.thumbprint(), want);
        let reg = key.jwk_for_registration();
        assert_eq!(reg["kid"], want.as_str());
        assert_eq!(reg["use"], "sig");
        assert_eq!(reg["alg"], "ES256");
        assert!(reg.get("d").is_none());
        let debug = format!("{:?}", ClientKeys::one(key));
        let stored = ClientKeys::from_stored(&ClientKeys::default().to_stored()).unwrap();
        assert!(stored.keys().is_empty());
        assert!(!debug.contains("pkcs8") && debug.contains(&want), "{debug}");
    }

    #[test]
    fn keys_survive_the_store_and_rotation_keeps_two() {
        let a = ClientKey::generate(Alg::ES256).unwrap();
        let (ta, secret) = (a.thumbprint(), a.pkcs8.expose_secret().to_string());
        let mut keys = ClientKeys::one(a);
        let stored = keys.to_stored();
        assert!(stored.contains(&secret));
        assert!(!format!("{keys:?}").contains(&secret));
        let back = ClientKeys::from_stored(&stored).unwrap();
        assert_eq!(back.signer().unwrap().thumbprint(), ta);
        keys.rotate(ClientKey::generate(Alg::EdDSA).unwrap());
        let tb = keys.signer().unwrap().thumbprint();
        keys.rotate(ClientKey::generate(Alg::ES256).unwrap());
        let tc = keys.signer().unwrap().thumbprint();
        let kids: Vec<String> = keys.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(kids, [tc, tb], "the newest first, the oldest dropped");
    }

    #[test]
    fn a_pem_file_key_is_read_and_garbage_is_refused() {
        let der = EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &SystemRandom::new(),
        )
        .unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(der.as_ref())
        );
        let key = ClientKey::from_pem(&pem, "/k.pem").unwrap();
        assert_eq!(key.location(), "/k.pem");
        for garbage in [
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----",
            "c2VjcmV0",
        ] {
            assert!(ClientKey::from_pem(garbage, "/k.pem").is_none());
        }
    }
}
