//! Device authorization grant (RFC 8628).
//!
//! Polling is a pure decision ([`next_step`]) over the last answer and the current interval, and
//! the loop around it ([`poll_until`]) takes its clock and sleep as parameters, so the rules —
//! default 5 s, `slow_down` adds 5 s for good, stop at the first success, give up at the
//! deadline — are tested without waiting.

use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use super::{Client, Request};
use crate::oauth::OAuthError;
use crate::oauth::dpop::Prover;
use crate::oauth::http::{ClientAuth, endpoint_name};
use crate::oauth::token::TokenResponse;
use crate::secret::Ephemeral;

/// RFC 8628 §3.2: the polling interval when the server sends none.
pub const DEFAULT_INTERVAL: u64 = 5;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The device authorization response (§3.2), verbatim field names.
#[derive(Debug, Deserialize)]
pub struct DeviceAuthorization {
    pub device_code: Ephemeral,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    #[serde(default = "default_expiry")]
    pub expires_in: u64,
    pub interval: Option<u64>,
}

fn default_expiry() -> u64 {
    600
}

/// RFC 8628 §3.1: the request for a device code (no `grant_type`: it is not a token request),
/// with the profile's authorization parameters but `prompt` (a device login always asks).
pub fn start_request<'a>(
    url: &'a Url,
    client_id: &'a str,
    scope: Option<&'a str>,
    resource: Option<&'a str>,
    auth_params: &'a [(String, String)],
) -> Request<'a> {
    let mut req = Request {
        url,
        form: vec![],
        auth: ClientAuth::None { client_id },
    }
    .optional("scope", scope)
    .optional("resource", resource);
    req.form.extend(
        auth_params
            .iter()
            .filter(|(k, _)| k != "prompt")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    req
}

/// Ask for a device code.
pub fn start(
    client: &impl Client,
    url: &Url,
    client_id: &str,
    scope: Option<&str>,
    resource: Option<&str>,
    auth_params: &[(String, String)],
) -> Result<DeviceAuthorization, OAuthError> {
    let resp = client.post(&start_request(url, client_id, scope, resource, auth_params))?;
    parse_device_authorization(url, resp)
}

/// Turn a device authorization response into a [`DeviceAuthorization`] or a typed error.
/// Pure, for tests and fuzzing.
pub fn parse_device_authorization(
    url: &Url,
    resp: crate::oauth::http::Response,
) -> Result<DeviceAuthorization, OAuthError> {
    if !(200..300).contains(&resp.status) {
        return Err(crate::oauth::token::error_response(url, &resp));
    }
    let d: DeviceAuthorization = resp.body.object().map_err(|_| OAuthError::BadResponse {
        endpoint: endpoint_name(url),
        status: resp.status,
        content_type: resp.content_type.clone(),
        what: "not a device authorization response".into(),
    })?;
    // Everything here is shown on the user's terminal (and opened in a browser): no control
    // characters (terminal escapes), and the URIs must be http(s) URLs.
    let bad = |what: &str| OAuthError::BadResponse {
        endpoint: endpoint_name(url),
        status: resp.status,
        content_type: resp.content_type.clone(),
        what: what.into(),
    };
    if d.user_code.is_empty() || d.user_code.chars().any(char::is_control) {
        return Err(bad("invalid user_code"));
    }
    let web_url = |s: &str| {
        !s.chars().any(char::is_control)
            && Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
    };
    if !web_url(&d.verification_uri) {
        return Err(bad("invalid verification_uri"));
    }
    if d.verification_uri_complete
        .as_deref()
        .is_some_and(|u| !web_url(u))
    {
        return Err(bad("invalid verification_uri_complete"));
    }
    Ok(d)
}

/// The longest wait between polls tok accepts from a server (a broken or hostile `interval`
/// must not overflow a deadline or stall a login for hours).
pub const MAX_INTERVAL: u64 = 300;

/// The first polling interval: the server's (bounded to 1..=[`MAX_INTERVAL`]), else 5 s.
pub fn initial_interval(server: Option<u64>) -> u64 {
    server.unwrap_or(DEFAULT_INTERVAL).clamp(1, MAX_INTERVAL)
}

/// What to do after one poll.
#[derive(Debug)]
pub enum Step {
    /// Tokens arrived: stop polling now (a replayed device code may revoke the grant).
    Done(Box<TokenResponse>),
    /// Wait this long, then poll again.
    Wait(Duration),
}

/// The polling rule of RFC 8628 §3.5. `interval` is updated in place on `slow_down`.
pub fn next_step(
    answer: Result<TokenResponse, OAuthError>,
    interval: &mut u64,
) -> Result<Step, OAuthError> {
    match answer {
        Ok(t) => Ok(Step::Done(Box::new(t))),
        Err(OAuthError::Pending) => Ok(Step::Wait(Duration::from_secs(*interval))),
        Err(OAuthError::SlowDown) => {
            *interval = interval.saturating_add(5).min(MAX_INTERVAL);
            Ok(Step::Wait(Duration::from_secs(*interval)))
        }
        Err(e) => Err(e),
    }
}

/// RFC 8628 §3.4: one poll's request, with RFC 8707 `resource` as the device authorization
/// request had it (a token request without one gets the server's default audience).
pub fn poll_request<'a>(
    url: &'a Url,
    client_id: &'a str,
    device_code: &'a Ephemeral,
    resource: Option<&'a str>,
) -> Request<'a> {
    let mut req = Request::grant(url, GRANT_TYPE, ClientAuth::None { client_id });
    req.form.push(("device_code", device_code.expose()));
    req.optional("resource", resource)
}

/// One poll of the token endpoint, with a DPoP proof for a DPoP-bound login (RFC 9449 §5).
pub fn poll(
    client: &impl Client,
    url: &Url,
    client_id: &str,
    device_code: &Ephemeral,
    resource: Option<&str>,
    dpop: Option<&mut Prover<'_>>,
) -> Result<TokenResponse, OAuthError> {
    client.token(&poll_request(url, client_id, device_code, resource), dpop)
}

/// The clock of the polling loop: real time in tok, simulated time in tests.
pub trait Clock {
    fn now(&self) -> Instant;
    fn sleep(&self, d: Duration);
}

/// Real time.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
}

/// How often the wait between polls wakes up to call `tick` (a spinner's countdown).
const TICK: Duration = Duration::from_millis(100);

/// Poll with `poll` every `interval` seconds (as [`next_step`] adjusts it) until tokens come,
/// the server refuses, or `deadline` passes ([`OAuthError::Expired`]). `tick` runs during waits.
pub fn poll_until(
    clock: &dyn Clock,
    mut interval: u64,
    deadline: Instant,
    mut poll: impl FnMut() -> Result<TokenResponse, OAuthError>,
    mut tick: impl FnMut(),
) -> Result<TokenResponse, OAuthError> {
    let mut wait = Duration::from_secs(interval);
    loop {
        let until = clock.now() + wait;
        while clock.now() < until {
            if clock.now() >= deadline {
                break;
            }
            tick();
            clock.sleep(TICK.min(until.saturating_duration_since(clock.now())));
        }
        if clock.now() >= deadline {
            return Err(OAuthError::Expired);
        }
        match next_step(poll(), &mut interval)? {
            Step::Done(t) => return Ok(*t),
            Step::Wait(next) => wait = next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> Result<DeviceAuthorization, OAuthError> {
        let resp = crate::oauth::http::Response::json(200, body);
        parse_device_authorization(&Url::parse("https://id.example/device").unwrap(), resp)
    }

    #[test]
    fn terminal_escapes_and_odd_uris_are_refused() {
        let ok = r#"{"device_code":"d","user_code":"AB-CD","verification_uri":"https://id.example/device"}"#;
        assert!(answer(ok).is_ok());
        for bad in [
            r#"{"device_code":"d","user_code":"AB-CD","verification_uri":"https://id.example/\u001b]8;;evil\u0007"}"#,
            r#"{"device_code":"d","user_code":"AB-CD","verification_uri":"javascript:alert(1)"}"#,
            r#"{"device_code":"d","user_code":"AB\u001b[2J","verification_uri":"https://id.example/device"}"#,
            r#"{"device_code":"d","user_code":"AB-CD","verification_uri":"https://id.example/d","verification_uri_complete":"file:///etc/passwd"}"#,
        ] {
            assert!(
                matches!(answer(bad), Err(OAuthError::BadResponse { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn polling_rules() {
        let mut i = DEFAULT_INTERVAL;
        assert!(
            matches!(next_step(Err(OAuthError::Pending), &mut i), Ok(Step::Wait(d)) if d.as_secs() == 5)
        );
        assert!(
            matches!(next_step(Err(OAuthError::SlowDown), &mut i), Ok(Step::Wait(d)) if d.as_secs() == 10)
        );
        // slow_down is permanent
        assert!(
            matches!(next_step(Err(OAuthError::Pending), &mut i), Ok(Step::Wait(d)) if d.as_secs() == 10)
        );
        assert!(matches!(
            next_step(Err(OAuthError::AccessDenied { description: None }), &mut i),
            Err(OAuthError::AccessDenied { .. })
        ));
        assert!(matches!(
            next_step(Err(OAuthError::Expired), &mut i),
            Err(OAuthError::Expired)
        ));
    }

    /// Simulated time: `sleep` advances it.
    struct FakeClock(std::cell::Cell<Instant>);

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.0.get()
        }
        fn sleep(&self, d: Duration) {
            self.0.set(self.0.get() + d)
        }
    }

    fn tokens() -> TokenResponse {
        TokenResponse {
            access_token: crate::secret::AccessToken::new("at"),
            token_type: crate::oauth::TokenType::Bearer,
            expires_in: None,
            refresh_token: None,
            scope: None,
            server_date: None,
            id_token: None,
        }
    }

    #[test]
    fn the_loop_waits_the_interval_slows_down_and_stops_at_the_first_tokens() {
        let start = Instant::now();
        let clock = FakeClock(std::cell::Cell::new(start));
        let mut answers = vec![
            Err(OAuthError::Pending),
            Err(OAuthError::SlowDown),
            Err(OAuthError::Pending),
            Ok(tokens()),
        ]
        .into_iter();
        let mut polled_at = vec![];
        let r = poll_until(
            &clock,
            5,
            start + Duration::from_secs(600),
            || {
                polled_at.push(clock.now().duration_since(start).as_secs());
                answers.next().expect("no poll after the tokens")
            },
            || {},
        );
        assert!(r.is_ok());
        // 5 s, then 5 s, then slow_down: 10 s for good.
        assert_eq!(polled_at, [5, 10, 20, 30]);
        assert_eq!(answers.len(), 0);
    }

    #[test]
    fn the_loop_gives_up_at_the_deadline_without_polling_past_it() {
        let start = Instant::now();
        let clock = FakeClock(std::cell::Cell::new(start));
        let mut polls = 0;
        let r = poll_until(
            &clock,
            5,
            start + Duration::from_secs(12),
            || {
                polls += 1;
                Err(OAuthError::Pending)
            },
            || {},
        );
        assert!(matches!(r, Err(OAuthError::Expired)));
        assert_eq!(polls, 2, "at 5 s and 10 s; 15 s is past the deadline");
        assert!(clock.now().duration_since(start) <= Duration::from_secs(13));
    }

    #[test]
    fn the_start_and_poll_forms() {
        use super::super::fake::{Recorder, TOKENS, pairs};
        let url = Url::parse("https://id.example/device").unwrap();
        let client = Recorder::answering(
            r#"{"device_code":"dc","user_code":"U","verification_uri":"https://id.example/d"}"#,
        );
        let extra = [
            ("acr_values".to_string(), "mfa".to_string()),
            ("prompt".to_string(), "login".to_string()),
        ];
        let auth = start(
            &client,
            &url,
            "cli",
            Some("openid"),
            Some("https://api/"),
            &extra,
        )
        .unwrap();
        let sent = client.only();
        assert_eq!(
            sent.form,
            pairs(&[
                ("scope", "openid"),
                ("resource", "https://api/"),
                ("acr_values", "mfa")
            ])
        );
        assert_eq!((sent.basic, sent.client_id.as_str()), (None, "cli"));
        let client = Recorder::answering(TOKENS);
        poll(&client, &url, "cli", &auth.device_code, None, None).unwrap();
        assert_eq!(
            client.only().form,
            pairs(&[("grant_type", GRANT_TYPE), ("device_code", "dc")])
        );
        // The token request names the resource too (RFC 8707 §2.2): without it the server
        // issues the token for its default audience.
        let client = Recorder::answering(TOKENS);
        poll(
            &client,
            &url,
            "cli",
            &auth.device_code,
            Some("https://api/"),
            None,
        )
        .unwrap();
        assert_eq!(
            client.only().form,
            pairs(&[
                ("grant_type", GRANT_TYPE),
                ("device_code", "dc"),
                ("resource", "https://api/")
            ])
        );
    }

    #[test]
    fn interval_defaults_when_absent() {
        let d: DeviceAuthorization = serde_json::from_str(
            r#"{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"https://x/device","expires_in":600}"#,
        )
        .unwrap();
        assert_eq!(initial_interval(d.interval), 5);
        assert_eq!(initial_interval(Some(0)), 1);
        assert_eq!(initial_interval(Some(u64::MAX)), MAX_INTERVAL);
        let mut i = u64::MAX;
        assert!(
            next_step(Err(OAuthError::SlowDown), &mut i).is_ok(),
            "no overflow"
        );
        assert_eq!(i, MAX_INTERVAL);
        assert!(!format!("{d:?}").contains("\"dc\""));
    }
}
