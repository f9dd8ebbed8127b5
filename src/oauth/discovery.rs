//! Authorization server metadata: OIDC discovery merged with RFC 8414 metadata (endpoints one
//! lacks are taken from the other, both naming the same issuer), then the profile's overrides.
//!
//! The document is cached on disk (`$XDG_CACHE_HOME/tok/discovery/`) for [`CACHE_LIFETIME`] so
//! that a refresh does not fetch it every time, and `print`'s cached path never reads it at all.

use serde::{Deserialize, Serialize};
use url::Url;

use super::jose::Jwks;

use super::OAuthError;
use super::http::{Http, endpoint_name};
use crate::paths::Paths;
use crate::url_policy::{check_url, is_loopback};

/// How long a fetched discovery document is trusted.
pub const CACHE_LIFETIME: i64 = 24 * 3600;

/// The metadata fields tok uses (RFC 8414 §2, OIDC Discovery §3), verbatim names.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Metadata {
    pub issuer: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub device_authorization_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// OIDC Discovery: the provider's signing keys, for ID tokens.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Option<Vec<String>>,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// RFC 9126 §5.
    #[serde(default)]
    pub pushed_authorization_request_endpoint: Option<String>,
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// RFC 8705 §5: the endpoints to use instead when presenting a client certificate.
    #[serde(default)]
    pub mtls_endpoint_aliases: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Serialize, Deserialize)]
struct Cached {
    fetched_at: i64,
    metadata: Metadata,
    /// [`CACHE_FORMAT`] when written; a document cached by an older tok lacks fields read
    /// since (`jwks_uri`), so it is fetched again.
    #[serde(default)]
    format: u32,
}

/// The version of the cached document's fields.
const CACHE_FORMAT: u32 = 2;

/// Endpoints given in the profile for servers without (or with wrong) discovery documents.
#[derive(Debug, Clone, Default)]
pub struct EndpointOverrides {
    pub authorization_endpoint: Option<Url>,
    pub token_endpoint: Option<Url>,
    pub device_authorization_endpoint: Option<Url>,
    pub revocation_endpoint: Option<Url>,
    /// The profile presents a client certificate: use the metadata's `mtls_endpoint_aliases`
    /// (RFC 8705 §5) where it has them.
    pub mtls: bool,
}

/// Whose metadata: the issuer parsed, and as the configuration writes it (which the document
/// must name, character for character).
#[derive(Debug, Clone, Copy)]
pub struct Issuer<'a> {
    pub url: &'a Url,
    pub text: &'a str,
}

/// The endpoints of one profile, after overrides.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorization: Option<Url>,
    pub token: Url,
    pub device_authorization: Option<Url>,
    pub revocation: Option<Url>,
    /// RFC 9207: the server puts `iss` in authorization responses, and we check it.
    pub iss_parameter: bool,
    /// The issuer as the discovery document states it (`None` when none was read).
    pub stated_issuer: Option<String>,
    /// OIDC: where the keys that sign ID tokens are published.
    pub jwks: Option<Url>,
    /// OIDC: the ID token algorithms the provider says it uses.
    pub id_token_algs: Option<Vec<String>>,
    /// OIDC: the UserInfo endpoint (`tok whoami --userinfo`).
    pub userinfo: Option<Url>,
    /// RFC 9126: where authorization requests are pushed, and whether the server requires it.
    pub par: Option<Url>,
    pub par_required: bool,
}

/// How a discovery document's `issuer` must match the configured one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerMatch {
    /// RFC 8414 §3.3, OIDC Discovery §4.3: the same string. Every use but a login.
    Exact,
    /// At login only: the same modulo one trailing slash, the common typo; the login then
    /// stores the issuer as the document states it, so every later check is exact.
    ModuloSlash,
}

/// The two well-known URLs for an issuer, in the order tried.
pub fn well_known_urls(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    let mut oidc = issuer.clone();
    oidc.set_path(&format!("{path}/.well-known/openid-configuration"));
    // RFC 8414 §3.1: the well-known segment goes between host and path.
    let mut oauth = issuer.clone();
    oauth.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    vec![oidc, oauth]
}

/// Fetch (or read from cache) the metadata of `issuer`, then apply the overrides `o`; the
/// document's issuer is checked as `how` says (a login is lenient once).
///
/// When the overrides already name the token endpoint, a failed discovery is not an error: some
/// servers (GitHub OAuth apps) publish none.
pub fn endpoints<'a>(
    issuer: Issuer<'_>,
    o: &EndpointOverrides,
    paths: &Paths,
    http: impl FnOnce() -> &'a Http,
    how: IssuerMatch,
) -> Result<Endpoints, OAuthError> {
    let complete = o.token_endpoint.is_some()
        && (o.authorization_endpoint.is_some() || o.device_authorization_endpoint.is_some());
    // The cache is keyed by the parsed URL, which two spellings of the issuer may share: a cached
    // document is used only if its issuer matches this profile's as well.
    let matching = |m: &Metadata| check_issuer(issuer.text, m, how).is_ok();
    let metadata = if complete {
        cached(paths, issuer.url, i64::MAX)
            .filter(matching)
            .unwrap_or_default()
    } else {
        match cached(paths, issuer.url, CACHE_LIFETIME).filter(matching) {
            Some(m) => m,
            None => {
                let m = fetch(http(), issuer.url, issuer.text, how);
                match m {
                    Ok(m) => {
                        store_cache(paths, issuer.url, &m);
                        m
                    }
                    Err(e) if o.token_endpoint.is_some() => {
                        let _ = e;
                        Metadata::default()
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    };
    resolve(issuer.url, o, &metadata)
}

fn resolve(issuer: &Url, o: &EndpointOverrides, m: &Metadata) -> Result<Endpoints, OAuthError> {
    let parse = |name: &str, v: &Option<String>| -> Result<Option<Url>, OAuthError> {
        v.as_deref()
            .map(|s| {
                let url = check_url(s).map_err(|e| {
                    OAuthError::Discovery(format!(
                        "discovery document of {}: {name} {e}",
                        issuer
                    ))
                })?;
                // A remote document must not send tok to this machine (plain http is allowed
                // for loopback, and loopback is never proxied): only a loopback issuer may
                // name loopback endpoints. The profile's own overrides are the user's choice.
                if is_loopback(&url) && !is_loopback(issuer) {
                    return Err(OAuthError::Discovery(format!(
                        "discovery document of {}: {name} points at this machine ({}), which only a loopback issuer may",
                        issuer,
                        endpoint_name(&url)
                    )));
                }
                Ok(url)
            })
            .transpose()
    };
    // RFC 8705 §5: with a client certificate, an endpoint's alias replaces it.
    let aliased;
    let m = match (&m.mtls_endpoint_aliases, o.mtls) {
        (Some(aliases), true) => {
            aliased = with_aliases(m.clone(), aliases);
            &aliased
        }
        _ => m,
    };
    let token = match &o.token_endpoint {
        Some(u) => u.clone(),
        None => parse("token_endpoint", &m.token_endpoint)?.ok_or_else(|| {
            OAuthError::Discovery(format!("{} publishes no token_endpoint", issuer))
        })?,
    };
    Ok(Endpoints {
        authorization: o
            .authorization_endpoint
            .clone()
            .map(Some)
            .unwrap_or(parse("authorization_endpoint", &m.authorization_endpoint)?),
        token,
        device_authorization: o
            .device_authorization_endpoint
            .clone()
            .map(Some)
            .unwrap_or(parse(
                "device_authorization_endpoint",
                &m.device_authorization_endpoint,
            )?),
        revocation: o
            .revocation_endpoint
            .clone()
            .map(Some)
            .unwrap_or(parse("revocation_endpoint", &m.revocation_endpoint)?),
        iss_parameter: m.authorization_response_iss_parameter_supported,
        stated_issuer: m.issuer.clone(),
        jwks: parse("jwks_uri", &m.jwks_uri)?,
        id_token_algs: m.id_token_signing_alg_values_supported.clone(),
        userinfo: parse("userinfo_endpoint", &m.userinfo_endpoint)?,
        par: parse(
            "pushed_authorization_request_endpoint",
            &m.pushed_authorization_request_endpoint,
        )?,
        par_required: m.require_pushed_authorization_requests,
    })
}

/// `m` with each endpoint that `aliases` names replaced by its alias (strings only).
fn with_aliases(mut m: Metadata, aliases: &serde_json::Map<String, serde_json::Value>) -> Metadata {
    let alias = |name: &str| {
        aliases
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    for (name, field) in [
        ("token_endpoint", &mut m.token_endpoint),
        ("revocation_endpoint", &mut m.revocation_endpoint),
        (
            "device_authorization_endpoint",
            &mut m.device_authorization_endpoint,
        ),
        ("userinfo_endpoint", &mut m.userinfo_endpoint),
        (
            "pushed_authorization_request_endpoint",
            &mut m.pushed_authorization_request_endpoint,
        ),
    ] {
        if let Some(a) = alias(name) {
            *field = Some(a);
        }
    }
    m
}

/// The provider's JWK Set at `jwks_uri`, cached on disk like the discovery document; `refetch`
/// skips the cache (a token signed with a key it does not hold: keys rotate).
pub fn jwks(paths: &Paths, http: &Http, jwks_uri: &Url, refetch: bool) -> Result<Jwks, OAuthError> {
    let path = paths.discovery_cache(&format!("jwks {jwks_uri}"));
    let read_cached = || -> Option<Jwks> {
        let bytes = std::fs::read(&path).ok()?;
        let c: CachedJwks = serde_json::from_slice(&bytes).ok()?;
        let age = crate::time::now() - c.fetched_at;
        (0..CACHE_LIFETIME)
            .contains(&age)
            .then(|| Jwks::parse(c.jwks.to_string().as_bytes()).ok())
            .flatten()
    };
    if !refetch && let Some(k) = read_cached() {
        return Ok(k);
    }
    let resp = http.get(jwks_uri)?;
    let endpoint = endpoint_name(jwks_uri);
    let bad = |what: &str| OAuthError::BadResponse {
        endpoint: endpoint.clone(),
        status: resp.status,
        content_type: resp.content_type.clone(),
        what: what.into(),
    };
    if resp.status == 429 || resp.status >= 500 {
        return Err(OAuthError::Unavailable {
            endpoint,
            detail: format!("HTTP {}", resp.status),
        });
    }
    if resp.status != 200 {
        return Err(bad("not the JWK Set"));
    }
    let keys = Jwks::parse(&resp.body.0).map_err(|_| bad("not a JWK Set"))?;
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&resp.body.0) {
        let c = CachedJwks {
            fetched_at: crate::time::now(),
            jwks: value,
        };
        if let Ok(bytes) = serde_json::to_vec(&c) {
            let _ = crate::paths::write_private_atomic(&path, &bytes);
        }
    }
    Ok(keys)
}

/// OIDC Core §5.3: the claims the UserInfo endpoint answers for `access_token`.
pub fn userinfo(
    http: &Http,
    url: &Url,
    access_token: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, OAuthError> {
    let resp = http.get_bearer(url, access_token)?;
    let endpoint = endpoint_name(url);
    if resp.status == 429 || resp.status >= 500 {
        return Err(OAuthError::Unavailable {
            endpoint,
            detail: format!("HTTP {}", resp.status),
        });
    }
    let bad = |what: &str| OAuthError::BadResponse {
        endpoint: endpoint.clone(),
        status: resp.status,
        content_type: resp.content_type.clone(),
        what: what.into(),
    };
    if resp.status != 200 {
        return Err(bad("the access token was not accepted"));
    }
    serde_json::from_slice(&resp.body.0).map_err(|_| bad("not a JSON object of claims"))
}

#[derive(Serialize, Deserialize)]
struct CachedJwks {
    fetched_at: i64,
    jwks: serde_json::Value,
}

/// Fetch the metadata from the network: OIDC first, its gaps filled from RFC 8414 (or RFC 8414
/// alone when there is no OIDC document). `expected` is the issuer as
/// configured, which the document must name (as `how` says).
pub fn fetch(
    http: &Http,
    issuer: &Url,
    expected: &str,
    how: IssuerMatch,
) -> Result<Metadata, OAuthError> {
    let [oidc, oauth]: [Url; 2] = well_known_urls(issuer)
        .try_into()
        .expect("two well-known URLs");
    let first = match fetch_one(http, issuer, &oidc, expected, how) {
        Ok(m) => m,
        // The network, TLS or proxy failed: the other URL would fail the same way.
        Err(
            e @ (OAuthError::Unavailable { .. }
            | OAuthError::Certificate { .. }
            | OAuthError::Proxy { .. }
            | OAuthError::CaFile { .. }
            | OAuthError::ClientCert { .. }),
        ) => return Err(e),
        Err(_) => return fetch_one(http, issuer, &oauth, expected, how),
    };
    if first.is_complete() {
        return Ok(first);
    }
    // Some servers list an endpoint (often `revocation_endpoint`) only in their RFC 8414
    // metadata: fill the gaps from it, best effort, if it names the very same issuer.
    Ok(match fetch_one(http, issuer, &oauth, expected, how) {
        Ok(second) if second.issuer == first.issuer => first.merged_with(second),
        _ => first,
    })
}

impl Metadata {
    /// Whether every endpoint tok may use is named.
    fn is_complete(&self) -> bool {
        self.authorization_endpoint.is_some()
            && self.token_endpoint.is_some()
            && self.device_authorization_endpoint.is_some()
            && self.revocation_endpoint.is_some()
    }

    /// `self`, with the endpoints it lacks taken from `other` (a document of the same issuer).
    fn merged_with(self, other: Metadata) -> Metadata {
        Metadata {
            issuer: self.issuer,
            authorization_endpoint: self.authorization_endpoint.or(other.authorization_endpoint),
            token_endpoint: self.token_endpoint.or(other.token_endpoint),
            device_authorization_endpoint: self
                .device_authorization_endpoint
                .or(other.device_authorization_endpoint),
            revocation_endpoint: self.revocation_endpoint.or(other.revocation_endpoint),
            authorization_response_iss_parameter_supported: self
                .authorization_response_iss_parameter_supported
                || other.authorization_response_iss_parameter_supported,
            jwks_uri: self.jwks_uri.or(other.jwks_uri),
            userinfo_endpoint: self.userinfo_endpoint.or(other.userinfo_endpoint),
            id_token_signing_alg_values_supported: self
                .id_token_signing_alg_values_supported
                .or(other.id_token_signing_alg_values_supported),
            pushed_authorization_request_endpoint: self
                .pushed_authorization_request_endpoint
                .or(other.pushed_authorization_request_endpoint),
            require_pushed_authorization_requests: self.require_pushed_authorization_requests
                || other.require_pushed_authorization_requests,
            mtls_endpoint_aliases: self.mtls_endpoint_aliases.or(other.mtls_endpoint_aliases),
        }
    }
}

fn fetch_one(
    http: &Http,
    issuer: &Url,
    url: &Url,
    expected: &str,
    how: IssuerMatch,
) -> Result<Metadata, OAuthError> {
    let resp = http.get(url)?;
    let endpoint = endpoint_name(url);
    if resp.status != 200 {
        if resp.status == 429 || resp.status >= 500 {
            return Err(OAuthError::Unavailable {
                endpoint,
                detail: format!("HTTP {}", resp.status),
            });
        }
        return Err(OAuthError::Discovery(format!(
            "no discovery document for {issuer} (HTTP {} from {endpoint})",
            resp.status
        )));
    }
    let m = parse_metadata(&resp.body.0).map_err(|what| OAuthError::BadResponse {
        endpoint: endpoint.clone(),
        status: resp.status,
        content_type: resp.content_type.clone(),
        what,
    })?;
    check_issuer(expected, &m, how)?;
    Ok(m)
}

/// Parse a discovery document.
pub fn parse_metadata(body: &[u8]) -> Result<Metadata, String> {
    serde_json::from_slice(body).map_err(|_| "not a discovery document".to_string())
}

/// RFC 8414 §3.3 / OIDC Discovery §4.3: the document's `issuer` must be the one configured
/// (`expected`, as written): exactly, or at login modulo one trailing slash.
pub fn check_issuer(expected: &str, m: &Metadata, how: IssuerMatch) -> Result<(), OAuthError> {
    let one_slash = |a: &str, b: &str| a.strip_suffix('/') == Some(b);
    match m.issuer.as_deref() {
        Some(got) if got == expected => Ok(()),
        Some(got)
            if how == IssuerMatch::ModuloSlash
                && (one_slash(got, expected) || one_slash(expected, got)) =>
        {
            Ok(())
        }
        got => Err(OAuthError::IssuerMismatch {
            expected: super::sanitize(expected),
            stated: got.map(super::sanitize),
        }),
    }
}

fn cached(paths: &Paths, issuer: &Url, lifetime: i64) -> Option<Metadata> {
    let bytes = std::fs::read(paths.discovery_cache(issuer.as_str())).ok()?;
    let c: Cached = serde_json::from_slice(&bytes).ok()?;
    if c.format < CACHE_FORMAT {
        return None;
    }
    let age = crate::time::now() - c.fetched_at;
    (age >= 0 && age < lifetime).then_some(c.metadata)
}

fn store_cache(paths: &Paths, issuer: &Url, m: &Metadata) {
    let c = Cached {
        fetched_at: crate::time::now(),
        metadata: m.clone(),
        format: CACHE_FORMAT,
    };
    if let Ok(bytes) = serde_json::to_vec(&c) {
        let _ = crate::paths::write_private_atomic(&paths.discovery_cache(issuer.as_str()), &bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_for_issuer_with_path() {
        let u = Url::parse("https://h.example/tenant/").unwrap();
        let w = well_known_urls(&u);
        assert_eq!(
            w[0].as_str(),
            "https://h.example/tenant/.well-known/openid-configuration"
        );
        assert_eq!(
            w[1].as_str(),
            "https://h.example/.well-known/oauth-authorization-server/tenant"
        );
        let root = Url::parse("https://h.example").unwrap();
        assert_eq!(
            well_known_urls(&root)[1].as_str(),
            "https://h.example/.well-known/oauth-authorization-server"
        );
    }

    // See: issue 11 item 14 — a trailing slash was ignored at every comparison.
    #[test]
    fn issuer_must_match_exactly_except_one_slash_at_login() {
        use IssuerMatch::*;
        let m = |i: &str| Metadata {
            issuer: Some(i.into()),
            ..Default::default()
        };
        assert!(check_issuer("https://h.example", &m("https://h.example"), Exact).is_ok());
        assert!(check_issuer("https://h.example/", &m("https://h.example"), Exact).is_err());
        assert!(check_issuer("https://h.example", &m("https://h.example/"), Exact).is_err());
        assert!(check_issuer("https://h.example/", &m("https://h.example"), ModuloSlash).is_ok());
        assert!(
            check_issuer(
                "https://h.example/t",
                &m("https://h.example/t/"),
                ModuloSlash
            )
            .is_ok()
        );
        // One slash, not any number of them; another host never.
        assert!(check_issuer("https://h.example//", &m("https://h.example"), ModuloSlash).is_err());
        assert!(
            check_issuer("https://h.example", &m("https://evil.example"), ModuloSlash).is_err()
        );
        assert!(check_issuer("https://h.example", &Metadata::default(), ModuloSlash).is_err());
    }

    fn resolve_for(issuer: &str, m: &Metadata) -> Result<Endpoints, OAuthError> {
        resolve(
            &Url::parse(issuer).unwrap(),
            &EndpointOverrides::default(),
            m,
        )
    }

    /// Issue 11 item 12: a remote document cannot point tok at this machine, where plain http
    /// is allowed and no proxy is used.
    #[test]
    fn only_a_loopback_issuer_may_name_loopback_endpoints() {
        let m = Metadata {
            token_endpoint: Some("http://127.0.0.1:8080/token".into()),
            ..Default::default()
        };
        let e = resolve_for("https://id.example", &m).unwrap_err();
        assert!(e.to_string().contains("points at this machine"), "{e}");
        let ok = resolve_for("http://127.0.0.1:9000", &m).unwrap();
        assert_eq!(ok.token.as_str(), "http://127.0.0.1:8080/token");
        let m = Metadata {
            token_endpoint: Some("https://localhost/token".into()),
            ..Default::default()
        };
        assert!(resolve_for("https://id.example", &m).is_err());
    }

    /// RFC 8705 §5: with a client certificate, the aliases replace the endpoints they name
    /// (through the same checks); without one, or for a profile's own override, they do not.
    #[test]
    fn mtls_aliases_are_used_only_with_a_client_certificate() {
        let m: Metadata = serde_json::from_str(
            r#"{"issuer": "https://id.example", "token_endpoint": "https://id.example/token",
            "revocation_endpoint": "https://id.example/revoke",
            "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.id.example/token",
            "revocation_endpoint": "https://mtls.id.example/revoke", "userinfo_endpoint": 5,
            "pushed_authorization_request_endpoint": "https://mtls.id.example/par"}}"#,
        )
        .unwrap();
        let issuer = Url::parse("https://id.example").unwrap();
        let mut o = EndpointOverrides::default();
        let plain = resolve(&issuer, &o, &m).unwrap();
        assert_eq!(plain.token.as_str(), "https://id.example/token");
        o.mtls = true;
        let mtls = resolve(&issuer, &o, &m).unwrap();
        assert_eq!(mtls.token.as_str(), "https://mtls.id.example/token");
        assert_eq!(
            mtls.revocation.unwrap().as_str(),
            "https://mtls.id.example/revoke"
        );
        assert_eq!(mtls.par.unwrap().as_str(), "https://mtls.id.example/par");
        assert_eq!(mtls.userinfo, None, "a non-string alias is ignored");
        o.token_endpoint = Some(Url::parse("https://mine.example/token").unwrap());
        let mine = resolve(&issuer, &o, &m).unwrap();
        assert_eq!(mine.token.as_str(), "https://mine.example/token");
        // An alias is checked like the endpoint it replaces.
        let mut m = m;
        m.mtls_endpoint_aliases
            .as_mut()
            .unwrap()
            .insert("token_endpoint".into(), "http://127.0.0.1/token".into());
        o.token_endpoint = None;
        assert!(resolve(&issuer, &o, &m).is_err());
    }
}
