//! A protected resource's metadata (RFC 9728): which authorization servers issue tokens for a
//! resource URL, found from the URL alone. tok asks the resource first (a `401` whose
//! `WWW-Authenticate: Bearer resource_metadata="…"` names the document), else reads
//! `/.well-known/oauth-protected-resource` with the URL's path inserted after it (§3.1), else
//! the origin's root form. The document's `resource` must be the resource the document was
//! fetched for (§3.3): identical to the URL for the path-inserted form; for the root form and
//! a challenge's document, the same origin and a path that is a whole-segment prefix of the
//! URL's (as draft-mcguinness-oauth-rfc9728bis relaxes §3.3 for those two).
//!
//! The `WWW-Authenticate` parser here is small and pure (RFC 9110 §11.6.1 challenges); it is
//! the only one in tok for now.

use serde::Deserialize;
use url::Url;

use super::OAuthError;
use super::http::{Http, endpoint_name};
use crate::url_policy::{check_url, is_loopback};

/// How a metadata document was found: what its `resource` is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// From the resource's own `401` challenge (`resource_metadata`).
    Challenge,
    /// `/.well-known/oauth-protected-resource/PATH` (RFC 9728 §3.1).
    PathInserted,
    /// `/.well-known/oauth-protected-resource` at the origin's root.
    Root,
}

/// The metadata fields tok uses (RFC 9728 §2), verbatim names.
#[derive(Debug, Clone, Deserialize)]
pub struct ResourceMetadata {
    pub resource: String,
    #[serde(default)]
    pub authorization_servers: Vec<String>,
}

/// A resource's metadata, checked, and where it came from.
#[derive(Debug, Clone)]
pub struct Protected {
    /// The resource identifier the metadata states (sent as RFC 8707 `resource`).
    pub resource: String,
    /// The issuers named, in the document's order, each a usable URL.
    pub authorization_servers: Vec<String>,
    /// The document's URL.
    pub metadata_url: Url,
}

/// What went wrong finding a resource's authorization server.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// The URL cannot be a resource tok talks to.
    #[error("--resource-url {url}: {why}")]
    BadUrl { url: String, why: String },
    /// No metadata document at any of the places tried.
    #[error("{url} publishes no protected resource metadata (RFC 9728): tried {tried}")]
    NoMetadata { url: String, tried: String },
    /// The document is not usable metadata.
    #[error("the protected resource metadata at {at} {what}")]
    BadMetadata { at: String, what: String },
    /// The document is for another resource (RFC 9728 §3.3): it must not be used.
    #[error("the protected resource metadata at {at} is for resource {stated:?}, not for {url}")]
    Mismatch {
        url: String,
        at: String,
        stated: String,
    },
    /// `--issuer` names a server the resource does not list.
    #[error("{url} does not name {issuer} as its authorization server (it names {servers})")]
    NotListed {
        url: String,
        issuer: String,
        servers: String,
    },
    /// Several servers, and no terminal to ask which one.
    #[error("{url} names several authorization servers ({servers}) and this run cannot ask which")]
    SeveralServers { url: String, servers: String },
    /// The issuer publishes no `registration_endpoint`, and no `--client-id` was given.
    #[error("{issuer} publishes no registration_endpoint, so tok cannot register itself there")]
    NoRegistrationEndpoint { issuer: String },
    /// RFC 7591 §3.2.2: the server refused tok's client metadata.
    #[error("{endpoint} refused to register tok ({error}{})", desc(.description))]
    RegistrationRefused {
        endpoint: String,
        error: String,
        description: Option<String>,
    },
    /// The registration could not be kept in the session store.
    #[error("cannot keep tok's client registration")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A request failed (network, TLS, proxy, a bad answer).
    #[error(transparent)]
    OAuth(#[from] OAuthError),
}

fn desc(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

/// One challenge of a `WWW-Authenticate` header: its scheme and its parameters (names
/// lowercased, quoted values unescaped). A token68 challenge has no parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The challenges of one `WWW-Authenticate` value (RFC 9110 §11.6.1: `scheme` then
/// comma-separated `name=value` pairs, values tokens or quoted strings; several challenges in
/// one value). What does not parse ends the list: a broken header yields what came before.
pub fn challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = vec![];
    let mut p = Parser { s: header, i: 0 };
    loop {
        p.skip(|c| c == ' ' || c == '\t' || c == ',');
        let Some(word) = p.token() else { break };
        p.skip_ws();
        if p.peek() == Some('=') && !out.is_empty() {
            // `name=value` of the current challenge.
            p.i += 1;
            p.skip_ws();
            let Some(value) = p.value() else { break };
            if let Some(c) = out.last_mut() {
                c.params.push((word.to_ascii_lowercase(), value));
            }
            continue;
        }
        out.push(Challenge {
            scheme: word.to_string(),
            params: vec![],
        });
        // A token68 credential (`Basic abc==`) directly after the scheme.
        let save = p.i;
        p.skip_ws();
        if p.token68_ahead() {
            while p.peek().is_some_and(|c| c != ',') {
                p.i += p.peek().map_or(1, char::len_utf8);
            }
        } else {
            p.i = save;
        }
    }
    out
}

/// The `resource_metadata` URL of the first `Bearer` challenge among `headers` (RFC 9728 §5.1).
pub fn resource_metadata(headers: &[String]) -> Option<String> {
    headers
        .iter()
        .flat_map(|h| challenges(h))
        .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))
        .and_then(|c| c.param("resource_metadata").map(str::to_string))
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }

    fn skip(&mut self, f: impl Fn(char) -> bool) {
        while let Some(c) = self.peek().filter(|c| f(*c)) {
            self.i += c.len_utf8();
        }
    }

    fn skip_ws(&mut self) {
        self.skip(|c| c == ' ' || c == '\t');
    }

    /// An RFC 9110 token (`tchar`s).
    fn token(&mut self) -> Option<&'a str> {
        let start = self.i;
        self.skip(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
        (self.i > start).then(|| &self.s[start..self.i])
    }

    /// Whether a token68 (`abc/+de==`) ends the challenge here: its characters, `=`
    /// padding, then `,` or the end (not a `name=value` parameter).
    fn token68_ahead(&self) -> bool {
        let rest = &self.s[self.i..];
        let body =
            rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || "-._~+/".contains(c));
        if body.len() == rest.len() {
            return false;
        }
        let after = body.trim_start_matches('=').trim_start_matches([' ', '\t']);
        after.is_empty() || after.starts_with(',')
    }

    /// A parameter value: a token or a quoted string (`\` escapes the next character).
    fn value(&mut self) -> Option<String> {
        if self.peek() != Some('"') {
            return self.token().map(str::to_string);
        }
        self.i += 1;
        let mut v = String::new();
        loop {
            let c = self.peek()?;
            self.i += c.len_utf8();
            match c {
                '"' => return Some(v),
                '\\' => {
                    let e = self.peek()?;
                    self.i += e.len_utf8();
                    v.push(e);
                }
                c => v.push(c),
            }
        }
    }
}

/// RFC 9728 §3.1: the metadata URLs of `url` in the order tried — the path-inserted form, then
/// the origin's root (the same URL when the path is `/`).
pub fn well_known_urls(url: &Url) -> Vec<(Url, Found)> {
    const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";
    let mut root = url.clone();
    root.set_path(WELL_KNOWN);
    root.set_query(None);
    root.set_fragment(None);
    let path = url.path().trim_end_matches('/');
    if path.is_empty() {
        return vec![(root, Found::Root)];
    }
    let mut inserted = root.clone();
    inserted.set_path(&format!("{WELL_KNOWN}{path}"));
    inserted.set_query(url.query());
    vec![(inserted, Found::PathInserted), (root, Found::Root)]
}

/// RFC 9728 §3.3: whether metadata stating `stated` may be used for `url`, found as `how`.
pub fn check_resource(url: &Url, how: Found, stated: &str) -> Result<(), String> {
    let s = Url::parse(stated).map_err(|_| "is not a URL".to_string())?;
    if s.fragment().is_some() {
        return Err("has a fragment".into());
    }
    if how == Found::PathInserted {
        return if s == *url {
            Ok(())
        } else {
            Err("is another resource".into())
        };
    }
    if s.origin() != url.origin() {
        return Err("is on another origin".into());
    }
    if s.query().is_some() && s.query() != url.query() {
        return Err("is another resource".into());
    }
    let prefix = s.path().trim_end_matches('/');
    let path = url.path();
    let whole_segments = path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'));
    if whole_segments {
        Ok(())
    } else {
        Err("is another resource".into())
    }
}

/// Parse a metadata document and check it for `url` found as `how`: its `resource`, and its
/// authorization servers (usable URLs; a loopback one only for a loopback resource).
pub fn parse_metadata(
    url: &Url,
    how: Found,
    at: &Url,
    body: &[u8],
) -> Result<Protected, ResourceError> {
    let at_name = endpoint_name(at);
    let bad = |what: &str| ResourceError::BadMetadata {
        at: at_name.clone(),
        what: what.into(),
    };
    let m: ResourceMetadata =
        serde_json::from_slice(body).map_err(|_| bad("is not a JSON metadata document"))?;
    check_resource(url, how, &m.resource).map_err(|_| ResourceError::Mismatch {
        url: url.to_string(),
        at: at_name.clone(),
        stated: super::sanitize(&m.resource),
    })?;
    if m.authorization_servers.is_empty() {
        return Err(bad("names no authorization_servers"));
    }
    for s in &m.authorization_servers {
        let u =
            check_url(s).map_err(|e| bad(&format!("names an authorization server that {e}")))?;
        if is_loopback(&u) && !is_loopback(url) {
            return Err(bad("names an authorization server on this machine"));
        }
    }
    Ok(Protected {
        resource: m.resource,
        authorization_servers: m.authorization_servers,
        metadata_url: at.clone(),
    })
}

/// Find and check the metadata of the resource at `url`: a GET of the URL first (a `401` with
/// a `resource_metadata` challenge names the document), then the well-known URLs.
pub fn discover(http: &Http, url: &Url) -> Result<Protected, ResourceError> {
    let mut tried = vec![];
    let probe = http.get(url)?;
    if probe.status == 401
        && let Some(at) = resource_metadata(&probe.www_authenticate)
    {
        return fetch(http, url, Found::Challenge, &challenged(url, &at)?);
    }
    for (at, how) in well_known_urls(url) {
        match fetch(http, url, how, &at) {
            Err(ResourceError::NoMetadata { .. }) => tried.push(endpoint_name(&at)),
            other => return other,
        }
    }
    Err(ResourceError::NoMetadata {
        url: url.to_string(),
        tried: tried.join(", "),
    })
}

/// The metadata URL a resource's challenge names, if tok may fetch it: a usable URL, and on
/// this machine only for a resource on this machine (a remote resource must not send tok to a
/// local service, as a remote discovery document must not).
pub fn challenged(url: &Url, named: &str) -> Result<Url, ResourceError> {
    let bad = |what: String| ResourceError::BadMetadata {
        at: super::sanitize(named),
        what,
    };
    let at =
        check_url(named).map_err(|e| bad(format!("(named by the resource's challenge) {e}")))?;
    if is_loopback(&at) && !is_loopback(url) {
        return Err(bad(
            "(named by the resource's challenge) is on this machine, which only a resource on this machine may name".into(),
        ));
    }
    Ok(at)
}

fn fetch(http: &Http, url: &Url, how: Found, at: &Url) -> Result<Protected, ResourceError> {
    let resp = http.get(at)?;
    match resp.status {
        200 => parse_metadata(url, how, at, &resp.body.0),
        429 | 500.. => Err(OAuthError::Unavailable {
            endpoint: endpoint_name(at),
            detail: format!("HTTP {}", resp.status),
        }
        .into()),
        _ => Err(ResourceError::NoMetadata {
            url: url.to_string(),
            tried: endpoint_name(at),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_bearer_challenge_names_the_metadata() {
        let h = vec![
            r#"Basic realm="x", Bearer error="invalid_token", resource_metadata="https://api.example/.well-known/oauth-protected-resource/mcp""#.to_string(),
        ];
        assert_eq!(
            resource_metadata(&h).as_deref(),
            Some("https://api.example/.well-known/oauth-protected-resource/mcp")
        );
        let c = challenges(&h[0]);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "Basic");
        assert_eq!(c[0].param("realm"), Some("x"));
        assert_eq!(c[1].param("ERROR"), Some("invalid_token"));
    }

    #[test]
    fn quoted_values_unescape_and_tokens_need_no_quotes() {
        let c = challenges(r#"bearer Resource_Metadata="a\"b\\c", max_age=30"#);
        assert_eq!(
            c,
            vec![Challenge {
                scheme: "bearer".into(),
                params: vec![
                    ("resource_metadata".into(), "a\"b\\c".into()),
                    ("max_age".into(), "30".into())
                ],
            }]
        );
    }

    #[test]
    fn a_token68_challenge_is_skipped_whole() {
        let c = challenges("Negotiate abc/+de==, Bearer resource_metadata=x");
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].scheme, "Negotiate");
        assert!(c[0].params.is_empty());
        assert_eq!(c[1].param("resource_metadata"), Some("x"));
    }

    #[test]
    fn broken_headers_give_what_came_before() {
        assert_eq!(challenges(""), vec![]);
        assert_eq!(challenges("=,=,"), vec![]);
        let c = challenges(r#"Bearer realm="unterminated"#);
        assert_eq!(c.len(), 1);
        assert!(c[0].params.is_empty());
        assert_eq!(resource_metadata(&["Basic realm=\"a\"".into()]), None);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Challenges written as RFC 9110 says (tokens, quoted strings with `"` and `\`
            /// escaped) are read back exactly; any text at all is read without a panic.
            #[test]
            fn written_challenges_are_read_back(
                list in prop::collection::vec(
                    ("[A-Za-z][A-Za-z0-9_-]{0,8}", prop::collection::vec(("[a-z_]{1,8}", "[ -~]{0,12}"), 0..4)),
                    1..4,
                ),
                noise in any::<String>(),
            ) {
                let header = list
                    .iter()
                    .map(|(scheme, params)| {
                        let ps: Vec<String> = params
                            .iter()
                            .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
                            .collect();
                        format!("{scheme} {}", ps.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let read = challenges(&header);
                let want: Vec<Challenge> = list
                    .iter()
                    .map(|(scheme, params)| Challenge {
                        scheme: scheme.clone(),
                        params: params.clone(),
                    })
                    .collect();
                prop_assert_eq!(read, want);
                let _ = challenges(&noise);
            }
        }
    }

    #[test]
    fn a_remote_resource_may_not_send_tok_to_this_machine() {
        let remote = url("https://api.example/mcp");
        assert!(challenged(&remote, "https://meta.example/mcp").is_ok());
        for named in [
            "http://127.0.0.1:8080/admin",
            "http://localhost/x",
            "http://meta.example/mcp",
            "not a url",
        ] {
            let e = challenged(&remote, named).unwrap_err();
            assert!(
                matches!(e, ResourceError::BadMetadata { .. }),
                "{named}: {e}"
            );
        }
        let local = url("http://127.0.0.1:3000/mcp");
        assert!(challenged(&local, "http://127.0.0.1:3000/meta").is_ok());
    }

    #[test]
    fn the_well_known_segment_goes_between_host_and_path() {
        let forms = |u: &str| -> Vec<String> {
            well_known_urls(&url(u))
                .into_iter()
                .map(|(u, _)| u.to_string())
                .collect()
        };
        assert_eq!(
            forms("https://api.example:8443/v1/mcp?x=1#f"),
            [
                "https://api.example:8443/.well-known/oauth-protected-resource/v1/mcp?x=1",
                "https://api.example:8443/.well-known/oauth-protected-resource",
            ]
        );
        assert_eq!(
            forms("https://api.example/"),
            ["https://api.example/.well-known/oauth-protected-resource"]
        );
    }

    #[test]
    fn the_path_inserted_document_must_name_the_url_itself() {
        let u = url("https://api.example/mcp");
        assert!(check_resource(&u, Found::PathInserted, "https://api.example/mcp").is_ok());
        for stated in [
            "https://api.example/",
            "https://api.example/mcp/other",
            "https://evil.example/mcp",
            "not a url",
        ] {
            assert!(
                check_resource(&u, Found::PathInserted, stated).is_err(),
                "{stated}"
            );
        }
    }

    #[test]
    fn the_root_or_challenge_document_must_name_a_same_origin_prefix() {
        let u = url("https://api.example/mcp/tools");
        for ok in [
            "https://api.example",
            "https://api.example/",
            "https://api.example/mcp",
            "https://api.example/mcp/",
            "https://api.example/mcp/tools",
        ] {
            assert!(check_resource(&u, Found::Root, ok).is_ok(), "{ok}");
            assert!(check_resource(&u, Found::Challenge, ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://api.example/mc",
            "https://api.example/mcp/tools/more",
            "http://api.example/mcp",
            "https://api.example:444/mcp",
            "https://evil.example/mcp",
            "https://api.example/mcp#x",
        ] {
            assert!(check_resource(&u, Found::Root, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_for_another_resource_or_without_servers_is_refused() {
        let u = url("https://api.example/mcp");
        let at = url("https://api.example/.well-known/oauth-protected-resource/mcp");
        let p = parse_metadata(
            &u,
            Found::PathInserted,
            &at,
            br#"{"resource":"https://api.example/mcp","authorization_servers":["https://id.example"]}"#,
        )
        .unwrap();
        assert_eq!(p.resource, "https://api.example/mcp");
        assert_eq!(p.authorization_servers, ["https://id.example"]);
        let err = parse_metadata(
            &u,
            Found::PathInserted,
            &at,
            br#"{"resource":"https://evil.example/mcp","authorization_servers":["https://id.example"]}"#,
        )
        .unwrap_err();
        assert!(matches!(err, ResourceError::Mismatch { .. }), "{err}");
        for body in [
            &br#"{"resource":"https://api.example/mcp"}"#[..],
            br#"{"resource":"https://api.example/mcp","authorization_servers":["http://id.example"]}"#,
            br#"{"resource":"https://api.example/mcp","authorization_servers":["http://127.0.0.1:1"]}"#,
            b"<html>",
        ] {
            let err = parse_metadata(&u, Found::PathInserted, &at, body).unwrap_err();
            assert!(matches!(err, ResourceError::BadMetadata { .. }), "{err}");
        }
    }
}
