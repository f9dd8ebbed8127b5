//! Workload identity federation: a CI job's identity token — a short-lived JWT its platform
//! signs — presented at the token endpoint for an access token, so that CI needs no stored
//! secret. Three ways to present it: RFC 8693 token exchange, the RFC 7523 §2.1 JWT bearer
//! grant, and the RFC 7523 §2.2 client assertion of Microsoft Entra's federated credentials.
//!
//! Also where the identity token comes from ([`Source`]: GitHub Actions' endpoint, a variable,
//! a file the platform rewrites) and its claims, decoded for display only: tok never trusts
//! them (the authorization server verifies the token), except to refuse one that has visibly
//! expired before sending it.

use std::path::PathBuf;

use base64::Engine;
use url::Url;

use crate::oauth::OAuthError;
use crate::oauth::http::{ClientAuth, Http, Response, endpoint_name};
use crate::oauth::token::{ErrorCode, TokenResponse};
use crate::secret::{CiRequestToken, IdentityToken};
use crate::settings::NamedVars;

/// RFC 8693 §3: the `subject_token_type` of a JWT, tok's default.
pub const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Where a job's identity token comes from (`--workload-identity SOURCE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// GitHub Actions: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD`, a new token each time.
    Github,
    /// A variable holding the JWT (GitLab `id_tokens:`, Buildkite, CircleCI).
    Env(String),
    /// A file holding the JWT, re-read at every exchange (Kubernetes projected service account
    /// tokens, `AZURE_FEDERATED_TOKEN_FILE`): the platform rewrites it.
    File(PathBuf),
    /// `github` when the Actions variables are set, else an error listing the options.
    Auto,
}

impl Source {
    /// `github`, `env:NAME`, `file:PATH` or `auto`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a source: use github, env:NAME, file:PATH or auto");
        match s.split_once(':') {
            None if s == "github" => Ok(Source::Github),
            None if s == "auto" => Ok(Source::Auto),
            Some(("env", name))
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                Ok(Source::Env(name.to_string()))
            }
            Some(("file", path)) if !path.is_empty() => Ok(Source::File(PathBuf::from(path))),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Github => f.write_str("github"),
            Source::Env(n) => write!(f, "env:{n}"),
            Source::File(p) => write!(f, "file:{}", p.display()),
            Source::Auto => f.write_str("auto"),
        }
    }
}

/// How the identity token is presented (`--exchange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Method {
    /// RFC 8693: `subject_token` + `subject_token_type` (Keycloak, Dex, Zitadel, Google STS,
    /// Auth0, Okta)
    #[default]
    TokenExchange,
    /// RFC 7523 §2.1: the JWT as an authorization grant (`assertion`)
    JwtBearer,
    /// RFC 7523 §2.2 with `client_credentials`: the JWT as the client's assertion (Microsoft
    /// Entra federated credentials)
    ClientAssertion,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::TokenExchange => "token-exchange",
            Method::JwtBearer => "jwt-bearer",
            Method::ClientAssertion => "client-assertion",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Method::TokenExchange,
            Method::JwtBearer,
            Method::ClientAssertion,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    /// The `grant_type` sent.
    pub fn grant_type(self) -> &'static str {
        match self {
            Method::TokenExchange => TOKEN_EXCHANGE,
            Method::JwtBearer => JWT_BEARER,
            Method::ClientAssertion => "client_credentials",
        }
    }
}

/// A profile's workload identity: where the identity token comes from and how it is exchanged.
/// Nothing here is secret; it is saved in the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadIdentity {
    pub source: Source,
    pub method: Method,
    /// The `aud` asked of the CI platform (GitHub); `None`: the issuer URL.
    pub ci_audience: Option<String>,
    /// RFC 8693 `subject_token_type`; `None`: [`JWT_TOKEN_TYPE`].
    pub subject_token_type: Option<String>,
    /// Provider-specific form fields (Dex's `connector_id`), sent as given.
    pub params: Vec<(String, String)>,
}

/// What the CI platform handed the job (from the environment, read once in `settings`).
pub struct CiEnv<'a> {
    pub actions_url: Option<&'a str>,
    pub actions_request_token: Option<&'a CiRequestToken>,
    pub vars: &'a NamedVars,
}

/// The claims of an identity token, decoded for display only (never trusted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub aud: Vec<String>,
    pub exp: Option<i64>,
}

impl Claims {
    /// The payload of a compact JWS, without verifying anything. `None` when it is no JWT.
    pub fn decode(token: &IdentityToken) -> Option<Self> {
        let mut parts = token.expose().split('.');
        let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let text = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .map(crate::output::one_line)
        };
        let aud = match v.get("aud") {
            Some(serde_json::Value::String(a)) => vec![crate::output::one_line(a)],
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str())
                .map(crate::output::one_line)
                .collect(),
            _ => vec![],
        };
        Some(Claims {
            iss: text("iss"),
            sub: text("sub"),
            aud,
            exp: v.get("exp").and_then(|x| x.as_i64()),
        })
    }
}

/// An identity token, where it came from, and what it claims.
pub struct Fetched {
    pub token: IdentityToken,
    /// For messages: "GitHub Actions", "$NAME", "file PATH".
    pub origin: String,
    pub claims: Claims,
}

/// Why no usable identity token, or why the provider refused it.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// `github` without the Actions variables: the workflow lacks the permission.
    #[error(
        "GitHub Actions gave this job no identity token: ${missing} is not set (it is set only when the workflow grants `permissions: id-token: write`)"
    )]
    NoActionsPermission { missing: &'static str },
    /// `auto` found no CI platform it knows.
    #[error(
        "no CI identity token found: the GitHub Actions variables ($ACTIONS_ID_TOKEN_REQUEST_URL, $ACTIONS_ID_TOKEN_REQUEST_TOKEN) are not set"
    )]
    NoSource,
    #[error("the identity token variable ${name} is not set (or empty)")]
    VarUnset { name: String },
    #[error("cannot read the identity token file {}: {detail}", path.display())]
    File { path: PathBuf, detail: String },
    #[error("the identity token from {origin} is not a JWT")]
    NotAJwt { origin: String },
    #[error("the identity token from {origin} expired at {at}")]
    Expired { origin: String, at: String },
    /// The CI platform's endpoint is no URL tok may use (https, or http to loopback only).
    #[error("${var} {detail}")]
    BadUrl { var: &'static str, detail: String },
    /// The CI platform's endpoint answered, but not with a token.
    #[error("{endpoint} gave no identity token (HTTP {status}{})", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Ci {
        endpoint: String,
        status: u16,
        detail: Option<String>,
    },
    /// The CI platform's endpoint could not be reached.
    #[error("asking the CI platform for an identity token failed")]
    CiUnreachable(#[source] OAuthError),
    /// The authorization server refused the exchange: its trust configuration does not match
    /// this identity.
    #[error("{endpoint} refused the {method} exchange ({error}{})", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        endpoint: String,
        method: &'static str,
        error: String,
        description: Option<String>,
        /// What the identity claimed, for the hint (boxed: errors travel by value).
        claims: Box<Claims>,
    },
}

/// The job's identity token from `source`, for `ci_audience` (GitHub mints one for it; other
/// platforms fixed the audience when they issued theirs). One that has visibly expired by
/// `now` is refused here, naming the source and the expiry.
pub fn fetch(
    http: &Http,
    source: &Source,
    ci_audience: &str,
    ci: &CiEnv<'_>,
    now: i64,
) -> Result<Fetched, WorkloadError> {
    let (token, origin) = match source {
        Source::Github => (github(http, ci_audience, ci)?, "GitHub Actions".to_string()),
        Source::Auto if ci.actions_url.is_some() || ci.actions_request_token.is_some() => {
            (github(http, ci_audience, ci)?, "GitHub Actions".to_string())
        }
        Source::Auto => return Err(WorkloadError::NoSource),
        Source::Env(name) => (
            ci.vars
                .identity_token(name)
                .ok_or_else(|| WorkloadError::VarUnset { name: name.clone() })?,
            format!("${name}"),
        ),
        Source::File(path) => (read_file(path)?, format!("file {}", path.display())),
    };
    let claims = Claims::decode(&token).ok_or_else(|| WorkloadError::NotAJwt {
        origin: origin.clone(),
    })?;
    if let Some(exp) = claims.exp
        && exp <= now
    {
        return Err(WorkloadError::Expired {
            origin,
            at: crate::time::rfc3339(exp),
        });
    }
    Ok(Fetched {
        token,
        origin,
        claims,
    })
}

fn read_file(path: &std::path::Path) -> Result<IdentityToken, WorkloadError> {
    let fail = |detail: String| WorkloadError::File {
        path: path.to_path_buf(),
        detail,
    };
    let mut text = std::fs::read_to_string(path).map_err(|e| fail(e.kind().to_string()))?;
    let token = IdentityToken::new(text.trim());
    zeroize::Zeroize::zeroize(&mut text);
    if token.is_empty() {
        return Err(fail("it is empty".into()));
    }
    Ok(token)
}

/// GitHub Actions: `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD` with the request token as
/// a bearer credential; the JSON answer's `value` is the JWT.
fn github(http: &Http, audience: &str, ci: &CiEnv<'_>) -> Result<IdentityToken, WorkloadError> {
    let url = ci.actions_url.ok_or(WorkloadError::NoActionsPermission {
        missing: crate::settings::ENV_ACTIONS_ID_TOKEN_REQUEST_URL,
    })?;
    let request_token = ci
        .actions_request_token
        .ok_or(WorkloadError::NoActionsPermission {
            missing: crate::settings::ENV_ACTIONS_ID_TOKEN_REQUEST_TOKEN,
        })?;
    // The same rules as every other endpoint: https, or http to loopback only.
    let mut url = crate::url_policy::check_url(url).map_err(|m| WorkloadError::BadUrl {
        var: crate::settings::ENV_ACTIONS_ID_TOKEN_REQUEST_URL,
        detail: m,
    })?;
    // The URL already carries a query (`api-version=…`): append to it.
    url.query_pairs_mut().append_pair("audience", audience);
    let resp = http
        .get_bearer(&url, request_token.expose())
        .map_err(WorkloadError::CiUnreachable)?;
    github_answer(&url, &resp)
}

/// GitHub Actions' answer: `{"value": JWT}` with 200, else `{"message": …}`.
pub fn github_answer(url: &Url, resp: &Response) -> Result<IdentityToken, WorkloadError> {
    let endpoint = endpoint_name(url);
    if resp.status != 200 {
        // GitHub's errors are `{"message": …}`; never more than that one field is shown.
        let detail = serde_json::from_slice::<serde_json::Value>(&resp.body.0)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(crate::output::one_line));
        return Err(WorkloadError::Ci {
            endpoint,
            status: resp.status,
            detail,
        });
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        value: Option<IdentityToken>,
    }
    resp.body
        .object::<Answer>()
        .ok()
        .and_then(|a| a.value)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| WorkloadError::Ci {
            endpoint,
            status: resp.status,
            detail: Some("the answer has no `value`".into()),
        })
}

/// One exchange's inputs.
pub struct Exchange<'a> {
    pub method: Method,
    pub client_id: &'a str,
    pub identity: &'a IdentityToken,
    /// RFC 8693 `subject_token_type` (token exchange only).
    pub subject_token_type: &'a str,
    pub scope: Option<&'a str>,
    /// RFC 8707 `resource` (the profile's `audience`).
    pub resource: Option<&'a str>,
    pub params: &'a [(String, String)],
}

/// The form of `x`, without `client_id` (the HTTP layer adds it for a public client).
pub fn form<'a>(x: &'a Exchange<'a>) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![("grant_type", x.method.grant_type())];
    match x.method {
        Method::TokenExchange => {
            form.push(("subject_token", x.identity.expose()));
            form.push(("subject_token_type", x.subject_token_type));
        }
        Method::JwtBearer => form.push(("assertion", x.identity.expose())),
        Method::ClientAssertion => {
            form.push(("client_assertion_type", CLIENT_ASSERTION_TYPE));
            form.push(("client_assertion", x.identity.expose()));
        }
    }
    if let Some(s) = x.scope {
        form.push(("scope", s));
    }
    if let Some(r) = x.resource {
        form.push(("resource", r));
    }
    for (k, v) in x.params {
        form.push((k.as_str(), v.as_str()));
    }
    form
}

/// Present the identity token at the token endpoint `url`. A public client names itself with
/// `client_id` in the form (no `Authorization` header).
pub fn exchange(
    client: &impl super::Client,
    url: &Url,
    x: &Exchange<'_>,
) -> Result<TokenResponse, OAuthError> {
    let req = super::Request {
        url,
        form: form(x),
        auth: ClientAuth::None {
            client_id: x.client_id,
        },
    };
    client.token(&req, None)
}

/// The provider's refusals of an identity (its trust configuration does not match) as
/// [`WorkloadError::Refused`]; `None` for anything else (network, malformed answers), which
/// stays as it was.
pub fn refusal(e: &OAuthError, method: Method, claims: &Claims) -> Option<WorkloadError> {
    let refused = |endpoint: &String, error: String, description: &Option<String>| {
        Some(WorkloadError::Refused {
            endpoint: endpoint.clone(),
            method: method.as_str(),
            error,
            description: description.clone(),
            claims: Box::new(claims.clone()),
        })
    };
    match e {
        OAuthError::InvalidGrant {
            endpoint,
            description,
        } => refused(endpoint, "invalid_grant".into(), description),
        OAuthError::Protocol {
            endpoint,
            error,
            description,
            ..
        } if matches!(
            error,
            ErrorCode::InvalidTarget
                | ErrorCode::UnauthorizedClient
                | ErrorCode::InvalidClient
                | ErrorCode::InvalidRequest
                | ErrorCode::UnsupportedGrantType
                | ErrorCode::InvalidScope
                | ErrorCode::AccessDenied
        ) =>
        {
            refused(endpoint, error.as_str().to_string(), description)
        }
        OAuthError::AccessDenied { description } => refused(
            &"the token endpoint".to_string(),
            "access_denied".into(),
            description,
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> IdentityToken {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        IdentityToken::new(format!(
            "{}.{}.sig-canary",
            b(r#"{"alg":"RS256"}"#),
            b(payload)
        ))
    }

    #[test]
    fn sources_parse_and_print_back() {
        for s in [
            "github",
            "auto",
            "env:GITLAB_OIDC_TOKEN",
            "file:/var/run/token",
        ] {
            assert_eq!(Source::parse(s).unwrap().to_string(), s);
        }
        for bad in ["", "gitlab", "env:", "env:A-B", "file:", "env"] {
            assert!(Source::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn each_method_sends_its_own_form() {
        let id = jwt(r#"{"sub":"s"}"#);
        let params = vec![("connector_id".to_string(), "gh".to_string())];
        let mut x = Exchange {
            method: Method::TokenExchange,
            client_id: "c",
            identity: &id,
            subject_token_type: JWT_TOKEN_TYPE,
            scope: Some("api:read"),
            resource: Some("https://api.test/"),
            params: &params,
        };
        assert_eq!(
            form(&x),
            vec![
                ("grant_type", TOKEN_EXCHANGE),
                ("subject_token", id.expose()),
                ("subject_token_type", JWT_TOKEN_TYPE),
                ("scope", "api:read"),
                ("resource", "https://api.test/"),
                ("connector_id", "gh"),
            ]
        );
        x.method = Method::JwtBearer;
        x.params = &[];
        x.resource = None;
        assert_eq!(
            form(&x),
            vec![
                ("grant_type", JWT_BEARER),
                ("assertion", id.expose()),
                ("scope", "api:read"),
            ]
        );
        x.method = Method::ClientAssertion;
        x.scope = None;
        assert_eq!(
            form(&x),
            vec![
                ("grant_type", "client_credentials"),
                ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                ("client_assertion", id.expose()),
            ]
        );
    }

    #[test]
    fn claims_are_decoded_for_display() {
        let c = Claims::decode(&jwt(
            r#"{"iss":"https://ci","sub":"repo:a/b","aud":["x","y"],"exp":5}"#,
        ))
        .unwrap();
        assert_eq!(c.iss.as_deref(), Some("https://ci"));
        assert_eq!(c.sub.as_deref(), Some("repo:a/b"));
        assert_eq!(c.aud, vec!["x", "y"]);
        assert_eq!(c.exp, Some(5));
        assert!(Claims::decode(&IdentityToken::new("not-a-jwt-at-all")).is_none());
    }

    #[test]
    fn an_expired_file_token_names_its_source_and_expiry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, jwt(r#"{"exp":1000}"#).expose()).unwrap();
        let vars = NamedVars::process();
        let ci = CiEnv {
            actions_url: None,
            actions_request_token: None,
            vars: &vars,
        };
        let source = Source::File(path.clone());
        let e = fetch(&Http::default(), &source, "aud", &ci, 2000)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains(&path.display().to_string()), "{e}");
        assert!(e.contains("expired at 1970-01-01T00:16:40Z"), "{e}");
        assert!(!e.contains("canary"), "{e}");
        let ok = fetch(&Http::default(), &source, "aud", &ci, 999).unwrap();
        assert_eq!(ok.claims.exp, Some(1000));
        assert!(matches!(
            fetch(&Http::default(), &Source::Auto, "aud", &ci, 0),
            Err(WorkloadError::NoSource)
        ));
        assert!(matches!(
            fetch(&Http::default(), &Source::Github, "aud", &ci, 0),
            Err(WorkloadError::NoActionsPermission { .. })
        ));
    }
}
