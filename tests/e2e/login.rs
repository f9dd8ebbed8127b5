//! `tok login`: browser and device flows against the real provider.

use crate::support::{Provider, Rig, Tok, logged_in};

#[test]
fn browser_login_stores_a_working_session() {
    browser_login_stores_a_working_session_on(Rig::http());
}

fn browser_login_stores_a_working_session_on(rig: Rig) {
    let provider = rig.provider();
    let tok = rig.tok();
    let browser_log = tok.path("browser.log");
    let tok = tok.env("TOK_TEST_BROWSER_LOG", browser_log.to_str().unwrap());
    let r = tok.login(&provider, "work");
    assert!(r.stdout.is_empty(), "login prints nothing on stdout: {r:?}");
    assert!(r.stderr.contains("Sign in with your browser"), "{r:?}");
    assert!(
        r.stderr.contains("/auth?"),
        "the URL is always printed: {r:?}"
    );
    assert!(r.stderr.contains("Logged in: profile `work`"), "{r:?}");
    // The browser was launched on tok's one-time start link, not the authorization URL: its
    // argv is readable by every local user (issue 11 item 2).
    let launched = std::fs::read_to_string(&browser_log).unwrap();
    assert!(launched.starts_with("http://127.0.0.1:"), "{launched}");
    assert!(launched.contains("/start/"), "{launched}");
    assert!(
        !launched.contains("code_challenge") && !launched.contains("state="),
        "{launched}"
    );
    assert!(r.stderr.contains("code_challenge_method=S256"), "{r:?}");
    assert_eq!(provider.stats()["token_success"]["authorization_code"], 1);
    // The profile was written to the config file.
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains("[profiles.work]") && config.contains("client_id = \"tok-cli\""),
        "{config}"
    );
    // The access token works at the provider.
    let token = tok.print("work");
    assert!(provider.active(&token));
    tok.assert_no_leak(&[token, tok.refresh_token("work")]);
}

/// The same over HTTPS with a private CA (issue 14).
#[test]
fn browser_login_stores_a_working_session_over_https() {
    browser_login_stores_a_working_session_on(Rig::https());
}

#[test]
fn device_login_polls_until_approved() {
    device_login_polls_until_approved_on(Rig::http());
}

fn device_login_polls_until_approved_on(rig: Rig) {
    let provider = rig.provider_with(&[("TOK_TEST_DEVICE_INTERVAL", "1")]);
    let tok = rig.tok();
    let browser_log = tok.path("browser.log");
    let tok = tok.env("TOK_TEST_BROWSER_LOG", browser_log.to_str().unwrap());
    let r = tok.login_with(&provider, "dev", &["--device"]);
    assert!(r.stderr.contains("and enter the code: "), "{r:?}");
    assert!(
        r.stderr.contains("Waiting for approval"),
        "plain progress line when not a terminal: {r:?}"
    );
    // verification_uri_complete was opened in the browser.
    let launched = std::fs::read_to_string(&browser_log).unwrap();
    assert!(launched.contains("/device?user_code="), "{launched}");
    let stats = provider.stats();
    // Polling stopped at the first success: exactly one successful device-code exchange.
    assert_eq!(
        stats["token_success"]["urn:ietf:params:oauth:grant-type:device_code"],
        1
    );
    assert_eq!(stats["grants_revoked"], 0);
    assert!(provider.active(&tok.print("dev")));
}

/// The same over HTTPS with a private CA (issue 14).
#[test]
fn device_login_polls_until_approved_over_https() {
    device_login_polls_until_approved_on(Rig::https());
}

#[test]
fn device_login_honours_slow_down() {
    let provider = Provider::start_with(&[
        ("TOK_TEST_DEVICE_INTERVAL", "1"),
        ("TOK_TEST_SLOW_DOWN", "1"),
    ]);
    let tok = Tok::new().env("TOK_TEST_BROWSER_DELAY_MS", "1500");
    tok.login_to(&provider, "dev")
        .scope("openid")
        .device()
        .expect_success();
    let stats = provider.stats();
    // One pending → slow_down (interval 1 → 6 s), then the approval arrives: no error, one success.
    assert_eq!(
        stats["token_success"]["urn:ietf:params:oauth:grant-type:device_code"],
        1
    );
    // The waits, as the provider saw them: 1 s until the slow_down, 6 s (1 + 5) after it. A tok
    // that ignored slow_down would poll again after 1 s; one that restarted at the 5 s default
    // would wait 10 s. The upper bounds leave room for a loaded machine.
    let polls = stats["device_polls"].as_array().unwrap();
    let answers: Vec<&str> = polls
        .iter()
        .map(|p| p["answer"].as_str().unwrap())
        .collect();
    let slow = answers
        .iter()
        .position(|a| *a == "slow_down")
        .unwrap_or_else(|| panic!("no slow_down sent: {answers:?}"));
    assert_eq!(answers.last(), Some(&"ok"), "{answers:?}");
    let ms: Vec<i64> = polls.iter().map(|p| p["ms"].as_i64().unwrap()).collect();
    for (i, gap) in ms.windows(2).map(|w| w[1] - w[0]).enumerate() {
        let want = if i < slow { 1000 } else { 6000 };
        assert!(
            (want - 100..want + 3500).contains(&gap),
            "poll {} came {gap} ms after the previous one, want ~{want} ms: {answers:?} {ms:?}",
            i + 1
        );
    }
    assert!(
        ms.len() > slow + 1,
        "a poll after the slow_down: {answers:?}"
    );
}

#[test]
fn denied_login_exits_7_and_stores_nothing() {
    let provider = Provider::start();
    let tok = Tok::new().env("TOK_TEST_BROWSER_DENY", "1");
    let r = tok.login_to(&provider, "work").browser().expect_failure(7);
    assert!(r.stderr.contains("denied"), "{r:?}");
    assert!(r.stderr.contains("hint: run `tok login -p work`"), "{r:?}");
    assert!(!tok.path("data/tok/sessions/work.json").exists());
}

#[test]
fn device_login_denied_exits_7() {
    let provider = Provider::start_with(&[("TOK_TEST_DEVICE_INTERVAL", "1")]);
    let tok = Tok::new().env("TOK_TEST_BROWSER_DENY", "1");
    tok.login_to(&provider, "d").device().expect_failure(7);
}

#[test]
fn browser_login_times_out_with_a_clear_message() {
    let provider = Provider::start();
    // A browser that never arrives.
    let tok = Tok::new().env("BROWSER", "true");
    let r = tok
        .login_to(&provider, "work")
        .browser()
        .timeout("1s")
        .expect_failure(7);
    assert!(r.stderr.contains("not approved in time"), "{r:?}");
}

#[test]
fn plain_http_issuer_is_refused_unless_loopback() {
    let tok = Tok::new();
    let r = tok
        .login_at("http://id.example.com", "x")
        .client("c")
        .expect_failure(8);
    assert!(r.stderr.contains("must use https://"), "{r:?}");
    assert!(
        !tok.path("config/tok/config.toml").exists(),
        "nothing written on a refused issuer"
    );
}

#[test]
fn second_login_needs_no_flags() {
    let (provider, tok) = logged_in(&[]);
    let r = tok.run(&["login", "--browser"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(provider.stats()["token_success"]["authorization_code"], 2);
}

#[test]
fn the_loopback_listener_survives_a_hostile_local_client() {
    // See: issue 4. Forged, stateless and foreign requests and a silent connection come first;
    // the real callback still ends the login, and the port is reachable on 127.0.0.1 only.
    let provider = Provider::start();
    let log = tempfile::NamedTempFile::new().unwrap();
    let tok = Tok::new().with_hostile_browser(log.path());
    let r = tok.login(&provider, "work");
    assert!(r.stderr.contains("Logged in"), "{r:?}");
    let steps: Vec<serde_json::Value> = std::fs::read_to_string(log.path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["step"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {steps:?}"))
            .clone()
    };
    assert_eq!(step("forged_state")["status"], "HTTP/1.1 400 Bad Request");
    assert_eq!(step("no_state")["status"], "HTTP/1.1 400 Bad Request");
    assert_eq!(step("other_path")["status"], "HTTP/1.1 404 Not Found");
    assert_eq!(step("ipv6_loopback")["reachable"], false);
    if let Some(s) = steps.iter().find(|s| s["step"] == "other_address") {
        assert_eq!(s["reachable"], false, "{s}");
    }
    assert_eq!(step("real_browser")["exit"], 0);
    assert!(provider.active(&tok.print("work")));
}

// See: issue 11 item 17 — `--device` against an issuer without a device endpoint silently ran the
// browser flow (and, over SSH, waited out its timeout).
#[test]
fn device_without_a_device_endpoint_fails_at_once_naming_the_key() {
    let provider = Provider::start();
    let tok = Tok::new();
    // Endpoints named in the profile, none for the device flow: discovery is not read.
    let i = &provider.issuer;
    tok.write_config(&format!(
        "[profiles.nodev]\nissuer = \"{i}\"\nclient_id = \"tok-cli\"\n\
         scopes = [\"openid\", \"offline_access\"]\n\
         authorization_endpoint = \"{i}/auth\"\ntoken_endpoint = \"{i}/token\"\n"
    ));
    let started = std::time::Instant::now();
    let r = tok
        .login_profile("nodev")
        .device()
        .timeout("600s")
        .expect_failure(8);
    // At once, not after waiting out the login timeout (the bound leaves a loaded machine room).
    assert!(
        started.elapsed() < std::time::Duration::from_secs(300),
        "at once"
    );
    assert!(r.stderr.contains("device_authorization_endpoint"), "{r:?}");
    assert!(r.stderr.contains("[profiles.nodev]"), "{r:?}");
    assert!(!r.stderr.contains("Sign in with your browser"), "{r:?}");
    let codes = &provider.stats()["token_success"]["authorization_code"];
    assert!(
        codes.as_u64().unwrap_or(0) == 0,
        "no browser login ran: {codes}"
    );
}

// See: issue 11 item 14 — a trailing slash was ignored at every issuer comparison. Now a login
// accepts one slash of difference and keeps the issuer as discovery states it; afterwards the
// comparison is exact (RFC 8414 §3.3).
#[test]
fn the_issuer_is_kept_as_discovery_states_it_then_compared_exactly() {
    let provider = Provider::start();
    let tok = Tok::new();
    let slashed = format!("{}/", provider.issuer);
    tok.login_at(&slashed, "work")
        .usual_scopes()
        .browser()
        .timeout("60s")
        .expect_success();
    let path = tok.path("config/tok/config.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    let stated = format!("issuer = \"{}\"\n", provider.issuer);
    assert!(config.contains(&stated), "{config}");
    assert!(provider.active(&tok.print("work")));
    assert!(tok.run(&["print", "-p", "work", "--force-refresh"]).ok());
    // Edited back to the other spelling, the profile no longer matches its document exactly.
    std::fs::write(
        &path,
        config.replace(&stated, &format!("issuer = \"{slashed}\"\n")),
    )
    .unwrap();
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 5, "{r:?}");
    assert!(r.stderr.contains("names issuer"), "{r:?}");
    assert!(r.stderr.contains("tok login"), "{r:?}");
}
