//! Corporate networks (issue 14, issue 11 item 12): certificate faults named and never retried,
//! a profile's private CA (`ca_file`), and proxies — a real forwarding proxy on loopback that
//! logs what it carried (tests/support/proxy.py), the provider under the corporate name
//! `idp.corp.test` that only the proxy reaches.

use std::process::Output;

use crate::rig_net::{Proxy, ProxyMode, TlsCerts};
use crate::support::{Provider, Run, Tok};

/// The port of an issuer URL.
fn port_of(issuer: &str) -> u16 {
    url::Url::parse(issuer).unwrap().port().unwrap()
}

/// `tok ARGS` with extra environment variables (a proxy for one command).
fn run_env(tok: &Tok, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out: Output = tok
        .command(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    tok.record(out)
}

/// How many TLS handshakes the provider saw a client refuse. tok has exited, so every
/// attempt it made is on the wire; node may log the last one a moment later: wait for the
/// first line, then for stragglers.
fn refused_handshakes(provider: &Provider) -> usize {
    let count = || {
        std::fs::read_to_string(&provider.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("TLS handshake failed"))
            .count()
    };
    crate::support::wait_until("the provider logged the refused handshake", || count() > 0);
    std::thread::sleep(std::time::Duration::from_millis(300));
    count()
}

/// A browser login over HTTPS trusting the test CA (`--ca-file`), as profile `work`.
fn logged_in(certs: &TlsCerts, provider: &Provider) -> Tok {
    let tok = Tok::new().env("NODE_EXTRA_CA_CERTS", certs.ca().to_str().unwrap());
    let ca = certs.ca();
    tok.login_with(
        provider,
        "work",
        &[
            "--browser",
            "--timeout",
            "60s",
            "--ca-file",
            ca.to_str().unwrap(),
        ],
    );
    tok
}

/// Log in over HTTPS, then serve `leaf` on the same port (the server's certificate changed
/// under a live session) and refresh: exit 10 naming host and `reason`, one refused handshake
/// (no retries), the stored session unchanged.
fn refresh_against_a_bad_leaf(leaf: &str, reason: &str, hint: &str) {
    let certs = TlsCerts::generate();
    let good = certs.provider(&[]);
    let tok = logged_in(&certs, &good);
    let before = tok.file_session("work");
    let port = port_of(&good.issuer).to_string();
    drop(good);
    let (cert, key) = (
        certs.path(&format!("{leaf}.pem")),
        certs.path(&format!("{leaf}.key")),
    );
    let bad = certs.provider(&[
        ("TOK_TEST_TLS_CERT", cert.to_str().unwrap()),
        ("TOK_TEST_TLS_KEY", key.to_str().unwrap()),
        ("PORT", &port),
    ]);
    assert_eq!(port_of(&bad.issuer).to_string(), port);

    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 10, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    let first = r.stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains(&format!(
            "the TLS certificate of 127.0.0.1:{port} was refused"
        )) && first.contains(reason),
        "{r:?}"
    );
    assert!(
        r.stderr.contains(&format!(
            "openssl s_client -showcerts -connect 127.0.0.1:{port}"
        )) && r.stderr.contains(hint),
        "{r:?}"
    );
    assert_eq!(r.stderr.lines().count(), 2, "one line and a hint: {r:?}");
    assert_eq!(refused_handshakes(&bad), 1, "not retried");
    assert_eq!(tok.file_session("work"), before, "the session is kept");

    let j = tok.run(&["print", "-p", "work", "--force-refresh", "--json-errors"]);
    assert_eq!(j.code, 10, "{j:?}");
    let v: serde_json::Value = serde_json::from_str(j.stderr.trim()).unwrap();
    assert_eq!(v["error"]["code"], "tls");
    assert_eq!(v["error"]["exit_code"], 10);
    assert!(v["error"]["message"].as_str().unwrap().contains(reason));
}

#[test]
fn a_certificate_from_an_unknown_ca_is_named_and_not_retried() {
    refresh_against_a_bad_leaf("untrusted", "signed by an unknown issuer", "--ca-file");
}

#[test]
fn an_expired_certificate_is_named_and_not_retried() {
    refresh_against_a_bad_leaf("expired", "it has expired", "check the system clock");
}

#[test]
fn a_certificate_for_another_host_is_named_and_not_retried() {
    refresh_against_a_bad_leaf(
        "wrong-host",
        "not valid for this host name",
        "the host name the certificate is issued for",
    );
}

#[test]
fn a_self_signed_certificate_is_named_and_not_retried() {
    refresh_against_a_bad_leaf(
        "self-signed",
        "it is self-signed",
        "if you trust this server",
    );
}

#[test]
fn without_the_private_ca_login_names_the_unknown_issuer_at_once() {
    let certs = TlsCerts::generate();
    let provider = certs.provider(&[]);
    let tok = Tok::new().env("NODE_EXTRA_CA_CERTS", certs.ca().to_str().unwrap());
    let r = tok.login_to(&provider, "work").browser().expect_failure(10);
    assert!(r.stderr.contains("signed by an unknown issuer"), "{r:?}");
    assert_eq!(refused_handshakes(&provider), 1, "{r:?}");
    assert!(
        !tok.path("data/tok/sessions/work.json").exists(),
        "no session"
    );
    // The standard variable works too (documented in the README).
    let bundle = certs.bundle();
    let tok = tok.env("SSL_CERT_FILE", bundle.to_str().unwrap());
    tok.login(&provider, "work");
    assert!(provider.active(&tok.print("work")));
}

/// Point the profile's `ca_file` at `path` (the config as `tok login --ca-file` wrote it).
fn set_ca_file(tok: &Tok, from: &std::path::Path, to: &std::path::Path) {
    let config = tok.path("config/tok/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let want = format!("ca_file = \"{}\"", from.display());
    assert!(text.contains(&want), "{text}");
    std::fs::write(
        &config,
        text.replace(&want, &format!("ca_file = \"{}\"", to.display())),
    )
    .unwrap();
}

/// A CA file that cannot be used is a config error naming it, found only when a request is
/// made: the cached `print` does not read it.
fn an_unusable_ca_file(name: &str, problem: &str) {
    let certs = TlsCerts::generate();
    let provider = certs.provider(&[]);
    let tok = logged_in(&certs, &provider);
    let cached = tok.print("work");
    let before = tok.file_session("work");
    let bad = certs.path(name);
    set_ca_file(&tok, &certs.ca(), &bad);

    assert_eq!(
        tok.print("work"),
        cached,
        "the cached path never reads the CA file"
    );
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "cannot use the CA file {}: {problem}",
            bad.display()
        )),
        "{r:?}"
    );
    assert!(r.stderr.contains("hint: fix `ca_file`"), "{r:?}");
    assert_eq!(provider.refreshes(), 0);
    assert_eq!(tok.file_session("work"), before);
}

#[test]
fn a_missing_ca_file_is_a_config_error_naming_it() {
    an_unusable_ca_file("does-not-exist.pem", "it does not exist");
}

#[test]
fn a_ca_file_that_is_not_pem_is_a_config_error_naming_it() {
    an_unusable_ca_file("not-pem.pem", "it holds no PEM certificate");
}

#[test]
fn ca_only_trusts_the_private_ca_alone() {
    let certs = TlsCerts::generate();
    let provider = certs.provider(&[]);
    let tok = logged_in(&certs, &provider);
    let config = tok.path("config/tok/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("ca_file =", "ca_only = true\nca_file ="),
    )
    .unwrap();
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    // Without the test CA in the file, nothing is trusted: not even the system roots.
    set_ca_file(&tok, &certs.ca(), &certs.path("unknown-ca.pem"));
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 10, "{r:?}");
}

/// The provider under its corporate name (reachable only through the proxy), a client
/// credentials session made through `proxy`.
fn corporate(certs: &TlsCerts, proxy: &Proxy) -> (Provider, Tok) {
    let provider = certs.provider(&[("TOK_TEST_ISSUER_HOST", "idp.corp.test")]);
    assert!(provider.issuer.starts_with("https://idp.corp.test:"));
    let tok = Tok::new().env("TOK_CLIENT_SECRET", "ci-bot-secret");
    let ca = certs.ca();
    let mut login = tok
        .login_to(&provider, "ci")
        .client("ci-bot")
        .client_credentials()
        .scope("api:read")
        .args(&["--ca-file", ca.to_str().unwrap()])
        .command();
    let r = tok.record(login.env("HTTPS_PROXY", proxy.url()).output().unwrap());
    assert!(r.ok(), "{r:?}");
    (provider, tok)
}

#[test]
fn requests_go_through_the_configured_proxy() {
    let certs = TlsCerts::generate();
    let proxy = Proxy::start(ProxyMode::Forward);
    let (provider, tok) = corporate(&certs, &proxy);
    let target = format!("idp.corp.test:{}", port_of(&provider.issuer));
    assert_eq!(proxy.carried_to(&target), 2, "discovery and token");

    // Lower case, -vv names the route.
    let r = run_env(
        &tok,
        &["print", "-p", "ci", "--force-refresh", "-vv"],
        &[("https_proxy", &proxy.url())],
    );
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("via proxy {} (https_proxy)", proxy.url())),
        "{r:?}"
    );
    assert_eq!(proxy.carried_to(&target), 3);

    // ALL_PROXY, with credentials the proxy requires: used, and never printed.
    let auth = Proxy::start(ProxyMode::Auth {
        user: "alice",
        pass: "s3cret-pw",
    });
    let with_creds = auth.url().replace("http://", "http://alice:s3cret-pw@");
    let r = run_env(
        &tok,
        &["print", "-p", "ci", "--force-refresh", "-vv"],
        &[("ALL_PROXY", &with_creds)],
    );
    assert!(r.ok(), "{r:?}");
    assert!(!r.stderr.contains("s3cret-pw"), "{r:?}");
    assert_eq!(auth.carried_to(&target), 1, "{:?}", auth.lines());

    // The profile's own `proxy` key, with no variable set.
    tok.add_to_profile("ci", &format!("proxy = \"{}\"", proxy.url()));
    let r = tok.run(&["print", "-p", "ci", "--force-refresh", "-vv"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("(profile `proxy`)"), "{r:?}");
    assert_eq!(proxy.carried_to(&target), 4);
}

#[test]
fn no_proxy_excludes_hosts() {
    let certs = TlsCerts::generate();
    let proxy = Proxy::start(ProxyMode::Forward);
    let (_provider, tok) = corporate(&certs, &proxy);
    let carried = proxy.lines().len();
    for no_proxy in [
        ("NO_PROXY", "corp.test"),
        ("no_proxy", ".corp.test,example.org"),
    ] {
        let r = run_env(
            &tok,
            &["print", "-p", "ci", "--force-refresh", "-vv"],
            &[
                ("HTTPS_PROXY", &proxy.url()),
                no_proxy,
                ("TOK_HTTP_DEADLINE", "1"),
            ],
        );
        // Direct, the corporate name does not resolve here: that is the proof it went direct.
        assert_eq!(r.code, 4, "{r:?}");
        assert!(r.stderr.contains("direct (NO_PROXY)"), "{r:?}");
        assert!(r.stderr.contains("does not resolve"), "{r:?}");
    }
    assert_eq!(proxy.lines().len(), carried, "{:?}", proxy.lines());
}

/// Issue 11 item 12: a refresh against a plain-http loopback issuer with every proxy variable
/// set (and a profile `proxy`) goes direct: the refresh token never reaches a proxy.
#[test]
fn loopback_destinations_are_never_proxied() {
    let provider = Provider::start();
    let proxy = Proxy::start(ProxyMode::Forward);
    let url = proxy.url();
    let tok = Tok::new()
        .env("HTTP_PROXY", &url)
        .env("http_proxy", &url)
        .env("HTTPS_PROXY", &url)
        .env("ALL_PROXY", &url);
    tok.login(&provider, "work");
    tok.add_to_profile("work", &format!("proxy = \"{url}\""));
    let r = tok.run(&["print", "-p", "work", "--force-refresh", "-vv"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr
            .contains("direct (loopback destination, never proxied)"),
        "{r:?}"
    );
    assert!(tok.run(&["logout", "-p", "work"]).ok());
    assert_eq!(provider.refreshes(), 1);
    assert!(proxy.lines().is_empty(), "{:?}", proxy.lines());
}

#[test]
fn a_proxy_that_is_down_is_named_without_its_credentials() {
    let certs = TlsCerts::generate();
    let proxy = Proxy::start(ProxyMode::Forward);
    let (_provider, tok) = corporate(&certs, &proxy);
    let before = tok.file_session("ci");
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let r = run_env(
        &tok,
        &["print", "-p", "ci", "--force-refresh"],
        &[
            (
                "HTTPS_PROXY",
                &format!("http://bob:hunter22@127.0.0.1:{down}"),
            ),
            ("TOK_HTTP_DEADLINE", "1"),
        ],
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "proxy http://127.0.0.1:{down} (HTTPS_PROXY) cannot be reached (connection refused)"
        )),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("check that the proxy is running"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("hunter22"), "{r:?}");
    assert_eq!(tok.file_session("ci"), before);
}

#[test]
fn a_proxy_asking_for_credentials_is_named_once() {
    let certs = TlsCerts::generate();
    let proxy = Proxy::start(ProxyMode::Forward);
    let (_provider, tok) = corporate(&certs, &proxy);
    let before = tok.file_session("ci");
    let p407 = Proxy::start(ProxyMode::Refuse407);
    let r = run_env(
        &tok,
        &["print", "-p", "ci", "--force-refresh"],
        &[("HTTPS_PROXY", &p407.url())],
    );
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            "proxy {} (HTTPS_PROXY) requires authentication (407 Proxy Authentication Required)",
            p407.url()
        )),
        "{r:?}"
    );
    assert!(r.stderr.contains("USER:PASSWORD@HOST:PORT"), "{r:?}");
    assert_eq!(p407.lines().len(), 1, "not retried: {:?}", p407.lines());
    assert_eq!(tok.file_session("ci"), before);
}
