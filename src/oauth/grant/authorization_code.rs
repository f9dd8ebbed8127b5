//! The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636): the authorization URL the
//! browser opens, and the exchange of the code that comes back — after checking the callback
//! (errors, RFC 9207 `iss`).

use url::Url;

use super::{Client, Request};
use crate::config::Profile;
use crate::oauth::dpop::Prover;
use crate::oauth::http::ClientAuth;
use crate::oauth::loopback::Callback;
use crate::oauth::token::{ErrorCode, TokenResponse};
use crate::oauth::{OAuthError, pkce, sanitize};
use crate::secret::Ephemeral;

/// The URL that starts a login at `auth_url`: PKCE S256, `state`, the profile's scope and
/// resource, (RFC 9449 §10) the DPoP key's thumbprint that binds the code, and (OIDC Core
/// §3.1.2.1) the `nonce` the ID token must carry back.
pub fn authorization_url(
    profile: &Profile,
    auth_url: &Url,
    redirect_uri: &str,
    state: &str,
    verifier: &Ephemeral,
    dpop_jkt: Option<&str>,
    nonce: Option<&str>,
) -> Url {
    let mut url = auth_url.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &profile.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state)
            .append_pair("code_challenge", &pkce::challenge(verifier))
            .append_pair("code_challenge_method", "S256");
        if let Some(s) = profile.scope_string() {
            q.append_pair("scope", &s);
        }
        if let Some(a) = &profile.audience {
            q.append_pair("resource", a);
        }
        if let Some(n) = nonce {
            q.append_pair("nonce", n);
        }
        if let Some(jkt) = dpop_jkt {
            // RFC 9449 §10: bind the authorization code to the key.
            q.append_pair("dpop_jkt", jkt);
        }
    }
    url
}

/// What the exchange needs besides the callback: where the code goes and what proves it is ours.
pub struct Exchange<'a> {
    pub token_url: &'a Url,
    /// The server promised `iss` in authorization responses (RFC 9207).
    pub iss_parameter: bool,
    pub redirect_uri: &'a str,
    pub verifier: &'a Ephemeral,
}

/// RFC 6749 §4.1.3 with RFC 7636 §4.5: the request exchanging `code`.
pub fn exchange_request<'a>(
    profile: &'a Profile,
    x: &'a Exchange<'a>,
    code: &'a Ephemeral,
) -> Request<'a> {
    let mut req = Request::grant(
        x.token_url,
        "authorization_code",
        ClientAuth::None {
            client_id: &profile.client_id,
        },
    );
    req.form.extend([
        ("code", code.expose()),
        ("redirect_uri", x.redirect_uri),
        ("code_verifier", x.verifier.expose()),
    ]);
    req.optional("resource", profile.audience.as_deref())
}

/// Check the callback (errors, RFC 9207 `iss`) and exchange its code for tokens.
pub fn exchange(
    client: &impl Client,
    profile: &Profile,
    x: &Exchange<'_>,
    cb: Callback,
    dpop: Option<&mut Prover<'_>>,
) -> Result<TokenResponse, OAuthError> {
    let (code, iss) = match cb {
        Callback::Code { code, iss } => (code, iss),
        Callback::Error { error, description } => {
            return Err(match ErrorCode::parse_foreign(&error) {
                ErrorCode::AccessDenied => OAuthError::AccessDenied { description },
                error => OAuthError::Protocol {
                    endpoint: "authorization endpoint".into(),
                    status: 302,
                    error,
                    description,
                },
            });
        }
    };
    // RFC 9207: when the server says it sends `iss`, it must be there and be our issuer, exactly
    // (the login adopted the discovery document's form of it before this flow started).
    let want_iss = profile.issuer_text.as_str();
    match iss.as_deref() {
        Some(i) if i != want_iss => {
            return Err(OAuthError::Login(format!(
                "the authorization response came from issuer {:?}, not {want_iss} (possible mix-up attack); login aborted",
                sanitize(i)
            )));
        }
        None if x.iss_parameter => {
            return Err(OAuthError::Login("the authorization response lacks the `iss` parameter the server promised (RFC 9207); login aborted".into()));
        }
        _ => {}
    }
    client.token(&exchange_request(profile, x, &code), dpop)
}

#[cfg(test)]
mod tests {
    use super::super::fake::{Recorder, TOKENS, pairs};
    use super::*;

    fn profile(extra: &str) -> Profile {
        let text =
            format!("[profiles.w]\nissuer = \"https://id.example\"\nclient_id = \"c\"\n{extra}");
        let config = crate::config::Config {
            path: "c.toml".into(),
            file: crate::config::parse(&text, std::path::Path::new("c.toml")).unwrap(),
            text: String::new(),
        };
        config.profile("w").unwrap()
    }

    fn code(iss: Option<&str>) -> Callback {
        Callback::Code {
            code: Ephemeral::new("the-code"),
            iss: iss.map(str::to_string),
        }
    }

    #[test]
    fn the_code_is_exchanged_with_its_verifier_and_redirect_uri() {
        let p = profile("audience = \"https://api.example/\"\n");
        let url = Url::parse("https://id.example/token").unwrap();
        let verifier = Ephemeral::new("v".repeat(43));
        let x = Exchange {
            token_url: &url,
            iss_parameter: true,
            redirect_uri: "http://127.0.0.1:9/callback",
            verifier: &verifier,
        };
        let client = Recorder::answering(TOKENS);
        exchange(&client, &p, &x, code(Some(&p.issuer_text)), None).unwrap();
        let sent = client.only();
        assert_eq!(sent.url, "https://id.example/token");
        assert_eq!(
            sent.form,
            pairs(&[
                ("grant_type", "authorization_code"),
                ("code", "the-code"),
                ("redirect_uri", "http://127.0.0.1:9/callback"),
                ("code_verifier", &"v".repeat(43)),
                ("resource", "https://api.example/"),
            ])
        );
        assert_eq!((sent.basic, sent.client_id.as_str()), (None, "c"));
        // RFC 9207: a promised `iss` that is missing or another issuer's sends nothing.
        for iss in [None, Some("https://evil.example")] {
            let e = exchange(&client, &p, &x, code(iss), None).unwrap_err();
            assert!(matches!(e, OAuthError::Login(_)), "{e}");
        }
        assert!(client.sent.borrow().is_empty());
    }
}
