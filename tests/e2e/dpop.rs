//! DPoP-bound sessions (RFC 9449) against the real provider, which has DPoP enabled.
//! See: issue 7.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::support::{Keyring, Provider, Run, Tok, dpop_print};

fn login_dpop(tok: &Tok, provider: &Provider, name: &str) -> Run {
    tok.login_with(
        provider,
        name,
        &["--browser", "--timeout", "60s", "--dpop", "-vv"],
    )
}

/// `dpop_jkt` of `name` in `tok status --json`.
fn status_jkt(tok: &Tok, name: &str) -> Option<String> {
    let r = tok.run(&["status", "-p", name, "--json"]);
    assert!(r.ok(), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["profiles"][0]["dpop_jkt"].as_str().map(str::to_string)
}

/// The private key as stored in the file store's session.
fn stored_key(tok: &Tok, name: &str) -> String {
    tok.file_session(name)["dpop_key"]
        .as_str()
        .expect("the session holds the DPoP key")
        .to_string()
}

/// `tok print --format dpop`: the two header lines, as (name, value) pairs.
fn dpop_headers(
    tok: &Tok,
    name: &str,
    method: &str,
    url: &str,
    nonce: Option<&str>,
) -> Vec<(String, String)> {
    let mut args = vec![
        "print", "-p", name, "--format", "dpop", "--method", method, "--url", url,
    ];
    if let Some(n) = nonce {
        args.extend(["--nonce", n]);
    }
    let r = tok.run(&args);
    assert!(r.ok(), "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{r:?}");
    assert!(lines[0].starts_with("Authorization: DPoP "), "{r:?}");
    assert!(lines[1].starts_with("DPoP: "), "{r:?}");
    lines
        .iter()
        .map(|l| {
            let (k, v) = l.split_once(": ").unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// A plain HTTP/1.1 request to the loopback provider: (status, head, body).
pub(crate) fn http(method: &str, url: &str, headers: &[(String, String)]) -> (u16, String, String) {
    let u = url::Url::parse(url).unwrap();
    let mut s = TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
    let mut req = format!(
        "{method} {} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\nAccept: application/json\r\nContent-Length: 0\r\n",
        u.path(),
        u.host_str().unwrap(),
        u.port().unwrap()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}

/// A response header's value; names are case-insensitive.
pub(crate) fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    })
}

fn token_of(headers: &[(String, String)]) -> String {
    headers[0].1.strip_prefix("DPoP ").unwrap().to_string()
}

#[test]
fn login_binds_the_tokens_to_tok_s_key() {
    let provider = Provider::start();
    let tok = Tok::new();
    login_dpop(&tok, &provider, "work");
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(config.contains("dpop = true"), "{config}");

    let jkt = status_jkt(&tok, "work").expect("status shows dpop_jkt");
    assert_eq!(jkt.len(), 43);
    let r = tok.run(&["print", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    let at = r.token();
    assert!(
        r.stderr.contains("DPoP-bound") && r.stderr.contains("--format dpop"),
        "print alone warns that a proof is needed: {r:?}"
    );
    let info = provider.introspect(&at);
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["token_type"], "DPoP", "{info}");
    assert_eq!(info["cnf"]["jkt"], jkt.as_str(), "{info}");
    let rt = tok.refresh_token("work");
    assert_eq!(provider.introspect(&rt)["cnf"]["jkt"], jkt.as_str());

    // The key is in the session, and only there: not in the token cache, state or config.
    let key = stored_key(&tok, "work");
    let holders = tok.any_file_contains(&key);
    assert_eq!(holders, vec![tok.path("data/tok/sessions/work.json")]);
    assert_eq!(tok.file_session("work")["access"]["token_type"], "DPoP");
    tok.assert_no_leak(&[at, rt, key]);
}

#[test]
fn bound_refresh_token_works_with_the_proof_and_fails_without() {
    let provider = Provider::start();
    let tok = Tok::new();
    login_dpop(&tok, &provider, "work");
    let jkt = status_jkt(&tok, "work").unwrap();
    let first = tok.print("work");
    let r = tok.run(&["print", "-p", "work", "--force-refresh", "-vv"]);
    assert!(r.ok(), "{r:?}");
    let second = r.token();
    assert_ne!(first, second);
    assert!(r.stderr.contains("with a DPoP proof"), "{r:?}");
    assert_eq!(provider.refreshes(), 1);
    let info = provider.introspect(&second);
    assert_eq!(info["cnf"]["jkt"], jkt.as_str(), "{info}");
    assert_eq!(tok.file_session("work")["access"]["token_type"], "DPoP");

    // A thief with the refresh token but not the key gets nothing.
    let rt = tok.refresh_token("work");
    let (status, body) =
        provider.token_request(&[("grant_type", "refresh_token"), ("refresh_token", &rt)]);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert_eq!(
        provider.stats()["token_error_details"]["failed jkt verification"],
        1
    );
    // ...and that attempt did not cost the owner the session.
    let third = tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    assert_ne!(third, second);
    assert_eq!(provider.refreshes(), 2);
    tok.assert_no_leak(&[first, second, third, rt, stored_key(&tok, "work")]);
}

#[test]
fn userinfo_accepts_the_proof_only_for_its_method_and_url() {
    let provider = Provider::start();
    let tok = Tok::new();
    login_dpop(&tok, &provider, "work");
    let me = format!("{}/me", provider.issuer);

    let good = dpop_headers(&tok, "work", "get", &me, None);
    let (status, _, body) = http("GET", &me, &good);
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["sub"].is_string(), "{body}");

    // A proof is for one method and one URL.
    let post = dpop_headers(&tok, "work", "POST", &me, None);
    let (status, head, _) = http("GET", &me, &post);
    assert_eq!(status, 401);
    assert!(
        header(&head, "www-authenticate")
            .unwrap()
            .starts_with("DPoP"),
        "{head}"
    );
    let other = dpop_headers(
        &tok,
        "work",
        "GET",
        &format!("{}/other", provider.issuer),
        None,
    );
    assert_eq!(http("GET", &me, &other).0, 401);
    // The query is not part of htu: a proof for /me?x=1 is good for /me.
    let query = dpop_headers(&tok, "work", "GET", &format!("{me}?x=1#f"), None);
    assert_eq!(http("GET", &me, &query).0, 200);
    // The token alone, as a bearer token, is refused.
    let bearer = vec![(
        "Authorization".to_string(),
        format!("Bearer {}", token_of(&good)),
    )];
    assert_eq!(http("GET", &me, &bearer).0, 401);
    assert_eq!(provider.stats()["userinfo"], 2);
}

#[test]
fn a_second_profile_gets_its_own_key() {
    let provider = Provider::start();
    let tok = Tok::new();
    login_dpop(&tok, &provider, "a");
    login_dpop(&tok, &provider, "b");
    let (ja, jb) = (
        status_jkt(&tok, "a").unwrap(),
        status_jkt(&tok, "b").unwrap(),
    );
    assert_ne!(ja, jb);
    assert_ne!(stored_key(&tok, "a"), stored_key(&tok, "b"));
    assert_eq!(
        provider.introspect(&tok.print("a"))["cnf"]["jkt"],
        ja.as_str()
    );
    assert_eq!(
        provider.introspect(&tok.print("b"))["cnf"]["jkt"],
        jb.as_str()
    );
    // A new login of a profile makes a new key.
    login_dpop(&tok, &provider, "a");
    assert_ne!(status_jkt(&tok, "a").unwrap(), ja);
}

#[test]
fn server_nonces_are_obeyed_for_login_refresh_and_resource_requests() {
    let provider = Provider::start_with(&[("TOK_TEST_DPOP_NONCE", "1")]);
    let tok = Tok::new();
    login_dpop(&tok, &provider, "work");
    let stats = provider.stats();
    assert_eq!(stats["token_errors"]["use_dpop_nonce"], 1, "{stats}");
    assert_eq!(stats["token_success"]["authorization_code"], 1, "{stats}");
    let nonces = std::fs::read_to_string(tok.path("state/tok/dpop-nonces.json")).unwrap();
    assert!(nonces.contains(&provider.issuer), "{nonces}");

    // The refresh reuses the remembered nonce: no second use_dpop_nonce round trip.
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(provider.refreshes(), 1);
    assert_eq!(provider.stats()["token_errors"]["use_dpop_nonce"], 1);
    // A stale nonce costs one retry, not the session.
    std::fs::write(
        tok.path("state/tok/dpop-nonces.json"),
        format!("{{\"{}\": \"stale\"}}", provider.issuer),
    )
    .unwrap();
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(provider.refreshes(), 2);
    assert_eq!(provider.stats()["token_errors"]["use_dpop_nonce"], 2);

    // The resource server asks for its nonce; the second proof carries it.
    let me = format!("{}/me", provider.issuer);
    let first = dpop_headers(&tok, "work", "GET", &me, None);
    let (status, head, body) = http("GET", &me, &first);
    assert_eq!(status, 401, "{body}");
    assert!(
        header(&head, "www-authenticate")
            .unwrap()
            .contains("use_dpop_nonce"),
        "{head}"
    );
    let nonce = header(&head, "dpop-nonce").expect("the provider sends a DPoP-Nonce");
    let with_nonce = dpop_headers(&tok, "work", "GET", &me, Some(nonce));
    let (status, _, body) = http("GET", &me, &with_nonce);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn logout_deletes_the_key_with_the_session() {
    let provider = Provider::start();
    let tok = Tok::new();
    login_dpop(&tok, &provider, "work");
    let key = stored_key(&tok, "work");
    let rt = tok.refresh_token("work");
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("revoked"), "{r:?}");
    assert!(!provider.active(&rt), "the bound refresh token was revoked");
    assert!(tok.any_file_contains(&key).is_empty());
    assert!(!tok.path("data/tok/sessions/work.json").exists());
    assert_eq!(status_jkt(&tok, "work"), None);
    let r = tok.run(&dpop_print("work"));
    assert_eq!(r.code, 3, "{r:?}");
}

#[test]
fn the_key_lives_in_the_keychain_item_and_leaves_with_it() {
    let provider = Provider::start();
    let keyring = Keyring::start();
    let tok = Tok::new().in_keychain(&keyring);
    login_dpop(&tok, &provider, "work");
    let item = keyring.lookup("work").expect("a keychain item");
    let session: serde_json::Value = serde_json::from_str(&item).unwrap();
    let key = session["dpop_key"].as_str().unwrap().to_string();
    assert!(tok.any_file_contains(&key).is_empty(), "the key is on disk");
    let me = format!("{}/me", provider.issuer);
    let h = dpop_headers(&tok, "work", "GET", &me, None);
    assert_eq!(http("GET", &me, &h).0, 200);
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(keyring.lookup("work"), None);
    tok.assert_no_leak(&[key]);
}

#[test]
fn dpop_format_needs_a_bound_session_and_a_request() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "plain");
    let r = tok.run(&dpop_print("plain"));
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("not DPoP-bound"), "{r:?}");
    assert!(r.stderr.contains("tok login -p plain --dpop"), "{r:?}");
    assert!(r.stdout.is_empty());
    // A bearer session prints no DPoP warning.
    let r = tok.run(&["print", "-p", "plain"]);
    assert!(r.ok() && !r.stderr.contains("DPoP"), "{r:?}");

    let r = tok.run(&[
        "print",
        "-p",
        "plain",
        "--format",
        "dpop",
        "--url",
        "https://x.test/",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--method"), "{r:?}");
    login_dpop(&tok, &provider, "bound");
    for (m, u) in [
        ("GET", "not a url"),
        ("GE T", "https://x.test/"),
        ("GET", "ftp://x.test/"),
    ] {
        let r = tok.run(&[
            "print", "-p", "bound", "--format", "dpop", "--method", m, "--url", u,
        ]);
        assert_eq!(r.code, 2, "{m} {u}: {r:?}");
        assert!(r.stdout.is_empty());
    }
    // Proof arguments without --format dpop are a usage error, not silently ignored.
    let r = tok.run(&["print", "-p", "bound", "--url", "https://x.test/"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("need --format dpop"), "{r:?}");
    assert!(r.stdout.is_empty());
}

#[test]
fn device_login_with_nonces_binds_the_tokens() {
    let provider = Provider::start_with(&[
        ("TOK_TEST_DEVICE_INTERVAL", "1"),
        ("TOK_TEST_DPOP_NONCE", "1"),
    ]);
    let tok = Tok::new();
    tok.login_with(&provider, "dev", &["--device", "--dpop"]);
    let stats = provider.stats();
    assert_eq!(
        stats["token_success"]["urn:ietf:params:oauth:grant-type:device_code"], 1,
        "{stats}"
    );
    assert!(
        stats["token_errors"]["use_dpop_nonce"].as_u64().unwrap() >= 1,
        "{stats}"
    );
    let jkt = status_jkt(&tok, "dev").unwrap();
    let at = tok.print("dev");
    assert_eq!(provider.introspect(&at)["cnf"]["jkt"], jkt.as_str());
    let human = tok.run(&["status", "-p", "dev"]);
    assert!(
        human
            .stdout
            .contains(&format!("bound to key {jkt} (session store)")),
        "{human:?}"
    );
    tok.assert_no_leak(&[at, tok.refresh_token("dev"), stored_key(&tok, "dev")]);
}

#[test]
fn git_docker_and_kubectl_helpers_refuse_dpop_profiles() {
    let provider = Provider::start();
    let tok = Tok::new();
    let docker = tok.path("docker").display().to_string();
    let tok = tok.env("DOCKER_CONFIG", &docker);
    login_dpop(&tok, &provider, "work");
    let r = tok.setup("docker", "work", &["--registry", "reg.test:5000"]);
    assert!(r.ok(), "{r:?}");
    let r = tok.setup("git", "work", &["--host", "https://git.test"]);
    assert!(r.ok(), "{r:?}");
    let refreshes = provider.refreshes();

    let r = tok.run_stdin(&["docker-credential", "get"], "reg.test:5000");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("DPoP-bound"), "{r:?}");
    assert!(!r.stdout.contains("Secret"), "{r:?}");

    let r = tok.run_stdin(
        &["git-credential", "get"],
        "protocol=https\nhost=git.test\n\n",
    );
    assert_ne!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("password="), "{r:?}");
    assert!(r.stderr.contains("DPoP-bound"), "{r:?}");

    let r = tok.run(&["kubectl-credential", "-p", "work"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(
        r.stderr.contains("DPoP-bound") && r.stderr.contains("--format dpop"),
        "{r:?}"
    );
    assert_eq!(provider.refreshes(), refreshes);
}
