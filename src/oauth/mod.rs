//! The OAuth 2.0 client: discovery, the grants (one file each under [`grant`]), and revocation.
//!
//! It knows nothing of where tokens live. Every request goes through [`http`], the only file that
//! names the HTTP crate.

pub mod aws_sts;
pub mod browser;
pub mod discovery;
pub mod dpop;
pub mod grant;
pub mod http;
pub mod jose;
pub mod loopback;
pub mod pkce;
pub mod proxy;
pub mod retry;
pub mod revoke;
pub mod tls;
pub mod token;

// The device grant's parsers keep their old path for the fuzz targets.
pub use grant::device;
pub use token::TokenType;

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

fn desc(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

/// Server-provided text (error codes, descriptions, issuers) is made printable with the same
/// rule as every other foreign text.
pub use crate::output::one_line as sanitize;
