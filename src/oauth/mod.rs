//! The OAuth 2.0 client: discovery, the grants (one file each under [`grant`]), and revocation.
//!
//! It knows nothing of where tokens live. Every request goes through [`http`], the only file that
//! names the HTTP crate.

mod auth_params;
mod aws_sts;
mod browser;
mod client_assertion;
mod client_key;
mod discovery;
mod dpop;
pub mod grant;
mod http;
mod jose;
mod loopback;
mod mtls;
mod pkce;
mod pkcs11;
mod proxy;
mod redirect;
mod registration;
mod resource;
mod retry;
mod revoke;
mod signer;
mod tls;
mod token;
mod wire;
mod www_authenticate;
mod x509;

// The face of the OAuth client: what config, session, the commands, the helpers, error.rs
// and lib.rs name. `grant/` is a folder with a face of its own.
pub use auth_params::check as check_auth_param;
pub use aws_sts::{
    Answer as StsAnswer, AssumeRole, AwsCredentials, StsCode, StsError,
    assume_role as sts_assume_role, endpoint as sts_endpoint, parse as parse_sts_answer,
};
pub use browser::{display_available as browser_display_available, open as open_browser};
pub use client_assertion::{Asserter, Audience as AssertionAudience};
pub use client_key::{Alg as KeyAlg, ClientKey, ClientKeys, PEM_WANTED, PrivateKeyJwt};
pub use discovery::{
    EndpointOverrides, Endpoints, Issuer, IssuerMatch, check_issuer, endpoints, jwks,
    parse_metadata, userinfo,
};
pub use dpop::{
    BadKey, DpopKey, Prover, TokenKeyRef, load_nonce, proof_signed_by as dpop_proof_signed_by,
    save_nonce,
};
pub use http::{
    Body, ClientAuth, Http, Network, Response, endpoint_name, parse_date, parse_retry_after,
};
#[cfg(test)]
pub use jose::LEEWAY as ID_TOKEN_LEEWAY;
pub use jose::{
    Claims as IdClaims, Expect as IdExpect, IdTokenError, Jwks, Requested as IdRequested,
    check_authentication, check_claims as check_id_claims, decode_unverified, parse as parse_jws,
    validate as validate_id_token,
};
pub use loopback::{
    Callback, Listener, Outcome as CallbackOutcome, Pages, Waited, parse_callback,
    parse_callback_at,
};
pub use mtls::{ClientCert, Method as CertMethod, TokenSigning, describe as describe_client_cert};
pub use pkce::{random_urlsafe, verifier as pkce_verifier};
pub use pkcs11::{
    ObjectType as Pkcs11ObjectType, PinSource, Pkcs11Error, Pkcs11Uri, TokenKey, UriError,
    module_for as pkcs11_module_for,
};
pub use proxy::{ProfileProxy, Route, parse_proxy, route as proxy_route};
pub use redirect::RedirectUri;
pub use registration::{
    Management, client_metadata, delete as delete_registration,
    parse_response as parse_registration, register,
};
pub use resource::{
    Found as ResourceFound, Protected, ResourceError, challenges, check_resource,
    discover as discover_resource, parse_metadata as parse_resource_metadata, resource_metadata,
};
pub use retry::{Attempt, Decision, Idempotency, Policy, decide as retry_decision};
pub use revoke::{revoke_access_token, revoke_refresh_token};
pub use signer::{JwsSigner, SignError};
pub use tls::{CertProblem, SelfSigned, Trust};
pub use token::{ErrorCode, TokenResponse, TokenType, error_response, parse_token_response};
pub use www_authenticate::{
    Challenge, bearer as bearer_challenge, parse as parse_www_authenticate,
};

/// What went wrong talking to the authorization server. Variants are decisions for the caller.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// `invalid_grant`: the refresh token, code or device code is dead. Log in again.
    #[error("{endpoint} rejected the grant (invalid_grant{})", desc(.description))]
    InvalidGrant {
        endpoint: String,
        description: Option<String>,
    },
    /// RFC 8628 §3.5 `authorization_pending`: keep polling.
    #[error("authorization pending")]
    Pending,
    /// RFC 8628 §3.5 `slow_down`: keep polling, 5 s slower.
    #[error("slow down")]
    SlowDown,
    /// The user (or the server on their behalf) refused.
    #[error("the authorization was denied (access_denied{})", desc(.description))]
    AccessDenied { description: Option<String> },
    /// RFC 8628 `expired_token`, or our own deadline on a login.
    #[error("the login expired before it was approved")]
    Expired,
    /// The authorization endpoint redirected back with an error other than `access_denied`
    /// (RFC 6749 §4.1.2.1): `error` as the provider sent it, cleaned.
    #[error("the authorization endpoint refused the login: {} ({error}{})", refusal(error).0, desc(.description))]
    Authorization {
        error: token::ErrorCode,
        description: Option<String>,
    },
    /// Any other OAuth error code.
    #[error("{endpoint} answered {status} {error}{}", desc(.description))]
    Protocol {
        endpoint: String,
        status: u16,
        error: token::ErrorCode,
        description: Option<String>,
    },
    /// Network failure, timeout, 429 or 5xx: the server may work later.
    #[error("{endpoint} is unavailable: {detail}")]
    Unavailable { endpoint: String, detail: String },
    /// The request was sent but no complete answer came back (timeout, reset). The server may
    /// have processed it — for a refresh, possibly spent a rotating refresh token — so it is
    /// never retried.
    #[error("{endpoint} did not answer in full ({detail}); the request may have been processed")]
    Interrupted { endpoint: String, detail: String },
    /// The server answered something that is not a usable OAuth response.
    #[error("{endpoint} sent an unusable response (HTTP {status}, {content_type}): {what}")]
    BadResponse {
        endpoint: String,
        status: u16,
        content_type: String,
        what: String,
    },
    /// The server's TLS certificate was refused. Not transient: never retried.
    #[error("the TLS certificate of {host} was refused: {problem}{}", via(.proxy))]
    Certificate {
        /// `host:port`, for the `openssl s_client -connect` hint.
        host: String,
        problem: tls::CertProblem,
        /// The proxy the connection went through (it may be the one inspecting TLS).
        proxy: Option<String>,
    },
    /// A proxy could not carry the request to `endpoint`. Names the proxy, never its
    /// credentials.
    #[error("proxy {proxy} {problem} (for {endpoint})")]
    Proxy {
        /// Scheme, host and port, and where it was configured.
        proxy: String,
        endpoint: String,
        problem: ProxyProblem,
    },
    /// The profile's `ca_file` cannot be used.
    #[error("cannot use the CA file {}: {problem}", path.display())]
    CaFile {
        path: std::path::PathBuf,
        problem: String,
    },
    /// The profile's client certificate (RFC 8705) cannot be presented: named by its path
    /// and subject, never its key.
    #[error("cannot use the client certificate {}{}: {problem}", path.display(), .subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default())]
    ClientCert {
        path: std::path::PathBuf,
        subject: Option<String>,
        problem: String,
    },
    /// Discovery failed or the metadata lacks what we need.
    #[error("{0}")]
    Discovery(String),
    /// OIDC: an ID token failed validation (it is never kept).
    #[error(transparent)]
    IdToken(#[from] jose::IdTokenError),
    /// The discovery document names another issuer than the configured one (RFC 8414 §3.3:
    /// exactly the same string).
    #[error("the discovery document names issuer {}, but the profile says {expected}", .stated.as_deref().map(|s| format!("{s:?}")).unwrap_or_else(|| "none".into()))]
    IssuerMismatch {
        expected: String,
        stated: Option<String>,
    },
    /// The login could not proceed (loopback listener, state mismatch, missing endpoint).
    #[error("{0}")]
    Login(String),
    /// The fixed port of the redirect URI is taken by another program (no other port is
    /// tried: the server knows only this one).
    #[error("cannot listen on {addr} for the browser redirect: port {port} is in use")]
    PortInUse { addr: String, port: u16 },
    /// A request's DPoP proof could not be signed (a PKCS#11 token removed or refusing).
    #[error(transparent)]
    Sign(#[from] signer::SignError),
}

/// What went wrong with a proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyProblem {
    /// The connection to the proxy itself failed (refused, DNS, timeout): it is down or
    /// misnamed.
    Unreachable(String),
    /// `407 Proxy Authentication Required`: not retried.
    AuthRequired,
    /// The proxy answered the CONNECT with another refusal (it could not reach the host, or
    /// its policy forbids it), or closed the connection.
    Refused(String),
    /// A proxy variable or the profile's `proxy` key cannot be used (`name`, why).
    BadSetting(&'static str, String),
}

impl std::fmt::Display for ProxyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxyProblem::Unreachable(d) => write!(f, "cannot be reached ({d})"),
            ProxyProblem::AuthRequired => {
                f.write_str("requires authentication (407 Proxy Authentication Required)")
            }
            ProxyProblem::Refused(d) => write!(f, "refused to carry the request ({d})"),
            ProxyProblem::BadSetting(name, why) => write!(f, "{name} {why}"),
        }
    }
}

fn via(proxy: &Option<String>) -> String {
    proxy
        .as_deref()
        .map(|p| format!(" (through proxy {p})"))
        .unwrap_or_default()
}

/// Who can fix what an authorization error says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The client's settings at the provider, or the profile (exit 8).
    Config,
    /// The provider, later (exit 4).
    Unavailable,
    /// A code RFC 6749 §4.1.2.1 does not list.
    Other,
}

/// What an error code the authorization endpoint redirects back with means (RFC 6749
/// §4.1.2.1), and who can fix it. `access_denied` is [`OAuthError::AccessDenied`].
pub fn refusal(error: &token::ErrorCode) -> (&'static str, Refusal) {
    use token::ErrorCode as E;
    match error {
        E::InvalidRequest => (
            "it found the request malformed or missing a parameter it requires",
            Refusal::Config,
        ),
        E::UnauthorizedClient => (
            "this client may not get authorization codes there",
            Refusal::Config,
        ),
        E::UnsupportedResponseType => (
            "it does not issue authorization codes to this client",
            Refusal::Config,
        ),
        E::InvalidScope => (
            "a requested scope is unknown, malformed or not allowed",
            Refusal::Config,
        ),
        E::AccessDenied => ("the authorization was denied", Refusal::Other),
        E::ServerError => ("it failed on its side", Refusal::Unavailable),
        E::TemporarilyUnavailable => (
            "it is overloaded or under maintenance",
            Refusal::Unavailable,
        ),
        // Codes of the token endpoint or the device flow, and codes RFC 6749 does not list.
        E::InvalidClient
        | E::InvalidGrant
        | E::UnsupportedGrantType
        | E::InvalidTarget
        | E::AuthorizationPending
        | E::SlowDown
        | E::ExpiredToken
        | E::UseDpopNonce
        | E::InvalidDpopProof
        | E::Other(_) => ("it answered with an error", Refusal::Other),
    }
}

fn desc(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

/// Server-provided text (error codes, descriptions, issuers) is made printable with the same
/// rule as every other foreign text.
pub use crate::output::one_line as sanitize;
