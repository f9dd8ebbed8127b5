//! The HTTP client: the only file that names the HTTP crate.
//!
//! Redirects are off (a token endpoint that redirects is a misconfiguration or an attack), every
//! request has connect and total timeouts, bodies are capped, and no body is ever put into an
//! error message: only status and content type. Failed attempts are retried under
//! [`super::retry`]'s rules within one overall deadline (`TOK_HTTP_DEADLINE`).

use std::cell::RefCell;
use std::io::Read;
use std::sync::Once;
use std::time::{Duration, Instant};

use url::Url;

use super::client_assertion::Asserter;
use super::proxy::{self, ProfileProxy, Route};
use super::retry::{self, Attempt, Decision, Idempotency, Policy};
pub use super::retry::{parse_date, parse_retry_after};
use super::tls::{self, Trust};
pub use super::wire::{Body, ClientAuth, Response, endpoint_name};
use super::{OAuthError, ProxyProblem};
use crate::settings::HttpSettings;
use crate::settings::ProxyEnv;

/// The largest response body tok reads (token responses and discovery documents are small).
pub const MAX_BODY: u64 = 1024 * 1024;

pub const USER_AGENT: &str = concat!("tok/", env!("CARGO_PKG_VERSION"));

/// The clients, each built on first use: loading the system roots costs milliseconds (hundreds
/// of certificates), which a plain-http loopback issuer (a test or local provider) never needs.
/// One client per (TLS or not, proxy) pair, since the route is decided per destination.
pub struct Http {
    total: u64,
    clients: RefCell<Vec<(ClientKey, reqwest::blocking::Client)>>,
    /// The profile's trust and proxy ([`Http::set_network`]).
    network: RefCell<Network>,
    /// `HTTPS_PROXY` and friends, from [`crate::settings`].
    proxy_env: ProxyEnv,
    timeout: Duration,
    policy: Policy,
    /// `-vv`: log each request's method, endpoint, route, status, content type, size and time
    /// on stderr. Never a body, a query string, a header value or a proxy's credentials.
    trace: bool,
    /// Told about each retry (for `-v`); never given a body.
    observer: Option<Box<dyn Fn(String)>>,
    /// A `private_key_jwt` profile's client: its requests carry assertions ([`Http::set_asserter`]).
    asserter: RefCell<Option<Asserter>>,
    /// The client certificate's key on a PKCS#11 token, opened ([`Http::set_tls_key`]).
    tls_key: RefCell<Option<std::sync::Arc<dyn rustls::sign::SigningKey>>>,
}

/// What a profile says about reaching its provider: whom to trust, which proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    pub trust: Trust,
    /// The profile's `proxy` key (over the environment's).
    pub proxy: Option<ProfileProxy>,
}

/// `https` or not, and the proxy a client sends through.
type ClientKey = (bool, Option<Url>);

static PROVIDER: Once = Once::new();

fn trace(url: &Url, route: &Route, n: u32, result: &Result<Response, OAuthError>, took: Duration) {
    let endpoint = endpoint_name(url);
    let route = route.describe();
    let ms = took.as_millis();
    match result {
        Ok(r) => eprintln!(
            "tok: HTTP {endpoint} (attempt {n}, {route}) → {} ({}, {} bytes) in {ms} ms",
            r.status,
            r.content_type,
            r.body.0.len()
        ),
        Err(e) => {
            eprintln!("tok: HTTP {endpoint} (attempt {n}, {route}) failed in {ms} ms: {e}")
        }
    }
}

impl Default for Http {
    fn default() -> Self {
        Self::new(&HttpSettings::default())
    }
}

impl Http {
    /// Prepare a client. The underlying clients (and, for https, the system roots) are built on
    /// the first request: still, call this only when a request is about to be made, never on
    /// `print`'s cached path.
    pub fn new(settings: &HttpSettings) -> Self {
        Self {
            total: settings.timeout.as_secs(),
            clients: RefCell::new(vec![]),
            network: RefCell::default(),
            proxy_env: settings.proxy_env.clone(),
            timeout: settings.timeout,
            policy: Policy::with_deadline(settings.deadline),
            trace: settings.trace,
            observer: None,
            asserter: RefCell::default(),
            tls_key: RefCell::default(),
        }
    }

    /// Use `network` (a profile's trust and proxy) for the requests from now on. Reads nothing:
    /// the CA file is read when the first HTTPS client is built.
    pub fn set_network(&self, network: &Network) {
        if *self.network.borrow() != *network {
            *self.network.borrow_mut() = network.clone();
            self.clients.borrow_mut().clear();
        }
    }

    /// From now on, a request naming `a`'s client authenticates with an assertion of `a`.
    pub fn set_asserter(&self, a: Asserter) {
        *self.asserter.borrow_mut() = Some(a);
    }

    /// From now on, the handshake signs with `key` (the client certificate's key on a token).
    pub fn set_tls_key(&self, key: std::sync::Arc<dyn rustls::sign::SigningKey>) {
        *self.tls_key.borrow_mut() = Some(key);
        self.clients.borrow_mut().clear();
    }

    /// The way to `url`, and a client that takes it.
    fn client(&self, url: &Url) -> Result<(reqwest::blocking::Client, Route), OAuthError> {
        let network = self.network.borrow().clone();
        let route =
            proxy::route(url, network.proxy.as_ref(), &self.proxy_env).map_err(|(name, why)| {
                OAuthError::Proxy {
                    proxy: "setting".into(),
                    endpoint: endpoint_name(url),
                    problem: ProxyProblem::BadSetting(name, why),
                }
            })?;
        let tls = url.scheme() != "http";
        let via = match &route {
            Route::Proxy { url, .. } => Some(url.clone()),
            Route::Direct(_) => None,
        };
        let key = (tls, via.clone());
        if let Some((_, c)) = self.clients.borrow().iter().find(|(k, _)| *k == key) {
            return Ok((c.clone(), route));
        }
        PROVIDER.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let mut b = reqwest::blocking::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10.min(self.total)))
            // No idle connection reuse. The device flow waits 5+ s between polls, longer than
            // many servers keep an idle connection (Node: 5 s); a POST sent on a connection the
            // server is closing fails mid-flight and, for a refresh, must not be resent. tok
            // makes a handful of requests per process, so a fresh connection costs little.
            .pool_max_idle_per_host(0)
            // The route is decided above (`proxy::route`), never by the crate's own lookup.
            .no_proxy();
        if let Some(p) = &via {
            let proxy = reqwest::Proxy::all(p.as_str()).map_err(|e| OAuthError::Proxy {
                proxy: proxy::display(p),
                endpoint: endpoint_name(url),
                problem: ProxyProblem::BadSetting("its URL", format!("is unusable ({e})")),
            })?;
            b = b.proxy(proxy);
        }
        if tls || via.as_ref().is_some_and(|p| p.scheme() == "https") {
            b = b.tls_backend_preconfigured(tls::client_config(
                &network.trust,
                self.tls_key.borrow().clone(),
            )?);
        } else {
            // No TLS will happen on this client (redirects are off): skip the system roots.
            b = b.tls_certs_only(std::iter::empty());
        }
        let client = b.build().map_err(|e| OAuthError::Unavailable {
            endpoint: "HTTP client".into(),
            detail: e.to_string(),
        })?;
        self.clients.borrow_mut().push((key, client.clone()));
        Ok((client, route))
    }

    /// Report retries through `f` (one line each, no bodies).
    pub fn set_observer(&mut self, f: impl Fn(String) + 'static) {
        self.observer = Some(Box::new(f));
    }

    /// GET a document; transient failures are retried (a GET spends nothing).
    pub fn get(&self, url: &Url) -> Result<Response, OAuthError> {
        let (client, route) = self.client(url)?;
        self.send(url, &route, Idempotency::Idempotent, || {
            client.get(url.clone()).header("accept", "application/json")
        })
    }

    /// GET a document with `Authorization: bearer TOKEN` (a CI platform's identity-token
    /// endpoint); retried like [`Http::get`]: asking for an identity token spends nothing.
    pub fn get_bearer(&self, url: &Url, token: &str) -> Result<Response, OAuthError> {
        let (client, route) = self.client(url)?;
        self.send(url, &route, Idempotency::Idempotent, || {
            client
                .get(url.clone())
                .header("accept", "application/json")
                .header("authorization", format!("bearer {token}"))
        })
    }

    /// POST an `application/x-www-form-urlencoded` body. Retried only when the server provably
    /// did not process it (see [`super::retry`]): a POST to a token endpoint may spend a code or
    /// a rotating refresh token.
    pub fn post_form(
        &self,
        url: &Url,
        form: &[(&str, &str)],
        auth: &ClientAuth<'_>,
        dpop: Option<&dyn Fn() -> String>,
    ) -> Result<Response, OAuthError> {
        let asserter = self.asserter.borrow();
        let named = |a: &&Asserter| matches!(auth, ClientAuth::None { client_id } if a.client_id == *client_id);
        let jwt = asserter.as_ref().filter(named).map(ClientAuth::Jwt);
        let auth = jwt.as_ref().unwrap_or(auth);
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        if let ClientAuth::None { client_id } = auth {
            fields.push(("client_id", client_id));
        }
        let (client, route) = self.client(url)?;
        // A fresh assertion (new `jti`) for every attempt (RFC 7523 §3).
        let attempts = match auth {
            ClientAuth::Jwt(a) => Some(a.attempts()?),
            _ => None,
        };
        self.send(url, &route, Idempotency::Once, || {
            let mut req = client
                .post(url.clone())
                .header("accept", "application/json");
            if let ClientAuth::Basic { client_id, secret } = auth {
                // RFC 6749 §2.3.1: form-urlencode both parts before Basic encoding.
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                req = req.basic_auth(enc(client_id), Some(enc(secret.expose())));
            }
            // A fresh proof (new `jti`) for every attempt: a retried request must not look
            // like a replay (RFC 9449 §11.1).
            if let Some(proof) = dpop {
                req = req.header("DPoP", proof());
            }
            if let Some(a) = &attempts {
                return req.form(&a.fields(&fields));
            }
            req.form(&fields)
        })
    }

    /// RFC 7591/7592: POST `json` (a registration), or without it DELETE with the `bearer`
    /// registration access token; resent only when provably unprocessed.
    pub fn registration(
        &self,
        url: &Url,
        json: Option<&serde_json::Value>,
        bearer: &str,
    ) -> Result<Response, OAuthError> {
        let (client, route) = self.client(url)?;
        self.send(url, &route, Idempotency::Once, || match json {
            Some(j) => client.post(url.clone()).json(j),
            None => client.delete(url.clone()).bearer_auth(bearer),
        })
    }

    /// POST an unsigned AWS Query API call (STS `AssumeRoleWithWebIdentity`): a form without
    /// client authentication, answered in XML. Retried like a GET: assuming a role spends
    /// nothing, and the web identity token may be presented again.
    pub fn post_query(&self, url: &Url, form: &[(&str, &str)]) -> Result<Response, OAuthError> {
        let (client, route) = self.client(url)?;
        self.send(url, &route, Idempotency::Idempotent, || {
            client
                .post(url.clone())
                .header("accept", "text/xml")
                .form(form)
        })
    }

    /// Send `build()` until [`retry::decide`] says stop, within the overall deadline.
    fn send(
        &self,
        url: &Url,
        route: &Route,
        kind: Idempotency,
        build: impl Fn() -> reqwest::blocking::RequestBuilder,
    ) -> Result<Response, OAuthError> {
        let started = Instant::now();
        let mut n = 0;
        loop {
            n += 1;
            let left = self.policy.deadline.saturating_sub(started.elapsed());
            let limit = self.timeout.min(left).max(Duration::from_millis(100));
            let sent = Instant::now();
            let (attempt, result) = self.send_once(url, route, build().timeout(limit));
            if self.trace {
                trace(url, route, n, &result, sent.elapsed());
            }
            // A refused certificate or a proxy asking for credentials gives the same answer
            // every time: say so at once rather than after the retries.
            if let Err(
                OAuthError::Certificate { .. }
                | OAuthError::Proxy {
                    problem: ProxyProblem::AuthRequired | ProxyProblem::BadSetting(..),
                    ..
                },
            ) = &result
            {
                return result;
            }
            let elapsed = started.elapsed();
            match retry::decide(&self.policy, kind, n, attempt, elapsed, retry::jitter()) {
                Decision::Stop => return result,
                Decision::GiveUp => {
                    if n > 1
                        && let Some(f) = &self.observer
                    {
                        f(format!(
                            "giving up on {} after {n} attempts in {} ms",
                            endpoint_name(url),
                            elapsed.as_millis()
                        ));
                    }
                    return result;
                }
                Decision::Retry(delay) => {
                    if let Some(f) = &self.observer {
                        let why = match (&attempt, &result) {
                            (Attempt::Answered { status, .. }, _) => format!("HTTP {status}"),
                            (_, Err(e)) => e.to_string(),
                            (_, Ok(_)) => "no answer".into(),
                        };
                        f(format!(
                            "attempt {n} failed ({why}); retrying in {} ms",
                            delay.as_millis()
                        ));
                    }
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// One attempt, and how it ended for the retry decision.
    fn send_once(
        &self,
        url: &Url,
        route: &Route,
        req: reqwest::blocking::RequestBuilder,
    ) -> (Attempt, Result<Response, OAuthError>) {
        let endpoint = endpoint_name(url);
        let via = match route {
            Route::Proxy { url, from } => Some(format!("{} ({from})", proxy::display(url))),
            Route::Direct(_) => None,
        };
        let resp = match req.send() {
            Ok(r) => r,
            Err(e) => {
                let (attempt, err) = unanswered(&e, url, endpoint, via);
                return (attempt, Err(err));
            }
        };
        let mut head = head(&resp);
        let status = head.status;
        let mut body = Vec::new();
        if let Err(e) = resp.take(MAX_BODY + 1).read_to_end(&mut body) {
            return (
                Attempt::InFlight,
                Err(OAuthError::Interrupted {
                    endpoint,
                    detail: format!(
                        "HTTP {status}, reading the response failed: {}",
                        read_error(&e)
                    ),
                }),
            );
        }
        // A plain-http request through a proxy gets the proxy's 407 as its answer.
        if status == 407
            && let Some(proxy) = via
        {
            return (
                Attempt::Answered {
                    status,
                    retry_after: None,
                },
                Err(OAuthError::Proxy {
                    proxy,
                    endpoint,
                    problem: ProxyProblem::AuthRequired,
                }),
            );
        }
        let attempt = Attempt::Answered {
            status,
            retry_after: head.retry_after,
        };
        if body.len() as u64 > MAX_BODY {
            return (
                attempt,
                Err(OAuthError::BadResponse {
                    endpoint,
                    status,
                    content_type: head.content_type,
                    what: format!("body larger than {} KiB", MAX_BODY / 1024),
                }),
            );
        }
        head.body = Body(body);
        (attempt, Ok(head))
    }
}

/// What a request that got no response became: not sent (the TLS handshake refused, no
/// connection — through a proxy, the proxy's failure), or sent and cut off.
fn unanswered(
    e: &reqwest::Error,
    url: &Url,
    endpoint: String,
    via: Option<String>,
) -> (Attempt, OAuthError) {
    if let Some(problem) = tls::problem_in(e) {
        let host = host_port(url);
        let err = OAuthError::Certificate {
            host,
            problem,
            proxy: via,
        };
        return (Attempt::NotSent, err);
    }
    let detail = describe(e);
    match (e.is_connect(), via) {
        // Through a proxy, a failed connection is the proxy's: name it.
        (true, Some(proxy)) => {
            let problem = proxy_problem(e);
            let err = OAuthError::Proxy {
                proxy,
                endpoint,
                problem,
            };
            (Attempt::NotSent, err)
        }
        // The connection was never made (refused, DNS, connect timeout): nothing was sent.
        (true, None) => (
            Attempt::NotSent,
            OAuthError::Unavailable { endpoint, detail },
        ),
        // Sent, and then no complete answer: the server may have acted on it.
        (false, _) => (
            Attempt::InFlight,
            OAuthError::Interrupted { endpoint, detail },
        ),
    }
}

/// `host:port` of a URL, as `openssl s_client -connect` takes it.
fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    let port = url.port_or_known_default().unwrap_or(443);
    format!("{host}:{port}")
}

/// What went wrong on the way through a proxy: its CONNECT answer (hyper-util's tunnel errors
/// are not public types; their messages are stable), or the connection to it.
fn proxy_problem(e: &reqwest::Error) -> ProxyProblem {
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        let msg = s.to_string();
        if msg.contains("proxy authorization required") {
            return ProxyProblem::AuthRequired;
        }
        if msg.contains("tunnel error: unsuccessful") {
            return ProxyProblem::Refused(
                "it answered the CONNECT with an error: it could not reach the host, or its policy forbids it".into(),
            );
        }
        if msg.contains("tunnel error: unexpected end of file")
            || msg.contains("tunnel error: io error")
        {
            return ProxyProblem::Refused("it closed the connection without an answer".into());
        }
        src = s.source();
    }
    ProxyProblem::Unreachable(
        describe(e)
            .trim_start_matches("cannot connect (")
            .trim_end_matches(')')
            .to_string(),
    )
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    if e.is_connect() {
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = src {
            // hyper-util's resolver error ("dns error: …") hides the kind behind "other".
            if s.to_string().starts_with("dns error") {
                return "cannot connect (the host name does not resolve)".into();
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                return format!("cannot connect ({})", io_kind(io));
            }
            src = s.source();
        }
        return "cannot connect".into();
    }
    let mut msg = "request failed".to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("request failed: {s}");
        src = s.source();
    }
    msg
}

/// An error while reading a body: reqwest wraps the cause (timeout, reset) in an I/O error.
fn read_error(e: &std::io::Error) -> String {
    let mut src: Option<&dyn std::error::Error> = e.get_ref().map(|r| r as _);
    while let Some(s) = src {
        if let Some(r) = s.downcast_ref::<reqwest::Error>()
            && r.is_timeout()
        {
            return "timed out".into();
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io_kind(io);
        }
        src = s.source();
    }
    io_kind(e)
}

/// A response's status and the headers tok reads, its body still empty.
fn head(resp: &reqwest::blocking::Response) -> Response {
    let headers = resp.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let date = header("date").and_then(|d| parse_date(&d));
    Response {
        status: resp.status().as_u16(),
        content_type: header("content-type").unwrap_or_else(|| "no content type".into()),
        date,
        retry_after: header("retry-after").and_then(|v| parse_retry_after(&v, date)),
        dpop_nonce: header("dpop-nonce"),
        www_authenticate: headers
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect(),
        body: Body(vec![]),
    }
}

fn io_kind(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => "connection refused".into(),
        ConnectionReset => "connection reset".into(),
        TimedOut => "timed out".into(),
        UnexpectedEof => "connection closed early".into(),
        _ => e.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_name_drops_query_and_credentials() {
        let u = Url::parse("https://u:p@h.example/token?x=secret#f").unwrap();
        assert_eq!(endpoint_name(&u), "https://h.example/token");
    }
}
