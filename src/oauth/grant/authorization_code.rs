//! The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636): the authorization URL the
//! browser opens, and the exchange of the code that comes back — after checking the callback
//! (errors, RFC 9207 `iss`).

use url::Url;

use crate::config::Profile;
use crate::oauth::dpop::Prover;
use crate::oauth::http::{ClientAuth, Http};
use crate::oauth::loopback::Callback;
use crate::oauth::token::{self, ErrorCode, TokenResponse};
use crate::oauth::{OAuthError, pkce, sanitize};
use crate::secret::Ephemeral;

/// The URL that starts a login at `auth_url`: PKCE S256, `state`, the profile's scope and
/// resource, and (RFC 9449 §10) the DPoP key's thumbprint that binds the code.
pub fn authorization_url(
    profile: &Profile,
    auth_url: &Url,
    redirect_uri: &str,
    state: &str,
    verifier: &Ephemeral,
    dpop_jkt: Option<&str>,
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

/// Check the callback (errors, RFC 9207 `iss`) and exchange its code for tokens.
pub fn exchange(
    http: &Http,
    profile: &Profile,
    x: &Exchange<'_>,
    cb: Callback,
    dpop: Option<&mut Prover<'_>>,
) -> Result<TokenResponse, OAuthError> {
    let (code, iss) = match cb {
        Callback::Code { code, iss } => (code, iss),
        Callback::Error { error, description } => {
            return Err(match ErrorCode::parse(&error) {
                ErrorCode::AccessDenied => OAuthError::AccessDenied { description },
                _ => OAuthError::Authorization { error, description },
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
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", x.redirect_uri),
        ("code_verifier", x.verifier.expose()),
    ];
    if let Some(a) = &profile.audience {
        form.push(("resource", a));
    }
    token::request_dpop(
        http,
        x.token_url,
        &form,
        &ClientAuth::None {
            client_id: &profile.client_id,
        },
        dpop,
    )
}
