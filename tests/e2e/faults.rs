//! Network faults the real provider will not produce, from tests/support/faults.py placed in
//! front of it as the profile's `token_endpoint`. Each fault gets a one-line error naming the
//! endpoint and status, never the body, a distinct exit code, and leaves the stored session as it
//! was; a later `print` against the healthy provider works. See: issue 4.

use std::process::Command;
use std::time::Duration;

use crate::support::{ChildGuard, Keyring, Provider, Run, Tok, logged_in, root, start_service};

/// The body marker every invented fault response carries.
pub const CANARY: &str = "FAULT-BODY-CANARY";

/// tests/support/faults.py, forwarding success modes to `upstream`.
pub struct Faults {
    _child: ChildGuard,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Faults {
    pub fn start(upstream: &Provider) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (child, line) = start_service(
            "tests/support/faults.py (/usr/bin/python3)",
            || {
                let mut c = Command::new("/usr/bin/python3");
                c.arg(root().join("tests/support/faults.py"))
                    .arg(&upstream.issuer);
                c
            },
            &dir.path().join("stderr"),
            1,
            Duration::from_secs(300),
        );
        let port = line
            .parse()
            .unwrap_or_else(|_| panic!("fault server: {line:?}"));
        Self {
            _child: child.without_grace(),
            port,
            _dir: dir,
        }
    }

    pub fn url(&self, mode: &str) -> String {
        format!("http://127.0.0.1:{}/{mode}/token", self.port)
    }

    /// The issuer of a metadata mode (`split_metadata`, …).
    pub fn issuer(&self, mode: &str) -> String {
        format!("http://127.0.0.1:{}/{mode}", self.port)
    }

    /// Requests received per mode.
    pub fn hits(&self, mode: &str) -> u64 {
        let r = tok::Http::default()
            .get(&url::Url::parse(&format!("http://127.0.0.1:{}/__hits", self.port)).unwrap())
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&r.body.0).unwrap();
        v[mode].as_u64().unwrap_or(0)
    }

    /// Point profile `work` of `tok` at this front's `mode` as its token endpoint, then run
    /// `tok print -p work --force-refresh ARGS`.
    pub fn refresh(&self, tok: &Tok, mode: &str, args: &[&str]) -> Run {
        set_token_endpoint(tok, "work", Some(&self.url(mode)));
        let mut argv = vec!["print", "-p", "work", "--force-refresh"];
        argv.extend_from_slice(args);
        tok.run(&argv)
    }
}

/// Point profile `name`'s token endpoint at `url` (`None`: back to discovery).
pub fn set_token_endpoint(tok: &Tok, name: &str, url: Option<&str>) {
    let path = tok.path("config/tok/config.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: String = text
        .lines()
        .filter(|l| !l.starts_with("token_endpoint"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, kept).unwrap();
    if let Some(u) = url {
        tok.add_to_profile(name, &format!("token_endpoint = \"{u}\""));
    }
}

/// The one-line error rule: an error line naming `endpoint`, at most a hint besides, no body.
fn assert_one_line_error(r: &Run, endpoint: &str) {
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(
        !lines.is_empty() && lines.len() <= 2,
        "one error line and a hint: {r:?}"
    );
    assert!(lines[0].contains(endpoint), "names the endpoint: {r:?}");
    if let Some(h) = lines.get(1) {
        assert!(h.trim_start().starts_with("hint: "), "{r:?}");
    }
    assert!(!r.stderr.contains(CANARY), "the body leaked: {r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
}

#[test]
fn malformed_responses_leave_the_session_unchanged() {
    let provider = Provider::start();
    let faults = Faults::start(&provider);
    let tok = Tok::new().env("TOK_HTTP_TIMEOUT", "2");
    tok.login(&provider, "work");
    let at = tok.print("work");
    let before = tok.file_session("work");
    // (mode, exit code, what the error says besides the endpoint)
    let cases = [
        ("html502", 4, "HTTP 502 (text/html)"),
        ("status500", 4, "HTTP 500 (text/html)"),
        ("empty200", 5, "HTTP 200, application/json): empty body"),
        ("truncated", 5, "truncated JSON"),
        ("no_access_token", 5, "no access_token"),
        ("unknown_token_type", 5, "unsupported token_type \"MAC\""),
        ("expires_negative", 5, "negative expires_in (-60)"),
        ("expires_huge", 5, "implausible expires_in"),
        ("expires_string", 5, "expires_in is not a number"),
        ("huge_body", 5, "body larger than 1024 KiB"),
        ("hang", 4, "did not answer in full (timed out)"),
        (
            "redirect302",
            5,
            "HTTP 302, text/plain): unexpected redirect",
        ),
        ("bad_utf8", 5, "not JSON"),
        ("unknown_error", 1, "answered 400 weird_error: described"),
        ("ratelimit_long", 4, "HTTP 429 (text/plain)"),
    ];
    for (mode, code, says) in cases {
        let r = faults.refresh(&tok, mode, &[]);
        assert_eq!(r.code, code, "{mode}: {r:?}");
        assert!(r.stderr.contains(says), "{mode}: {r:?}");
        assert_one_line_error(&r, &faults.url(mode));
        assert_eq!(
            tok.file_session("work"),
            before,
            "{mode}: session unchanged"
        );
        assert_eq!(
            faults.hits(mode),
            1,
            "{mode}: a token request is not resent"
        );
        // The cached token is still served without --force-refresh.
        assert_eq!(tok.print("work"), at, "{mode}");
    }
    set_token_endpoint(&tok, "work", None);
    let fresh = tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    assert_ne!(fresh, at);
    assert!(provider.active(&fresh));
    assert_eq!(provider.refreshes(), 1);
    assert_eq!(provider.grants_revoked(), 0);
    eprintln!("malformed responses tried: {}", cases.len());
}

#[test]
fn retry_after_and_503_storms_are_retried_then_succeed() {
    let (provider, tok) = logged_in(&[]);
    let faults = Faults::start(&provider);
    let rt = tok.refresh_token("work");

    let r = faults.refresh(&tok, "ratelimit", &["-v"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(faults.hits("ratelimit"), 2, "one 429, one retry after it");
    assert!(r.stderr.contains("attempt 1 failed (HTTP 429)"), "{r:?}");
    assert!(
        r.stderr.contains("retrying in 1000 ms"),
        "Retry-After honoured: {r:?}"
    );

    // 503 with Retry-After is a server's deliberate overload answer: retried.
    let r = faults.refresh(&tok, "storm503ra", &[]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(faults.hits("storm503ra"), 4, "three 503s, then success");

    // A bare 503 may come from a proxy after the server processed the refresh: not resent.
    let before = tok.file_session("work");
    let r = faults.refresh(&tok, "storm503", &[]);
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(faults.hits("storm503"), 1, "a bare 503 is not retried");
    assert_eq!(tok.file_session("work"), before);

    assert_eq!(
        provider.refreshes(),
        2,
        "each retried request reached the provider once"
    );
    assert_eq!(provider.grants_revoked(), 0);
    assert_ne!(
        tok.refresh_token("work"),
        rt,
        "rotation kept through the proxy"
    );
    tok.assert_no_leak(&[rt]);
}

#[test]
fn the_overall_deadline_bounds_retries() {
    let provider = Provider::start();
    let faults = Faults::start(&provider);
    let tok = Tok::new().env("TOK_HTTP_DEADLINE", "2");
    tok.login(&provider, "work");
    let before = tok.file_session("work");
    let r = faults.refresh(&tok, "always503ra", &["-v"]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stderr.contains("giving up on"), "{r:?}");
    let hits = faults.hits("always503ra");
    assert!((2..10).contains(&hits), "bounded backoff, {hits} attempts");
    assert_eq!(tok.file_session("work"), before);
}

#[test]
fn connection_refused_is_retried_within_the_deadline() {
    let provider = Provider::start();
    let tok = Tok::new().env("TOK_HTTP_DEADLINE", "2");
    tok.login(&provider, "work");
    // A port nobody listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/token");
    set_token_endpoint(&tok, "work", Some(&url));
    let r = tok.run(&["print", "-p", "work", "--force-refresh", "-v"]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stderr.contains("connection refused"), "{r:?}");
    assert!(
        r.stderr.contains("retrying in"),
        "refused means not sent: {r:?}"
    );
}

#[test]
fn a_refresh_cut_off_in_flight_is_not_resent_and_the_loss_is_explained() {
    let (provider, tok) = logged_in(&[]);
    let faults = Faults::start(&provider);
    // Learn that the provider rotates.
    tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    let rt = tok.refresh_token("work");

    let r = faults.refresh(&tok, "reset_after_upstream", &[]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stderr.contains("may have been processed"), "{r:?}");
    assert!(r.stderr.contains("may be lost"), "{r:?}");
    assert_eq!(faults.hits("reset_after_upstream"), 1, "never resent");
    assert_eq!(provider.refreshes(), 2, "the provider did process it");
    assert_eq!(tok.refresh_token("work"), rt, "nothing arrived to store");

    // The provider rotated: the stored token is spent. Say so plainly.
    set_token_endpoint(&tok, "work", None);
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("was cut off after it was sent"), "{r:?}");
    assert!(r.stderr.contains("rotates refresh tokens"), "{r:?}");
    assert!(r.stderr.contains("hint: run `tok login -p work`"), "{r:?}");
    tok.assert_no_leak(&[rt]);
}

// See: issue 11 item 9 — a proxy's 503 after the provider rotated: a retry would replay the
// spent refresh token and reuse detection would revoke the whole grant.
#[test]
fn a_refresh_answered_with_a_bare_503_is_not_resent() {
    let (provider, tok) = logged_in(&[]);
    let faults = Faults::start(&provider);
    let rt = tok.refresh_token("work");
    let r = faults.refresh(&tok, "proxy503_after_upstream", &[]);
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(faults.hits("proxy503_after_upstream"), 1, "never resent");
    assert_eq!(provider.refreshes(), 1, "the provider processed it once");
    assert_eq!(
        provider.grants_revoked(),
        0,
        "no replay, no reuse detection"
    );
    assert_eq!(tok.refresh_token("work"), rt, "nothing arrived to store");
    tok.assert_no_leak(&[rt]);
}

#[test]
fn clock_skew_is_measured_from_the_date_header() {
    let (provider, tok) = logged_in(&[]);
    let faults = Faults::start(&provider);
    let r = faults.refresh(&tok, "skew_ahead", &[]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("s ahead of this machine's"), "{r:?}");
    let s: serde_json::Value =
        serde_json::from_str(&tok.run(&["status", "--json"]).stdout).unwrap();
    let skew = s["profiles"][0]["clock_skew"].as_i64().unwrap();
    assert!((595..=605).contains(&skew), "{skew}");
    let left = s["profiles"][0]["access_expires_in"].as_i64().unwrap();
    // The provider issues 300 s tokens; applying a 600 s skew would make this negative.
    assert!(
        left > 250,
        "expiry counted from our own clock, not skewed: {left}"
    );
    // A healthy refresh measures no skew again.
    faults.refresh(&tok, "proxy", &[]).token();
    let s: serde_json::Value =
        serde_json::from_str(&tok.run(&["status", "--json"]).stdout).unwrap();
    assert!(s["profiles"][0]["clock_skew"].is_null(), "{s}");
}

#[test]
fn an_8_kb_token_round_trips_through_the_secret_service() {
    let keyring = Keyring::start();
    let provider = Provider::start();
    let faults = Faults::start(&provider);
    let tok = Tok::new().in_keychain(&keyring);
    tok.login(&provider, "work");
    let big = faults.refresh(&tok, "big_token", &[]).token();
    assert!(big.len() > 8192, "{}", big.len());
    // (`secret-tool lookup` itself stops at 8192 bytes: "password is too long", so the item is
    // read back through tok.) Served again from the cache, then, with the cache gone, from the
    // Secret Service item, the only other place that holds it.
    assert_eq!(tok.print("work"), big);
    std::fs::remove_dir_all(tok.path("run/tok/tokens")).unwrap();
    assert!(
        tok.any_file_contains(&big[..64]).is_empty(),
        "no file holds it"
    );
    let r = tok.run(&["print", "-p", "work", "-v"]);
    assert_eq!(r.token(), big);
    assert!(
        r.stderr
            .contains("the Secret Service holds a newer access token"),
        "{r:?}"
    );
    tok.assert_no_leak(&[big]);
}

/// Issue 11 item 13: an `error_description` with a right-to-left override, a zero-width space,
/// the refresh token tok just sent, and a 10 KB tail reaches the terminal as one bounded line
/// without any of them; at `-vv` no endpoint is printed with its query string.
#[test]
fn a_hostile_error_description_is_cleaned_before_the_terminal() {
    let (provider, tok) = logged_in(&[]);
    let faults = Faults::start(&provider);
    let rt = tok.refresh_token("work");
    let url = format!("{}?tenant=QUERY-SECRET", faults.url("hostile_description"));
    set_token_endpoint(&tok, "work", Some(&url));
    let r = tok.run(&["print", "-p", "work", "--force-refresh", "-vv"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("weird_error: bad"), "{r:?}");
    for bad in ['\u{202e}', '\u{200b}'] {
        assert!(
            !r.stderr.contains(bad),
            "format character {bad:?} passed: {r:?}"
        );
    }
    assert!(
        !r.stderr.contains(&rt),
        "the refresh token was echoed: {r:?}"
    );
    assert!(
        !r.stderr.contains("QUERY-SECRET"),
        "an endpoint's query was printed: {r:?}"
    );
    assert!(!r.stderr.contains(CANARY), "no length cap: {r:?}");
    let error_line = r
        .stderr
        .lines()
        .find(|l| l.contains("weird_error"))
        .unwrap();
    assert!(error_line.chars().count() < 600, "{error_line}");
    assert_eq!(faults.hits("hostile_description"), 1);
}
