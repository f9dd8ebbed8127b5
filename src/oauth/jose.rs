//! ID tokens (OIDC Core 1.0 §2, §3.1.3.7, §12.2): the compact JWS, its signature checked with
//! `ring` against a key of the provider's JWKS, and its claims checked against what the login
//! expects. Pure functions: fetching the JWKS is the caller's (see [`validate`]'s `jwks`).
//!
//! Accepted algorithms: RS256, PS256, ES256, EdDSA (Ed25519) — and HS256 only when the caller
//! holds a client secret (the secret is the key). `none` never.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, UnparsedPublicKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Clock skew tolerated on `exp` and `iat`, seconds.
pub const LEEWAY: i64 = 60;

/// The asymmetric algorithms tok verifies.
pub const ASYMMETRIC: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];

/// Why an ID token was refused. Each variant names what failed; none holds the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    #[error("the ID token is malformed ({0})")]
    Malformed(&'static str),
    #[error("the ID token is signed with algorithm {0:?}, which tok does not accept")]
    Algorithm(String),
    #[error("no key of the provider's JWKS matches the ID token (kid {0:?})")]
    UnknownKey(String),
    #[error("the ID token's signature does not verify")]
    Signature,
    #[error("the ID token's `{claim}` claim is wrong: {why}")]
    Claim { claim: &'static str, why: String },
    #[error("the provider's JWKS could not be read ({0})")]
    Jwks(String),
    /// A valid ID token whose authentication falls short of what the login asked for
    /// (`acr_values`, `max_age`: OIDC Core §3.1.2.1, §5.5.1.1).
    #[error("the ID token's `{claim}` claim does not meet the request: {why}")]
    Unmet { claim: &'static str, why: String },
}

fn claim(claim: &'static str, why: impl Into<String>) -> IdTokenError {
    IdTokenError::Claim {
        claim,
        why: why.into(),
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// The `aud` claim: one string or several.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn as_slice(&self) -> &[String] {
        match self {
            Audience::One(s) => std::slice::from_ref(s),
            Audience::Many(v) => v,
        }
    }
}

/// The claims tok reads from an ID token (verbatim OIDC names). Not secret on their own: the
/// signed token is.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A compact JWS split into its parts, nothing verified yet.
pub struct Jws<'a> {
    alg: String,
    kid: Option<String>,
    signing_input: &'a str,
    signature: Vec<u8>,
    payload: Vec<u8>,
}

/// Split and decode a compact JWS (RFC 7515 §7.1).
pub fn parse(token: &str) -> Result<Jws<'_>, IdTokenError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed("not three dot-separated parts"));
    };
    let b64 = |s: &str| URL_SAFE_NO_PAD.decode(s.trim_end_matches('='));
    let header = b64(h).map_err(|_| IdTokenError::Malformed("header is not base64url"))?;
    let header: Header = serde_json::from_slice(&header)
        .map_err(|_| IdTokenError::Malformed("header is not a JOSE header"))?;
    Ok(Jws {
        alg: header.alg,
        kid: header.kid,
        signing_input: &token[..h.len() + 1 + p.len()],
        signature: b64(s).map_err(|_| IdTokenError::Malformed("signature is not base64url"))?,
        payload: b64(p).map_err(|_| IdTokenError::Malformed("payload is not base64url"))?,
    })
}

/// The claims of a JWT, decoded without any check: for display only (`tok whoami` on a JWT
/// access token), or for an ID token tok validated before it stored it.
pub fn decode_unverified<T: serde::de::DeserializeOwned>(token: &str) -> Result<T, IdTokenError> {
    let jws = parse(token)?;
    serde_json::from_slice(&jws.payload)
        .map_err(|_| IdTokenError::Malformed("payload is not a JSON claims set"))
}

/// One key of a JWK Set (RFC 7517), the members tok uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub alg: Option<String>,
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    #[serde(default)]
    pub crv: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default)]
    pub x: Option<String>,
    #[serde(default)]
    pub y: Option<String>,
}

/// A JWK Set. Keys tok cannot read are skipped, not fatal.
#[derive(Debug, Clone, Default)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    pub fn parse(body: &[u8]) -> Result<Self, IdTokenError> {
        #[derive(Deserialize)]
        struct Raw {
            keys: Vec<serde_json::Value>,
        }
        let raw: Raw =
            serde_json::from_slice(body).map_err(|_| IdTokenError::Jwks("not a JWK Set".into()))?;
        Ok(Jwks {
            keys: raw
                .keys
                .into_iter()
                .filter_map(|k| serde_json::from_value(k).ok())
                .collect(),
        })
    }

    /// The signing keys that may have made a signature with `alg` and `kid`.
    fn candidates<'a>(
        &'a self,
        alg: &'a str,
        kid: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Jwk> {
        self.keys.iter().filter(move |k| {
            let kty = match alg {
                "RS256" | "PS256" => "RSA",
                "ES256" => "EC",
                _ => "OKP",
            };
            k.kty == kty
                && k.use_.as_deref().is_none_or(|u| u == "sig")
                && k.alg.as_deref().is_none_or(|a| a == alg)
                && kid.is_none_or(|kid| k.kid.as_deref() == Some(kid))
        })
    }
}

fn b64_member(v: &Option<String>, what: &'static str) -> Result<Vec<u8>, IdTokenError> {
    v.as_deref()
        .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
        .ok_or(IdTokenError::Jwks(format!(
            "a key lacks a readable `{what}`"
        )))
}

fn verify_with(jwk: &Jwk, alg: &str, msg: &[u8], sig: &[u8]) -> Result<bool, IdTokenError> {
    Ok(match alg {
        "RS256" | "PS256" => {
            let params: &signature::RsaParameters = if alg == "RS256" {
                &signature::RSA_PKCS1_2048_8192_SHA256
            } else {
                &signature::RSA_PSS_2048_8192_SHA256
            };
            let key = signature::RsaPublicKeyComponents {
                n: b64_member(&jwk.n, "n")?,
                e: b64_member(&jwk.e, "e")?,
            };
            key.verify(params, msg, sig).is_ok()
        }
        "ES256" => {
            if jwk.crv.as_deref() != Some("P-256") {
                return Ok(false);
            }
            let mut point = vec![4u8];
            point.extend(b64_member(&jwk.x, "x")?);
            point.extend(b64_member(&jwk.y, "y")?);
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(msg, sig)
                .is_ok()
        }
        "EdDSA" => {
            if jwk.crv.as_deref() != Some("Ed25519") {
                return Ok(false);
            }
            UnparsedPublicKey::new(&signature::ED25519, b64_member(&jwk.x, "x")?)
                .verify(msg, sig)
                .is_ok()
        }
        other => return Err(IdTokenError::Algorithm(other.into())),
    })
}

/// Check the signature of `jws`. `hmac_secret` is a confidential client's secret: only with it
/// is HS256 acceptable. `allowed` is the provider's `id_token_signing_alg_values_supported`,
/// when it published one.
pub fn verify_signature(
    jws: &Jws<'_>,
    jwks: &Jwks,
    hmac_secret: Option<&[u8]>,
    allowed: Option<&[String]>,
) -> Result<(), IdTokenError> {
    let alg = jws.alg.as_str();
    let asymmetric = ASYMMETRIC.contains(&alg);
    let hmac = alg == "HS256" && hmac_secret.is_some();
    if !(asymmetric || hmac) || allowed.is_some_and(|a| !a.iter().any(|x| x == alg)) {
        return Err(IdTokenError::Algorithm(jws.alg.clone()));
    }
    let msg = jws.signing_input.as_bytes();
    if let Some(secret) = hmac_secret.filter(|_| hmac) {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        return ring::hmac::verify(&key, msg, &jws.signature).map_err(|_| IdTokenError::Signature);
    }
    let mut tried = false;
    for jwk in jwks.candidates(alg, jws.kid.as_deref()) {
        tried = true;
        if verify_with(jwk, alg, msg, &jws.signature)? {
            return Ok(());
        }
    }
    if tried {
        Err(IdTokenError::Signature)
    } else {
        Err(IdTokenError::UnknownKey(
            jws.kid.clone().unwrap_or_default(),
        ))
    }
}

/// What the claims must say.
pub struct Expect<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The login's nonce; `None` on a refresh (§12.2: no nonce check).
    pub nonce: Option<&'a str>,
    /// The access token issued with the ID token, for `at_hash`.
    pub access_token: Option<&'a str>,
    pub now: i64,
    /// The ID token this one renews (§12.2: same `iss`, `sub`, `aud`, `auth_time`).
    pub previous: Option<&'a Claims>,
}

/// `at_hash` (§3.1.3.6): the left half of the access token's hash, base64url. SHA-256 for every
/// algorithm tok accepts but EdDSA over Ed25519, whose hash is SHA-512.
fn at_hash(alg: &str, access_token: &str) -> String {
    let digest: Vec<u8> = if alg == "EdDSA" {
        sha2::Sha512::digest(access_token.as_bytes()).to_vec()
    } else {
        Sha256::digest(access_token.as_bytes()).to_vec()
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// The claim checks of OIDC Core §3.1.3.7 (and §12.2 for a renewed token).
pub fn check_claims(jws: &Jws<'_>, want: &Expect<'_>) -> Result<Claims, IdTokenError> {
    let c: Claims = serde_json::from_slice(&jws.payload).map_err(|e| {
        let missing = e.to_string();
        let name = ["iss", "sub", "aud", "exp", "iat"]
            .into_iter()
            .find(|n| missing.contains(&format!("`{n}`")));
        match name {
            Some(n) => claim(n, "missing or not of the right type"),
            None => IdTokenError::Malformed("payload is not a JSON claims set"),
        }
    })?;
    if c.iss != want.issuer {
        return Err(claim(
            "iss",
            format!("{:?}, not the issuer {}", c.iss, want.issuer),
        ));
    }
    let aud = c.aud.as_slice();
    if !aud.iter().any(|a| a == want.client_id) {
        return Err(claim(
            "aud",
            format!("does not contain the client id {}", want.client_id),
        ));
    }
    if (aud.len() > 1 || c.azp.is_some()) && c.azp.as_deref() != Some(want.client_id) {
        return Err(claim(
            "azp",
            format!("is not the client id {}", want.client_id),
        ));
    }
    if c.exp + LEEWAY <= want.now {
        return Err(claim(
            "exp",
            format!("the token expired {} s ago", want.now - c.exp),
        ));
    }
    if c.iat > want.now + LEEWAY {
        return Err(claim(
            "iat",
            format!("issued {} s in the future", c.iat - want.now),
        ));
    }
    if let Some(n) = want.nonce
        && c.nonce.as_deref() != Some(n)
    {
        return Err(claim(
            "nonce",
            "not the nonce this login sent (possible replay)",
        ));
    }
    if let (Some(h), Some(at)) = (&c.at_hash, want.access_token)
        && *h != at_hash(&jws.alg, at)
    {
        return Err(claim("at_hash", "does not match the access token"));
    }
    if let Some(p) = want.previous {
        if c.sub != p.sub {
            return Err(claim("sub", "differs from the ID token of the login"));
        }
        if c.aud != p.aud {
            return Err(claim("aud", "differs from the ID token of the login"));
        }
        if p.auth_time.is_some() && c.auth_time.is_some() && c.auth_time != p.auth_time {
            return Err(claim("auth_time", "differs from the ID token of the login"));
        }
    }
    Ok(c)
}

/// What a login asked of the authentication itself: `acr_values` (space-separated, in order of
/// preference) and `max_age` (seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requested<'a> {
    pub acr_values: Option<&'a str>,
    pub max_age: Option<i64>,
}

impl Requested<'_> {
    /// Nothing was asked of the authentication.
    pub fn is_none(&self) -> bool {
        self.acr_values.is_none_or(|a| a.trim().is_empty()) && self.max_age.is_none()
    }
}

/// OIDC Core §3.1.2.1, §5.5.1.1: a server may answer a voluntary `acr` request with another
/// value, and tok refuses such a token: its `acr` must be one of the requested values. With
/// `max_age`, `auth_time` is required and no older than `max_age` (plus the clock leeway).
pub fn check_authentication(
    c: &Claims,
    want: &Requested<'_>,
    now: i64,
) -> Result<(), IdTokenError> {
    let unmet = |claim, why: String| IdTokenError::Unmet { claim, why };
    if let Some(values) = want.acr_values.filter(|a| !a.trim().is_empty()) {
        match c.acr.as_deref() {
            None => {
                return Err(unmet(
                    "acr",
                    format!("absent, and acr_values {values:?} was requested"),
                ));
            }
            Some(acr) if !values.split_ascii_whitespace().any(|v| v == acr) => {
                return Err(unmet(
                    "acr",
                    format!("{acr:?} is not one of the requested acr_values {values:?}"),
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(max_age) = want.max_age {
        let Some(at) = c.auth_time else {
            return Err(unmet(
                "auth_time",
                "absent, and max_age was requested".into(),
            ));
        };
        if now - at > max_age + LEEWAY {
            return Err(unmet(
                "auth_time",
                format!(
                    "the sign-in was {} s ago, over the requested max_age {max_age} s",
                    now - at
                ),
            ));
        }
    }
    Ok(())
}

/// Validate `token` completely. `jwks(refetch)` gives the provider's key set: `false` may
/// answer from a cache, `true` must fetch it afresh. It is called again with `true` only when
/// no key matched the token's `kid` (keys rotate), at most once.
pub fn validate(
    token: &str,
    want: &Expect<'_>,
    hmac_secret: Option<&[u8]>,
    allowed: Option<&[String]>,
    mut jwks: impl FnMut(bool) -> Result<Jwks, IdTokenError>,
) -> Result<Claims, IdTokenError> {
    let jws = parse(token)?;
    let needs_keys = jws.alg != "HS256" || hmac_secret.is_none();
    if needs_keys {
        let keys = jwks(false)?;
        match verify_signature(&jws, &keys, hmac_secret, allowed) {
            Err(IdTokenError::UnknownKey(_)) => {
                verify_signature(&jws, &jwks(true)?, hmac_secret, allowed)?
            }
            other => other?,
        }
    } else {
        verify_signature(&jws, &Jwks::default(), hmac_secret, allowed)?;
    }
    check_claims(&jws, want)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair};
    use serde_json::json;

    const ISS: &str = "https://id.example";
    const NOW: i64 = 1_800_000_000;

    fn b64(v: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    /// An ES256 key made for the test, with its JWK.
    struct Key {
        pair: EcdsaKeyPair,
        kid: String,
    }

    impl Key {
        fn new(kid: &str) -> Self {
            let rng = SystemRandom::new();
            let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
            Key {
                pair: EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap(),
                kid: kid.into(),
            }
        }
        fn jwk(&self) -> serde_json::Value {
            let p = self.pair.public_key().as_ref();
            json!({"kty":"EC","crv":"P-256","kid":self.kid,"use":"sig",
                   "x": b64(&p[1..33]), "y": b64(&p[33..65])})
        }
        fn sign(&self, claims: &serde_json::Value) -> String {
            let h = b64(json!({"alg":"ES256","kid":self.kid}).to_string().as_bytes());
            let input = format!("{h}.{}", b64(claims.to_string().as_bytes()));
            let sig = self
                .pair
                .sign(&SystemRandom::new(), input.as_bytes())
                .unwrap();
            format!("{input}.{}", b64(sig.as_ref()))
        }
    }

    fn jwks(keys: &[&Key]) -> Jwks {
        let body = json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()});
        Jwks::parse(body.to_string().as_bytes()).unwrap()
    }

    fn claims() -> serde_json::Value {
        json!({"iss": ISS, "sub": "alice", "aud": "tok-cli", "exp": NOW + 300, "iat": NOW,
               "nonce": "n-123", "at_hash": at_hash("ES256", "the-access-token")})
    }

    fn expect() -> Expect<'static> {
        Expect {
            issuer: ISS,
            client_id: "tok-cli",
            nonce: Some("n-123"),
            access_token: Some("the-access-token"),
            now: NOW,
            previous: None,
        }
    }

    fn check(token: &str, keys: &Jwks) -> Result<Claims, IdTokenError> {
        validate(token, &expect(), None, None, |_| Ok(keys.clone()))
    }

    fn with(change: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
        let mut c = claims();
        change(&mut c);
        c
    }

    fn claim_of(e: IdTokenError) -> &'static str {
        match e {
            IdTokenError::Claim { claim, .. } => claim,
            other => panic!("not a claim error: {other:?}"),
        }
    }

    #[test]
    fn a_good_token_validates_and_yields_its_claims() {
        let k = Key::new("k1");
        let c = check(&k.sign(&claims()), &jwks(&[&k])).unwrap();
        assert_eq!((c.sub.as_str(), c.exp), ("alice", NOW + 300));
    }

    #[test]
    fn each_wrong_claim_is_named() {
        let k = Key::new("k1");
        let keys = jwks(&[&k]);
        let cases: [(&str, serde_json::Value); 7] = [
            ("iss", with(|c| c["iss"] = json!("https://evil.example"))),
            ("aud", with(|c| c["aud"] = json!("someone-else"))),
            ("azp", with(|c| c["aud"] = json!(["tok-cli", "other"]))),
            ("azp", with(|c| c["azp"] = json!("other"))),
            ("nonce", with(|c| c["nonce"] = json!("replayed"))),
            ("exp", with(|c| c["exp"] = json!(NOW - LEEWAY - 1))),
            (
                "at_hash",
                with(|c| c["at_hash"] = json!("AAAAAAAAAAAAAAAAAAAAAA")),
            ),
        ];
        for (name, c) in cases {
            let e = check(&k.sign(&c), &keys).unwrap_err();
            assert_eq!(claim_of(e), name, "{c}");
        }
        // Several audiences are fine with azp = the client id; a missing nonce is refused.
        let ok = with(|c| {
            c["aud"] = json!(["tok-cli", "other"]);
            c["azp"] = json!("tok-cli");
        });
        check(&k.sign(&ok), &keys).unwrap();
        let no_nonce = with(|c| {
            c.as_object_mut().unwrap().remove("nonce");
        });
        assert_eq!(
            claim_of(check(&k.sign(&no_nonce), &keys).unwrap_err()),
            "nonce"
        );
    }

    #[test]
    fn alg_none_and_hs256_without_a_secret_are_refused() {
        let k = Key::new("k1");
        let keys = jwks(&[&k]);
        let payload = b64(claims().to_string().as_bytes());
        let none = format!("{}.{payload}.", b64(br#"{"alg":"none"}"#));
        assert_eq!(
            check(&none, &keys).unwrap_err(),
            IdTokenError::Algorithm("none".into())
        );
        // HS256 "signed" with a public value (the attacker knows the client id): refused for a
        // public client, accepted for a confidential one only with its own secret.
        let h = b64(br#"{"alg":"HS256"}"#);
        let input = format!("{h}.{payload}");
        let hs = |secret: &[u8]| {
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
            format!(
                "{input}.{}",
                b64(ring::hmac::sign(&key, input.as_bytes()).as_ref())
            )
        };
        let forged = hs(b"tok-cli");
        assert_eq!(
            check(&forged, &keys).unwrap_err(),
            IdTokenError::Algorithm("HS256".into())
        );
        let good = hs(b"the-client-secret");
        let with_secret =
            |t: &str, s: &[u8]| validate(t, &expect(), Some(s), None, |_| unreachable!());
        with_secret(&good, b"the-client-secret").unwrap();
        assert_eq!(
            with_secret(&forged, b"the-client-secret").unwrap_err(),
            IdTokenError::Signature
        );
    }

    #[test]
    fn a_forged_signature_and_a_foreign_key_are_refused() {
        let k = Key::new("k1");
        let token = k.sign(&claims());
        let mut forged = token.clone();
        forged.replace_range(token.rfind('.').unwrap() + 1.., &b64(&[7u8; 64]));
        assert_eq!(
            check(&forged, &jwks(&[&k])).unwrap_err(),
            IdTokenError::Signature
        );
        // Another key published under the same kid does not verify the token.
        let impostor = Key::new("k1");
        assert_eq!(
            check(&token, &jwks(&[&impostor])).unwrap_err(),
            IdTokenError::Signature
        );
        // Nor a claim edited after signing.
        let (h, rest) = token.split_once('.').unwrap();
        let sig = rest.split_once('.').unwrap().1;
        let edited = format!(
            "{h}.{}.{sig}",
            b64(with(|c| c["sub"] = json!("mallory")).to_string().as_bytes())
        );
        assert_eq!(
            check(&edited, &jwks(&[&k])).unwrap_err(),
            IdTokenError::Signature
        );
    }

    #[test]
    fn an_unknown_kid_fetches_the_jwks_once_more_and_accepts_the_rotated_key() {
        let old = Key::new("old");
        let new = Key::new("new");
        let token = new.sign(&claims());
        let mut calls = vec![];
        let c = validate(&token, &expect(), None, None, |fresh| {
            calls.push(fresh);
            Ok(if fresh {
                jwks(&[&old, &new])
            } else {
                jwks(&[&old])
            })
        })
        .unwrap();
        assert_eq!((c.sub.as_str(), calls), ("alice", vec![false, true]));
        // A key that is nowhere after the refetch: one refetch, then refused.
        let stranger = Key::new("stranger").sign(&claims());
        let mut calls = 0;
        let e = validate(&stranger, &expect(), None, None, |_| {
            calls += 1;
            Ok(jwks(&[&old]))
        })
        .unwrap_err();
        assert_eq!((e, calls), (IdTokenError::UnknownKey("stranger".into()), 2));
    }

    #[test]
    fn ed25519_tokens_verify_and_the_allow_list_is_honoured() {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let keys = Jwks::parse(
            json!({"keys":[{"kty":"OKP","crv":"Ed25519","kid":"ed","x": b64(pair.public_key().as_ref())}]})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        let c = with(|c| c["at_hash"] = json!(at_hash("EdDSA", "the-access-token")));
        let input = format!(
            "{}.{}",
            b64(br#"{"alg":"EdDSA","kid":"ed"}"#),
            b64(c.to_string().as_bytes())
        );
        let token = format!("{input}.{}", b64(pair.sign(input.as_bytes()).as_ref()));
        check(&token, &keys).unwrap();
        let only_rs = ["RS256".to_string()];
        let e = validate(
            &token,
            &expect(),
            None,
            Some(&only_rs),
            |_| Ok(keys.clone()),
        )
        .unwrap_err();
        assert_eq!(e, IdTokenError::Algorithm("EdDSA".into()));
    }

    #[test]
    fn a_renewed_token_must_keep_the_subject_and_audience() {
        let k = Key::new("k1");
        let keys = jwks(&[&k]);
        let first = check(&k.sign(&claims()), &keys).unwrap();
        let renew = |c: serde_json::Value| {
            let want = Expect {
                nonce: None,
                previous: Some(&first),
                ..expect()
            };
            validate(&k.sign(&c), &want, None, None, |_| Ok(keys.clone()))
        };
        // §12.2: no nonce in a refreshed token is fine; another subject is not.
        renew(with(|c| {
            c.as_object_mut().unwrap().remove("nonce");
        }))
        .unwrap();
        let e = renew(with(|c| c["sub"] = json!("mallory"))).unwrap_err();
        assert_eq!(claim_of(e), "sub");
    }

    /// See: issue 21. A server that ignores `acr_values` (or answers a lower level) or
    /// `max_age` is refused, naming the claim; what meets the request passes.
    #[test]
    fn acr_and_auth_time_must_meet_what_the_login_asked() {
        let k = Key::new("k1");
        let keys = jwks(&[&k]);
        let signed = |acr: Option<&str>, auth_time: Option<i64>| {
            let c = with(|c| {
                if let Some(a) = acr {
                    c["acr"] = json!(a);
                }
                if let Some(t) = auth_time {
                    c["auth_time"] = json!(t);
                }
            });
            check(&k.sign(&c), &keys).unwrap()
        };
        let mfa = Requested {
            acr_values: Some("urn:tok:mfa  urn:tok:hwk"),
            max_age: None,
        };
        let recent = Requested {
            acr_values: None,
            max_age: Some(300),
        };
        let unmet = |r: Result<(), IdTokenError>| match r {
            Err(IdTokenError::Unmet { claim, why }) => (claim, why),
            other => panic!("not refused: {other:?}"),
        };
        // Nothing asked: nothing checked.
        assert!(Requested::default().is_none());
        check_authentication(&signed(None, None), &Requested::default(), NOW).unwrap();
        // acr: one of the values (any of them, split on any whitespace), else named.
        check_authentication(&signed(Some("urn:tok:hwk"), None), &mfa, NOW).unwrap();
        let (claim, why) = unmet(check_authentication(
            &signed(Some("urn:tok:pwd"), None),
            &mfa,
            NOW,
        ));
        assert_eq!(claim, "acr");
        assert!(why.contains("\"urn:tok:pwd\" is not one of"), "{why}");
        assert_eq!(
            unmet(check_authentication(&signed(None, None), &mfa, NOW)).0,
            "acr"
        );
        // A prefix or a substring of a value is not the value.
        assert_eq!(
            unmet(check_authentication(
                &signed(Some("urn:tok:mf"), None),
                &mfa,
                NOW
            ))
            .0,
            "acr"
        );
        // max_age: auth_time required, and no older than max_age plus the leeway.
        assert_eq!(
            unmet(check_authentication(&signed(None, None), &recent, NOW)).0,
            "auth_time"
        );
        check_authentication(&signed(None, Some(NOW - 300 - LEEWAY)), &recent, NOW).unwrap();
        let (claim, why) = unmet(check_authentication(
            &signed(None, Some(NOW - 301 - LEEWAY)),
            &recent,
            NOW,
        ));
        assert_eq!(claim, "auth_time");
        assert!(why.contains("over the requested max_age 300 s"), "{why}");
        // max_age=0 (sign in again now) accepts only a sign-in within the leeway.
        let now_only = Requested {
            acr_values: None,
            max_age: Some(0),
        };
        check_authentication(&signed(None, Some(NOW - 5)), &now_only, NOW).unwrap();
    }
}
