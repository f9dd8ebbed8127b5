//! Token endpoint requests and the lenient parsing of their responses (RFC 6749 §5).
//!
//! Servers differ: GitHub answers errors with HTTP 200, Azure sends `expires_in` as a string.
//! Anything tok cannot use becomes [`OAuthError::BadResponse`] naming the endpoint, status and
//! content type — never the body, which may hold a token.

use serde::Deserialize;
use url::Url;

use super::dpop::Prover;
use super::http::{ClientAuth, Http, Response, endpoint_name};
use super::{OAuthError, sanitize};
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// The `token_type` of a token response (RFC 6749 §7.1), compared case-insensitively and
/// written in the spelling of its specification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenType {
    Bearer,
    /// RFC 9449: bound to a key; every use needs a fresh proof.
    DPoP,
    /// Anything else, as the server spelled it (tok refuses it in token responses).
    Other(String),
}

impl TokenType {
    pub fn parse(s: &str) -> Self {
        if s.eq_ignore_ascii_case("bearer") {
            TokenType::Bearer
        } else if s.eq_ignore_ascii_case("dpop") {
            TokenType::DPoP
        } else {
            TokenType::Other(s.to_string())
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            TokenType::Bearer => "Bearer",
            TokenType::DPoP => "DPoP",
            TokenType::Other(s) => s,
        }
    }
}

impl std::fmt::Display for TokenType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for TokenType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| TokenType::parse(&s))
    }
}

/// The OAuth error codes tok acts on (RFC 6749 §5.2, RFC 8628 §3.5, RFC 9449 §8, RFC 8707),
/// and any other as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    InvalidTarget,
    AccessDenied,
    ServerError,
    TemporarilyUnavailable,
    AuthorizationPending,
    SlowDown,
    ExpiredToken,
    UseDpopNonce,
    InvalidDpopProof,
    Other(String),
}

impl ErrorCode {
    const KNOWN: [(ErrorCode, &'static str); 16] = [
        (ErrorCode::InvalidRequest, "invalid_request"),
        (ErrorCode::InvalidClient, "invalid_client"),
        (ErrorCode::InvalidGrant, "invalid_grant"),
        (ErrorCode::UnauthorizedClient, "unauthorized_client"),
        (ErrorCode::UnsupportedGrantType, "unsupported_grant_type"),
        (
            ErrorCode::UnsupportedResponseType,
            "unsupported_response_type",
        ),
        (ErrorCode::InvalidScope, "invalid_scope"),
        (ErrorCode::InvalidTarget, "invalid_target"),
        (ErrorCode::AccessDenied, "access_denied"),
        (ErrorCode::ServerError, "server_error"),
        (ErrorCode::TemporarilyUnavailable, "temporarily_unavailable"),
        (ErrorCode::AuthorizationPending, "authorization_pending"),
        (ErrorCode::SlowDown, "slow_down"),
        (ErrorCode::ExpiredToken, "expired_token"),
        (ErrorCode::UseDpopNonce, "use_dpop_nonce"),
        (ErrorCode::InvalidDpopProof, "invalid_dpop_proof"),
    ];

    /// Error codes are case-sensitive (RFC 6749 §5.2): `Invalid_Grant` is another code.
    pub fn parse(s: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|(_, name)| *name == s)
            .map_or_else(|| ErrorCode::Other(s.to_string()), |(c, _)| c.clone())
    }

    /// [`ErrorCode::parse`], with an unknown code made safe to print (`output::one_line`'s
    /// rules): it comes from the server.
    pub fn parse_foreign(s: &str) -> Self {
        match Self::parse(s) {
            ErrorCode::Other(s) => ErrorCode::Other(sanitize(&s)),
            known => known,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Other(s) => s,
            known => Self::KNOWN
                .iter()
                .find(|(c, _)| c == known)
                .map(|(_, name)| *name)
                .expect("every named code is in KNOWN"),
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `expires_in` beyond this many seconds (ten years) is treated as a broken server.
pub const MAX_EXPIRES_IN: i64 = 10 * 365 * 24 * 3600;

/// A successful token response.
#[derive(Debug)]
pub struct TokenResponse {
    pub access_token: AccessToken,
    /// `Bearer` or `DPoP`, normalised to that spelling.
    pub token_type: TokenType,
    pub expires_in: Option<i64>,
    pub refresh_token: Option<RefreshToken>,
    pub scope: Option<String>,
    /// The server's clock when it answered (`Date` header), unix seconds.
    pub server_date: Option<i64>,
    /// OIDC: the ID token, not yet validated (the session validates it before keeping it).
    pub id_token: Option<IdToken>,
}

#[derive(Deserialize)]
struct Raw {
    access_token: Option<AccessToken>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<RefreshToken>,
    scope: Option<String>,
    id_token: Option<IdToken>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The OAuth error body shape (RFC 6749 §5.2).
#[derive(Deserialize)]
struct RawError {
    error: Option<String>,
    error_description: Option<String>,
}

/// Turn a token endpoint response into tokens or a typed error.
pub fn parse_token_response(url: &Url, resp: &Response) -> Result<TokenResponse, OAuthError> {
    let endpoint = endpoint_name(url);
    let bad = |what: &str| OAuthError::BadResponse {
        endpoint: endpoint.clone(),
        status: resp.status,
        content_type: resp.content_type.clone(),
        what: what.to_string(),
    };
    if !(200..300).contains(&resp.status) {
        return Err(error_response(url, resp));
    }
    if resp.body.0.is_empty() {
        return Err(bad("empty body"));
    }
    let raw: Raw = resp.body.object().map_err(|e| bad(&json_problem(&e)))?;
    if let Some(error) = raw.error {
        return Err(map_error(
            &endpoint,
            resp.status,
            &error,
            raw.error_description,
        ));
    }
    let access_token = raw.access_token.ok_or_else(|| bad("no access_token"))?;
    if access_token.is_empty() {
        return Err(bad("empty access_token"));
    }
    let token_type = match raw.token_type.as_deref().map(TokenType::parse) {
        None => TokenType::Bearer,
        Some(TokenType::Other(t)) => {
            return Err(bad(&format!("unsupported token_type {:?}", sanitize(&t))));
        }
        Some(t) => t,
    };
    let expires_in = match raw.expires_in {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(parse_expires_in(&v).map_err(|w| bad(&w))?),
    };
    Ok(TokenResponse {
        access_token,
        token_type,
        expires_in,
        refresh_token: raw.refresh_token.filter(|r| !r.is_empty()),
        scope: raw.scope,
        server_date: resp.date,
        id_token: raw.id_token.filter(|t| !t.is_empty()),
    })
}

/// `expires_in` as a number or a numeric string (Azure), within sane bounds.
pub fn parse_expires_in(v: &serde_json::Value) -> Result<i64, String> {
    let n = match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| "expires_in is not a number".to_string())?;
    if n < 0 {
        return Err(format!("negative expires_in ({n})"));
    }
    if n > MAX_EXPIRES_IN {
        return Err(format!("implausible expires_in ({n} s)"));
    }
    Ok(n)
}

/// A non-2xx response: an OAuth error if the body says so, else classified by status.
pub fn error_response(url: &Url, resp: &Response) -> OAuthError {
    let endpoint = endpoint_name(url);
    if let Ok(RawError {
        error: Some(error),
        error_description,
    }) = resp.body.object::<RawError>()
    {
        return map_error(&endpoint, resp.status, &error, error_description);
    }
    match resp.status {
        429 | 500..=599 => OAuthError::Unavailable {
            endpoint,
            detail: format!("HTTP {} ({})", resp.status, resp.content_type),
        },
        300..=399 => OAuthError::BadResponse {
            endpoint,
            status: resp.status,
            content_type: resp.content_type.clone(),
            what: "unexpected redirect".into(),
        },
        _ => OAuthError::BadResponse {
            endpoint,
            status: resp.status,
            content_type: resp.content_type.clone(),
            what: "not an OAuth error response".into(),
        },
    }
}

fn map_error(endpoint: &str, status: u16, error: &str, description: Option<String>) -> OAuthError {
    let description = description.map(|d| sanitize(&d)).filter(|d| !d.is_empty());
    match ErrorCode::parse(error) {
        ErrorCode::InvalidGrant => OAuthError::InvalidGrant {
            endpoint: endpoint.into(),
            description,
        },
        ErrorCode::AuthorizationPending => OAuthError::Pending,
        ErrorCode::SlowDown => OAuthError::SlowDown,
        ErrorCode::AccessDenied => OAuthError::AccessDenied { description },
        ErrorCode::ExpiredToken => OAuthError::Expired,
        code @ (ErrorCode::TemporarilyUnavailable | ErrorCode::ServerError) => {
            OAuthError::Unavailable {
                endpoint: endpoint.into(),
                detail: format!("{}{}", code.as_str(), super::desc(&description)),
            }
        }
        other => OAuthError::Protocol {
            endpoint: endpoint.into(),
            status,
            error: match other {
                ErrorCode::Other(s) => ErrorCode::Other(sanitize(&s)),
                known => known,
            },
            description,
        },
    }
}

fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "truncated JSON".into(),
        Category::Syntax => "not JSON".into(),
        Category::Data => "JSON of the wrong shape".into(),
        Category::Io => "unreadable body".into(),
    }
}

/// POST to the token endpoint with a DPoP proof when `dpop` is given (RFC 9449 §5). When the
/// server answers `use_dpop_nonce` with a `DPoP-Nonce` header (§8), retry once with that nonce.
/// `dpop.nonce` ends holding the server's latest nonce, for the caller to remember.
pub fn request_dpop(
    http: &Http,
    url: &Url,
    form: &[(&str, &str)],
    auth: &ClientAuth<'_>,
    dpop: Option<&mut Prover<'_>>,
) -> Result<TokenResponse, OAuthError> {
    let resp = send_dpop(http, url, form, auth, dpop)?;
    parse_token_response(url, &resp)
}

/// POST `form` to `url` with a DPoP proof when `dpop` is given, once more with the nonce the
/// server asks for (RFC 9449 §8); the answer, unparsed.
pub fn send_dpop(
    http: &Http,
    url: &Url,
    form: &[(&str, &str)],
    auth: &ClientAuth<'_>,
    mut dpop: Option<&mut Prover<'_>>,
) -> Result<Response, OAuthError> {
    let mut retried = false;
    loop {
        let resp = {
            // The first proof is signed before anything is sent, so that a key that cannot
            // sign (a PKCS#11 token removed) fails the request instead of sending it unproved.
            // A resent attempt signs afresh (new `jti`); should that fail, the answer to the
            // unproved attempt is dropped and the signing error returned.
            let first = match dpop.as_deref() {
                Some(p) => Some(p.proof("POST", url, None)?),
                None => None,
            };
            let first = std::cell::RefCell::new(first);
            let failed = std::cell::RefCell::new(None);
            let make = dpop.as_deref().map(|p| {
                let (first, failed) = (&first, &failed);
                move || match first.borrow_mut().take() {
                    Some(proof) => proof,
                    None => p.proof("POST", url, None).unwrap_or_else(|e| {
                        *failed.borrow_mut() = Some(e);
                        String::new()
                    }),
                }
            });
            let sent = http.post_form(
                url,
                form,
                auth,
                make.as_ref().map(|f| f as &dyn Fn() -> String),
            );
            if let Some(e) = failed.into_inner() {
                return Err(e.into());
            }
            sent?
        };
        if let Some(p) = dpop.as_mut() {
            let sent = p.nonce.clone();
            if let Some(n) = &resp.dpop_nonce {
                p.nonce = Some(n.clone());
            }
            if !retried && wants_nonce(&resp) && p.nonce.is_some() && p.nonce != sent {
                retried = true;
                continue;
            }
        }
        return Ok(resp);
    }
}

/// RFC 9449 §8: a 400 (token endpoint) or 401 (resource) with error `use_dpop_nonce`.
pub fn wants_nonce(resp: &Response) -> bool {
    matches!(resp.status, 400 | 401)
        && resp
            .body
            .object::<RawError>()
            .ok()
            .and_then(|e| e.error)
            .is_some_and(|e| ErrorCode::parse(&e) == ErrorCode::UseDpopNonce)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::http::Body;

    fn resp(status: u16, body: &str) -> Response {
        Response::json(status, body)
    }
    fn url() -> Url {
        Url::parse("https://id.example/token?x=1").unwrap()
    }

    /// See: issue 24 (found by the fuzz target `token_response`). serde's derived structs
    /// take an array of the fields in order, so `["at","x"]` was read as `error = "at"`,
    /// `error_description = "x"` and shown; RFC 6749 §5.1/§5.2 answers are JSON objects.
    #[test]
    fn an_array_body_is_not_read_as_named_fields() {
        let e = error_response(&url(), &resp(302, r#"["at","shown as a description"]"#));
        assert!(!e.to_string().contains("shown as"), "{e}");
        let e = parse_token_response(&url(), &resp(200, r#"["at","Bearer",3600]"#)).unwrap_err();
        assert!(e.to_string().contains("JSON of the wrong shape"), "{e}");
        assert!(!wants_nonce(&resp(400, r#"["use_dpop_nonce"]"#)));
    }

    #[test]
    fn parses_success_leniently() {
        let r = parse_token_response(
            &url(),
            &resp(200, r#"{"access_token":"at","token_type":"bearer","expires_in":"3600","refresh_token":"rt"}"#),
        )
        .unwrap();
        assert_eq!(r.access_token.expose(), "at");
        assert_eq!(r.token_type, TokenType::Bearer);
        assert_eq!(r.expires_in, Some(3600));
        assert_eq!(r.refresh_token.unwrap().expose(), "rt");
    }

    #[test]
    fn protocol_values_keep_their_spelling() {
        for code in ErrorCode::KNOWN.iter().map(|(_, n)| *n) {
            assert_eq!(ErrorCode::parse(code).as_str(), code);
            assert!(
                !matches!(ErrorCode::parse(code), ErrorCode::Other(_)),
                "{code}"
            );
        }
        assert_eq!(
            ErrorCode::parse("Invalid_Grant"),
            ErrorCode::Other("Invalid_Grant".into())
        );
        assert_eq!(TokenType::parse("dpop"), TokenType::DPoP);
        assert_eq!(serde_json::to_string(&TokenType::DPoP).unwrap(), "\"DPoP\"");
        assert_eq!(
            serde_json::to_string(&TokenType::Bearer).unwrap(),
            "\"Bearer\""
        );
        let back: TokenType = serde_json::from_str("\"Bearer\"").unwrap();
        assert_eq!(back, TokenType::Bearer);
    }

    #[test]
    fn invalid_utf8_is_not_json() {
        let mut r = resp(200, "");
        r.body = Body(b"{\"access_token\":\"\xff\xfesecret\"}".to_vec());
        let e = parse_token_response(&url(), &r).unwrap_err().to_string();
        assert!(e.contains("not JSON") && !e.contains("secret"), "{e}");
    }

    #[test]
    fn unknown_error_codes_are_named_and_definitive() {
        let e = parse_token_response(
            &url(),
            &resp(
                400,
                r#"{"error":"weird\nerror","error_description":"x\u0007y"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "https://id.example/token answered 400 weird error: x y"
        );
        assert!(matches!(e, OAuthError::Protocol { status: 400, .. }));
    }

    #[test]
    fn error_with_200_is_an_error() {
        let e = parse_token_response(&url(), &resp(200, r#"{"error":"authorization_pending"}"#));
        assert!(matches!(e, Err(OAuthError::Pending)));
    }

    #[test]
    fn invalid_grant_is_login_required() {
        let e = parse_token_response(
            &url(),
            &resp(
                400,
                r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "https://id.example/token rejected the grant (invalid_grant: grant request is invalid)"
        );
        assert!(matches!(e, OAuthError::InvalidGrant { .. }));
    }

    #[test]
    fn malformed_bodies_never_echo_the_body() {
        let cases = [
            (502, "<html>secret-ish</html>", "HTTP 502"),
            (200, "", "empty body"),
            (200, r#"{"access_token":"tok-secret","#, "truncated JSON"),
            (200, r#"{"token_type":"Bearer"}"#, "no access_token"),
            (
                200,
                r#"{"access_token":"tok-secret","token_type":"MAC"}"#,
                "unsupported token_type",
            ),
            (
                200,
                r#"{"access_token":"tok-secret","expires_in":-5}"#,
                "negative expires_in",
            ),
            (
                200,
                r#"{"access_token":"tok-secret","expires_in":99999999999}"#,
                "implausible",
            ),
            (
                200,
                r#"{"access_token":"tok-secret","expires_in":"soon"}"#,
                "not a number",
            ),
            (302, "", "unexpected redirect"),
            (400, "nope", "not an OAuth error"),
            // See: issue 4 — the fault server's cases, as pure parses.
            (
                200,
                r#"{"access_token":"tok-secret","expires_in":1e300}"#,
                "implausible",
            ),
            (
                200,
                r#"{"access_token":"tok-secret","expires_in":[1]}"#,
                "not a number",
            ),
            (
                200,
                "{\"access_token\":\"\u{fffd}tok-secret\",",
                "truncated JSON",
            ),
            (200, "[]", "JSON of the wrong shape"),
            (200, r#"{"access_token":""}"#, "empty access_token"),
            (503, "<html>secret</html>", "HTTP 503"),
            (429, "slow down, secret", "HTTP 429"),
        ];
        for (status, body, want) in cases {
            let e = parse_token_response(&url(), &resp(status, body))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{status} {body}: {e}");
            assert!(!e.contains("secret"), "{e}");
            assert!(e.contains("https://id.example/token"), "{e}");
        }
    }
}
