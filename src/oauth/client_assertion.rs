//! `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OIDC Core §9): every request
//! to the token, revocation, introspection and PAR endpoints carries
//! `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and a JWT
//! signed by the client's key — `iss` = `sub` = the client id, `aud` = the issuer (RFC 7523bis;
//! or the token endpoint URL for servers that want it), a unique `jti`, `iat`, and `exp` at
//! most [`LIFETIME`] seconds later. The header's `kid` is the key's RFC 7638 thumbprint, as
//! `tok profile jwks` registers it. A new assertion is made for every attempt: a retried POST
//! never repeats a `jti` (servers refuse a replayed one, RFC 7523 §3 item 7).

use super::OAuthError;
use super::signer::{self, JwsSigner};

/// RFC 7523 §2.2's `client_assertion_type`.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Seconds an assertion is valid for.
pub const LIFETIME: i64 = 60;

/// What an assertion's `aud` names: the profile's `client_assertion_aud`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Audience {
    /// The issuer identifier (RFC 7523bis; the default).
    #[default]
    Issuer,
    /// The token endpoint's URL (what some servers still require).
    TokenEndpoint,
}

impl Audience {
    /// The config's spelling: `issuer` or `token-endpoint`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "issuer" => Some(Audience::Issuer),
            "token-endpoint" => Some(Audience::TokenEndpoint),
            _ => None,
        }
    }
}

/// Makes the assertions of one client: its key, its id and the `aud` every assertion names.
pub struct Asserter {
    pub signer: Box<dyn JwsSigner>,
    pub client_id: String,
    /// The issuer, or the token endpoint URL ([`Audience`]).
    pub aud: String,
}

impl Asserter {
    /// The claims of an assertion made at `now`.
    pub fn claims(&self, now: i64) -> serde_json::Value {
        serde_json::json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.aud,
            "jti": super::pkce::random_urlsafe(16),
            "iat": now,
            "exp": now + LIFETIME,
        })
    }

    /// A fresh signed assertion. A key that cannot sign (a hardware token removed) is named,
    /// never shown.
    pub fn assertion(&self) -> Result<String, OAuthError> {
        let header = serde_json::json!({"typ": "JWT", "kid": self.signer.thumbprint()});
        signer::compact(
            self.signer.as_ref(),
            header,
            &self.claims(crate::time::now()),
        )
        .map_err(|e| OAuthError::Unavailable {
            endpoint: self.signer.location(),
            detail: e.to_string(),
        })
    }

    /// The assertions of one request's attempts. The first is signed now: a key that cannot
    /// sign stops the request unsent (one that fails on a retry sends an empty assertion, which
    /// the server refuses).
    pub fn attempts(&self) -> Result<Attempts<'_>, OAuthError> {
        Ok(Attempts {
            asserter: self,
            first: std::cell::RefCell::new(Some(self.assertion()?)),
        })
    }
}

/// [`Asserter::attempts`].
pub struct Attempts<'a> {
    asserter: &'a Asserter,
    first: std::cell::RefCell<Option<String>>,
}

impl Attempts<'_> {
    /// `form` with the client authentication fields of the next attempt appended (`client_id`,
    /// the assertion type, the assertion): each attempt has its own assertion.
    pub fn fields<'f>(&self, form: &[(&'f str, &'f str)]) -> Vec<(&'f str, String)> {
        let a = self.asserter;
        let jwt = (self.first.borrow_mut().take())
            .or_else(|| a.assertion().ok())
            .unwrap_or_default();
        let mut fields: Vec<(&str, String)> =
            form.iter().map(|(k, v)| (*k, v.to_string())).collect();
        // `client_id` too (RFC 7523 §3 allows it): a PAR request needs it (RFC 9126 §2.1).
        fields.push(("client_id", a.client_id.clone()));
        fields.push(("client_assertion_type", ASSERTION_TYPE.into()));
        fields.push(("client_assertion", jwt));
        fields
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::oauth::client_key::{Alg, ClientKey};

    fn part(jwt: &str, n: usize) -> serde_json::Value {
        let p = jwt.split('.').nth(n).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
    }

    #[test]
    fn an_assertion_names_the_client_the_audience_and_expires_within_a_minute() {
        for aud in ["https://issuer.example", "https://issuer.example/token"] {
            let a = Asserter {
                signer: Box::new(ClientKey::generate(Alg::ES256).unwrap()),
                client_id: "svc".into(),
                aud: aud.into(),
            };
            let key = a.signer.as_ref();
            let jwt = a.assertion().unwrap();
            let (header, claims) = (part(&jwt, 0), part(&jwt, 1));
            assert_eq!(header["alg"], "ES256");
            assert_eq!(header["kid"], key.thumbprint().as_str());
            assert_eq!(claims["iss"], "svc");
            assert_eq!(claims["sub"], "svc");
            assert_eq!(claims["aud"], aud);
            let (iat, exp) = (
                claims["iat"].as_i64().unwrap(),
                claims["exp"].as_i64().unwrap(),
            );
            assert!(exp > iat && exp - iat <= 60, "{iat} {exp}");
        }
    }

    #[test]
    fn every_assertion_has_its_own_jti_and_verifies_with_the_registered_key() {
        let key = ClientKey::generate(Alg::EdDSA).unwrap();
        let jwk = key.jwk_for_registration();
        let a = Asserter {
            signer: Box::new(key),
            client_id: "svc".into(),
            aud: "https://issuer.example".into(),
        };
        let jtis: std::collections::BTreeSet<String> = (0..20)
            .map(|_| {
                part(&a.assertion().unwrap(), 1)["jti"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(jtis.len(), 20);
        let jwt = a.assertion().unwrap();
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, x)
            .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap())
            .unwrap();
        assert_eq!(part(&jwt, 0)["kid"], jwk["kid"]);
    }

    #[test]
    fn each_attempt_has_its_own_assertion_after_the_form() {
        let a = Asserter {
            signer: Box::new(ClientKey::generate(Alg::ES256).unwrap()),
            client_id: "svc".into(),
            aud: "i".into(),
        };
        let attempts = a.attempts().unwrap();
        let (one, two) = (
            attempts.fields(&[("grant_type", "refresh_token")]),
            attempts.fields(&[("grant_type", "refresh_token")]),
        );
        assert_eq!(one.len(), 4);
        assert_eq!(one[0], ("grant_type", "refresh_token".to_string()));
        assert_eq!(one[1], ("client_id", "svc".to_string()));
        assert_eq!(one[2], ("client_assertion_type", ASSERTION_TYPE.into()));
        assert_eq!(one[3].0, "client_assertion");
        assert_ne!(part(&one[3].1, 1)["jti"], part(&two[3].1, 1)["jti"]);
        assert_eq!(
            Audience::parse("token-endpoint"),
            Some(Audience::TokenEndpoint)
        );
        assert_eq!(Audience::parse("tokens"), None);
    }
}
