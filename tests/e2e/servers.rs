//! Logins that fit servers stricter than the test provider's default client (issue 21): a
//! server that matches the registered redirect URI exactly.

use std::io::{BufReader, Read, Write};
use std::net::TcpListener;

use crate::support::{Provider, Tok, paste_callback, root, spawn_piped};

/// A loopback port free now (released at once: the provider registers it, tok binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The provider with client `tok-exact`, whose only redirect URI is `uri` (compared exactly).
fn exact_provider(uri: &str) -> Provider {
    Provider::start_with(&[("TOK_TEST_EXACT_REDIRECT", uri)])
}

/// tests/provider/chromium.mjs as `$BROWSER`, logging what Chromium saw to `log`.
fn with_chromium(tok: Tok, log: &std::path::Path) -> Tok {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run scripts/setup (Debian package `chromium`)"
    );
    let script = root().join("tests/provider/chromium.mjs");
    tok.env("BROWSER", &script.display().to_string())
        .env("TOK_TEST_CHROMIUM_LOG", &log.display().to_string())
}

/// A server that matches the redirect URI exactly refuses tok's any-free-port default, and
/// the fixed `--redirect-uri` logs in, end to end in Chromium; the URI is saved in the profile
/// and the next login uses it again.
#[test]
fn an_exact_redirect_uri_server_needs_the_fixed_port() {
    let port = free_port();
    let fixed = format!("http://127.0.0.1:{port}/oauth/cb");
    let provider = exact_provider(&fixed);

    // Any free port: the server refuses the authorization request (its error page), so no
    // callback ever comes and the login ends at its deadline.
    let tok = Tok::new();
    let r = tok
        .login_to(&provider, "exact")
        .client("tok-exact")
        .usual_scopes()
        .browser()
        .args(&["--redirect-uri", "http://127.0.0.1/oauth/cb"])
        .timeout("20s")
        .expect_failure(7);
    assert!(
        r.stderr.contains("redirect_uri"),
        "the server's refusal: {r:?}"
    );
    assert!(
        provider.stats()["token_success"]["authorization_code"]
            .as_u64()
            .unwrap_or(0)
            == 0
    );

    // The registered port: a real browser logs in and ends on tok's page on that port.
    let log = tempfile::NamedTempFile::new().unwrap();
    let tok = with_chromium(Tok::new(), log.path());
    let r = tok
        .login_to(&provider, "exact")
        .client("tok-exact")
        .usual_scopes()
        .browser()
        .args(&["--redirect-uri", &fixed])
        .timeout("120s")
        .expect_success();
    assert!(r.stderr.contains("Logged in"), "{r:?}");
    assert!(
        r.stderr.contains(&url_encoded(&fixed)),
        "the authorization URL names the fixed URI: {r:?}"
    );
    let seen: serde_json::Value =
        serde_json::from_slice(&std::fs::read(log.path()).unwrap()).unwrap();
    assert_eq!(
        seen["final_url"].as_str(),
        Some(format!("http://127.0.0.1:{port}/done").as_str()),
        "{seen}"
    );
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains(&format!("redirect_uri = \"{fixed}\"")),
        "{config}"
    );
    assert!(provider.active(&tok.print("exact")));

    // Saved: the next login needs no flag.
    let tok = tok.env(
        "BROWSER",
        &root()
            .join("tests/provider/browser.mjs")
            .display()
            .to_string(),
    );
    tok.login_profile("exact")
        .browser()
        .timeout("60s")
        .expect_success();
    assert_eq!(provider.stats()["token_success"]["authorization_code"], 2);
}

fn url_encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A fixed port another program holds fails at once, naming the port, with a hint and exit 9;
/// no browser is started and no other port is tried.
#[test]
fn a_taken_fixed_port_fails_at_once_naming_it() {
    let provider = Provider::start();
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let browser_log = tempfile::NamedTempFile::new().unwrap();
    let tok = Tok::new().env(
        "TOK_TEST_BROWSER_LOG",
        &browser_log.path().display().to_string(),
    );
    let r = tok
        .login_to(&provider, "busy")
        .usual_scopes()
        .browser()
        .args(&[
            "--redirect-uri",
            &format!("http://127.0.0.1:{port}/callback"),
        ])
        .timeout("600s")
        .expect_failure(9);
    assert!(
        r.stderr.contains(&format!("port {port} is in use")),
        "{r:?}"
    );
    assert!(
        r.stderr
            .contains("hint: stop the program listening on port"),
        "{r:?}"
    );
    assert_eq!(
        r.stderr.lines().filter(|l| l.contains("error:")).count(),
        1,
        "{r:?}"
    );
    assert!(
        std::fs::read_to_string(browser_log.path())
            .unwrap()
            .is_empty(),
        "no browser was started"
    );
    assert!(
        provider.stats()["token_success"]["authorization_code"]
            .as_u64()
            .unwrap_or(0)
            == 0
    );
    drop(held);
}

/// A redirect URI that is not a loopback http:// URI is refused before anything is saved.
#[test]
fn a_redirect_uri_off_the_loopback_host_is_refused() {
    let provider = Provider::start();
    let tok = Tok::new();
    for bad in [
        "https://127.0.0.1:8400/cb",
        "http://example.com:8400/cb",
        "http://127.0.0.1:8400/cb?x=1",
    ] {
        let r = tok
            .login_to(&provider, "bad")
            .browser()
            .args(&["--redirect-uri", bad])
            .expect_failure(2);
        assert!(
            r.stderr.contains("loopback") || r.stderr.contains("query"),
            "{r:?}"
        );
    }
    assert!(!tok.path("config/tok/config.toml").exists());
}

/// `--paste` sends the fixed redirect URI too (the exact-match server accepts it), tells the
/// user which address to copy, and reads the callback at its path.
#[test]
fn paste_honours_the_fixed_redirect_uri() {
    let port = free_port();
    let fixed = format!("http://localhost:{port}/oauth/cb");
    let provider = exact_provider(&fixed);
    let tok = Tok::new();
    let login = tok
        .login_to(&provider, "ssh")
        .client("tok-exact")
        .usual_scopes()
        .paste()
        .args(&["--redirect-uri", &fixed]);
    let mut child = spawn_piped(login.command());
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let (mut seen, callback) = paste_callback(&provider, &mut reader);
    assert!(callback.starts_with(&format!("{fixed}?")), "{callback}");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(callback.as_bytes()).unwrap();
    drop(stdin);
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    seen.push_str(&rest);
    assert!(status.success(), "{seen}");
    assert!(
        seen.contains(&format!("fails to load a page at {fixed}?")),
        "{seen}"
    );
    assert!(provider.active(&tok.print("ssh")));
}

/// The authorization parameters reach the server on a browser login, are saved in the profile
/// and sent again by the next login without flags.
#[test]
fn authorization_parameters_reach_the_server_and_are_saved() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login_with(
        &provider,
        "mfa",
        &[
            "--browser",
            "--prompt",
            "login",
            "--login-hint",
            "alice@example.test",
            "--acr-values",
            "urn:example:mfa urn:example:pwd",
            "--max-age",
            "300",
            "--ui-locales",
            "fr en",
            "--auth-param",
            "domain_hint=example.test",
        ],
    );
    let want = [
        ("prompt", "login"),
        ("login_hint", "alice@example.test"),
        ("acr_values", "urn:example:mfa urn:example:pwd"),
        ("max_age", "300"),
        ("ui_locales", "fr en"),
        ("domain_hint", "example.test"),
    ];
    let sent = |i: usize| provider.stats()["authorization_requests"][i].clone();
    for (k, v) in want {
        assert_eq!(sent(0)[k], v, "{k}: {}", sent(0));
    }
    // The login page saw them too: the server asked for a new sign-in (prompt=login).
    assert_eq!(provider.stats()["interactions"]["login"], 1);
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(config.contains("auth_params = {"), "{config}");

    // Saved; one flag changes one key and an empty value takes one out.
    tok.login_profile("mfa")
        .browser()
        .timeout("60s")
        .args(&["--max-age", "60", "--auth-param", "domain_hint="])
        .expect_success();
    assert_eq!(sent(1)["max_age"], "60", "{}", sent(1));
    assert_eq!(sent(1)["acr_values"], "urn:example:mfa urn:example:pwd");
    assert!(sent(1)["domain_hint"].is_null(), "{}", sent(1));
    assert!(provider.active(&tok.print("mfa")));
}

/// The protocol's own parameters cannot be overridden: on the command line (usage, exit 2)
/// or in the config file (exit 8), each one line naming the parameter.
#[test]
fn protocol_parameters_are_refused_as_auth_params() {
    let provider = Provider::start();
    let tok = Tok::new();
    for key in ["state", "redirect_uri", "code_challenge", "client_id"] {
        let r = tok
            .login_to(&provider, "p")
            .browser()
            .args(&["--auth-param", &format!("{key}=x")])
            .expect_failure(2);
        assert!(
            r.stderr
                .contains(&format!("`{key}` is a parameter tok sets itself")),
            "{r:?}"
        );
    }
    assert!(!tok.path("config/tok/config.toml").exists());
    tok.login_with(&provider, "p", &["--browser"]);
    tok.add_to_profile("p", "auth_params = { nonce = \"n\" }");
    let r = tok.login_profile("p").browser().expect_failure(8);
    assert!(
        r.stderr
            .contains("auth_params `nonce` is a parameter tok sets itself"),
        "{r:?}"
    );
    assert_eq!(
        provider.stats()["authorization_requests"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// The `/auth?…` URL tok printed for the browser.
fn printed_authorization_url(r: &crate::support::Run, issuer: &str) -> url::Url {
    let line = r
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{issuer}/auth?")))
        .unwrap_or_else(|| panic!("no authorization URL: {r:?}"));
    url::Url::parse(&format!("{issuer}/auth?{line}")).unwrap()
}

/// A client that requires PAR: a login without it is refused by the server (its error comes
/// back to tok's listener and ends the login at once); with `--par` the
/// request is pushed and the browser's URL (printed, and as the server saw it) holds only
/// `client_id` and `request_uri`. Saved: the next login pushes again.
#[test]
fn a_client_that_requires_par_logs_in_with_par() {
    let provider = Provider::start();
    let tok = Tok::new();
    let r = tok
        .login_to(&provider, "fapi")
        .client("tok-par")
        .usual_scopes()
        .browser()
        .timeout("60s")
        .expect_failure(8);
    assert!(
        r.stderr
            .contains("(invalid_request: Pushed Authorization Request must be used)"),
        "the server's refusal, named as an authorization error (issue 19 item 10): {r:?}"
    );
    assert!(
        provider.stats()["token_success"]["authorization_code"]
            .as_u64()
            .unwrap_or(0)
            == 0
    );

    let r = tok
        .login_to(&provider, "fapi")
        .client("tok-par")
        .usual_scopes()
        .browser()
        .arg("--par")
        .timeout("60s")
        .expect_success();
    let url = printed_authorization_url(&r, &provider.issuer);
    let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(keys, ["client_id", "request_uri"], "{url}");
    let requests = provider.stats()["authorization_requests"].clone();
    let seen = requests.as_array().unwrap().last().unwrap().clone();
    let mut seen_keys: Vec<&String> = seen.as_object().unwrap().keys().collect();
    seen_keys.sort();
    assert_eq!(seen_keys, ["client_id", "request_uri"], "{seen}");
    assert!(provider.active(&tok.print("fapi")));

    let r = tok
        .login_profile("fapi")
        .browser()
        .timeout("60s")
        .expect_success();
    assert!(
        printed_authorization_url(&r, &provider.issuer)
            .query_pairs()
            .any(|(k, _)| k == "request_uri")
    );
    assert_eq!(provider.stats()["token_success"]["authorization_code"], 2);
}

/// A server whose metadata requires PAR gets it without any option, DPoP-bound sessions
/// included (the push carries a proof); a push error is named like a token error.
#[test]
fn a_server_that_requires_par_gets_it_unasked() {
    let provider = Provider::start_with(&[("TOK_TEST_PAR_REQUIRED", "1")]);
    let tok = Tok::new();
    let r = tok.login_with(&provider, "strict", &["--browser", "--dpop"]);
    let url = printed_authorization_url(&r, &provider.issuer);
    assert_eq!(url.query_pairs().count(), 2, "{url}");
    assert!(url.query_pairs().any(|(k, _)| k == "request_uri"), "{url}");
    assert!(provider.active(&tok.print("strict")));
    assert_eq!(tok.file_session("strict")["access"]["token_type"], "DPoP");

    // A client the server does not know: the push endpoint's error, one line with its hint and
    // exit code, as the token endpoint's.
    let r = tok
        .login_to(&provider, "bad")
        .client("no-such-client")
        .usual_scopes()
        .browser()
        .expect_failure(8);
    assert!(
        r.stderr.contains("/request answered 401 invalid_client"),
        "{r:?}"
    );
    assert!(r.stderr.contains("hint: check `client_id`"), "{r:?}");
}

/// A browser that opens the start link after the pushed request expired (RFC 9126
/// `expires_in`, here 1 s; the browser starts 2.5 s late) is sent to a freshly pushed one, and
/// the login succeeds instead of ending on the server's error page.
#[test]
fn an_expired_pushed_request_is_pushed_again() {
    let provider =
        Provider::start_with(&[("TOK_TEST_PAR_REQUIRED", "1"), ("TOK_TEST_PAR_TTL", "1")]);
    let tok = Tok::new().env("TOK_TEST_BROWSER_DELAY_MS", "2500");
    let r = tok.login_with(&provider, "late", &["--browser", "--timeout", "60s", "-v"]);
    assert!(r.stderr.contains("pushing it again"), "{r:?}");
    assert!(provider.active(&tok.print("late")));
}

/// A device login sends the authorization parameters too (but `prompt`: a device login always
/// asks), and the server's sign-in interaction sees them.
#[test]
fn a_device_login_sends_the_authorization_parameters() {
    let provider = Provider::start_with(&[("TOK_TEST_DEVICE_INTERVAL", "1")]);
    let tok = Tok::new();
    tok.login_with(
        &provider,
        "tv",
        &[
            "--device",
            "--login-hint",
            "alice@example.test",
            "--acr-values",
            "urn:example:mfa",
            "--ui-locales",
            "fr",
            "--prompt",
            "consent",
        ],
    );
    let seen = provider.stats()["interaction_params"][0].clone();
    assert_eq!(seen["login_hint"], "alice@example.test", "{seen}");
    assert_eq!(seen["acr_values"], "urn:example:mfa", "{seen}");
    assert_eq!(seen["ui_locales"], "fr", "{seen}");
    assert!(seen["prompt"].is_null(), "{seen}");
    assert!(provider.active(&tok.print("tv")));
}
