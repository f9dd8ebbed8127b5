//! Login by resource URL (issue 21): a resource's RFC 9728 metadata names the authorization
//! server, tok registers itself there (RFC 7591) and asks for tokens for the resource (RFC
//! 8707); logout deletes the registration (RFC 7592). Against the real provider with
//! registration on, and tests/support/protected-resource.py as the resource.

use tok::{ClientAuth, Http};
use url::Url;

use crate::fronts::Front;
use crate::support::{Provider, Rig, Run, Tok, plain_url};

/// The provider with open dynamic registration (`TOK_TEST_REGISTRATION`, "1" or "refuse").
fn provider(mode: &str) -> Provider {
    Provider::start_with(&[("TOK_TEST_REGISTRATION", mode)])
}

/// The resource server naming `issuers`, its metadata `where` it says; its resource URL.
fn resource(issuers: &[&str], r#where: &str, extra: &[&str]) -> (Front, String) {
    let mut args = vec!["--where", r#where];
    for i in issuers {
        args.extend(["--issuer", i]);
    }
    args.extend_from_slice(extra);
    let front = Front::start("protected-resource.py", &args);
    let url = format!("http://127.0.0.1:{}/mcp", front.port);
    (front, url)
}

/// `tok login -p NAME --resource-url URL` with the scopes the resource needs, browser flow.
fn login(tok: &Tok, name: &str, url: &str) -> Run {
    tok.login_profile(name)
        .args(&["--resource-url", url])
        .scope("openid")
        .scope("offline_access")
        .scope("api:read")
        .browser()
        .timeout("60s")
        .run()
}

fn stat(provider: &Provider, key: &str) -> u64 {
    provider.stats()[key].as_u64().unwrap()
}

/// The profile's saved `client_id`.
fn client_id(tok: &Tok, name: &str) -> String {
    let text = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    doc["profiles"][name]["client_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A GET of the resource with `token` as Bearer: its status.
fn call(url: &str, token: &str) -> u16 {
    Http::default()
        .get_bearer(&Url::parse(url).unwrap(), token)
        .unwrap()
        .status
}

/// The one-line error rule: an error line, at most a hint besides, nothing on stdout.
fn assert_one_line(r: &Run, says: &str) {
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(
        !lines.is_empty() && lines.len() <= 2,
        "one error line and a hint: {r:?}"
    );
    assert!(lines[0].contains(says), "{says:?}: {r:?}");
    if let Some(h) = lines.get(1) {
        assert!(h.trim_start().starts_with("hint: "), "{r:?}");
    }
    assert!(r.stdout.is_empty(), "{r:?}");
}

/// The metadata named by the resource's 401 challenge → a registration → a browser login →
/// an access token whose audience is the resource, which the resource accepts; refreshed
/// tokens are for it too. The next login reuses the registration (no second registration
/// request); logout deletes it at the provider, which then refuses the client; the login after
/// that registers anew.
#[test]
fn a_resource_url_login_registers_tok_and_gets_tokens_for_the_resource() {
    let provider = provider("1");
    let (front, url) = resource(&[&provider.issuer], "challenge", &[]);
    let tok = Tok::new();

    let r = login(&tok, "mcp", &url);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("Registered tok at"), "{r:?}");
    assert_eq!(stat(&provider, "registrations"), 1);
    let dynamic = client_id(&tok, "mcp");
    assert!(!["tok-cli", "tok-exact", "tok-par"].contains(&dynamic.as_str()));
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    for line in [
        format!("resource_url = \"{url}\""),
        format!("audience = \"{url}\""),
        "dynamic_client = true".into(),
        format!("issuer = \"{}\"", provider.issuer),
    ] {
        assert!(config.contains(&line), "{line}: {config}");
    }

    let token = tok.print("mcp");
    let info = provider.introspect(&token);
    assert_eq!(info["aud"], serde_json::json!(url), "{info}");
    assert_eq!(info["client_id"], serde_json::json!(dynamic), "{info}");
    assert_eq!(call(&url, &token), 200);
    assert_eq!(call(&url, "not-a-token"), 401);
    // The first request to the resource was tok's own probe, answered with the challenge.
    assert_eq!(front.requests()[0]["path"], "/mcp");
    assert_eq!(front.requests()[1]["path"], "/meta/mcp");

    // The registration is the store's, 0600, and its token is never shown.
    let kept = tok.path("data/tok/sessions/mcp+registration.json");
    let blob: serde_json::Value = serde_json::from_slice(&std::fs::read(&kept).unwrap()).unwrap();
    let rat = blob["registration_access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!rat.is_empty());
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&kept).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    tok.assert_no_leak(std::slice::from_ref(&rat));
    assert_eq!(
        tok.any_file_contains(&rat),
        std::slice::from_ref(&kept),
        "only the store holds it"
    );

    // The next login reuses it (its tokens short-lived, for the refresh below).
    provider.set_access_ttl(2);
    let r = login(&tok, "mcp", &url);
    assert!(r.ok(), "{r:?}");
    assert!(!r.stderr.contains("Registered tok"), "{r:?}");
    assert_eq!(stat(&provider, "registrations"), 1);
    assert_eq!(client_id(&tok, "mcp"), dynamic);

    // A refresh asks for the same resource.
    let short = tok.run(&["print", "-p", "mcp", "--min-ttl", "0"]).token();
    provider.set_access_ttl(300);
    let before = provider.refreshes();
    provider.wait_expired(&short);
    let refreshed = tok.run(&["print", "-p", "mcp", "--min-ttl", "0"]).token();
    assert_eq!(provider.refreshes(), before + 1);
    assert_eq!(
        provider.introspect(&refreshed)["aud"],
        serde_json::json!(url)
    );
    assert_eq!(call(&url, &refreshed), 200);
    let rt = tok.refresh_token("mcp");

    // Logout deletes it at the provider (after revoking), and here.
    let r = tok.run(&["logout", "-p", "mcp"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr.contains("Deleted tok's client registration"),
        "{r:?}"
    );
    assert_eq!(stat(&provider, "registration_deletes"), 1);
    assert!(!kept.exists());
    tok.assert_no_leak(&[rat]);
    let refused = Http::default()
        .post_form(
            &plain_url(&provider.issuer, "/token"),
            &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
            &ClientAuth::None {
                client_id: &dynamic,
            },
            None,
        )
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&refused.body.0).unwrap();
    assert_eq!(body["error"], "invalid_client", "{body}");

    // The profile alone logs in again: a new registration.
    let r = tok.run(&["login", "-p", "mcp", "--browser", "--timeout", "60s"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(stat(&provider, "registrations"), 2);
    assert_ne!(client_id(&tok, "mcp"), dynamic);
    let token = tok.print("mcp");
    assert_eq!(call(&url, &token), 200);

    // A client given later replaces the registration in the profile (no new registration);
    // logout still deletes the registration tok holds.
    let r = tok.run(&[
        "login",
        "-p",
        "mcp",
        "--client-id",
        "tok-cli",
        "--browser",
        "--timeout",
        "60s",
    ]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(client_id(&tok, "mcp"), "tok-cli");
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(config.contains("dynamic_client = false"), "{config}");
    assert_eq!(stat(&provider, "registrations"), 2);
    let r = tok.run(&["logout", "-p", "mcp"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(stat(&provider, "registration_deletes"), 2);
}

/// Without a challenge, the metadata is found at the path-inserted well-known URL (RFC 9728
/// §3.1), else at the origin's root; each profile has its own registration. A given
/// --client-id is used as it is: no registration.
#[test]
fn the_well_known_forms_are_found_and_a_given_client_is_not_registered() {
    let provider = provider("1");
    let (path_front, path_url) = resource(&[&provider.issuer], "path", &[]);
    let (root_front, root_url) = resource(&[&provider.issuer], "root", &[]);
    let tok = Tok::new();

    assert!(login(&tok, "path", &path_url).ok());
    assert!(
        path_front
            .requests()
            .iter()
            .any(|r| r["path"] == "/.well-known/oauth-protected-resource/mcp")
    );
    assert!(login(&tok, "root", &root_url).ok());
    let paths: Vec<String> = root_front
        .requests()
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/mcp",
            "/.well-known/oauth-protected-resource/mcp",
            "/.well-known/oauth-protected-resource"
        ]
    );
    assert_eq!(stat(&provider, "registrations"), 2);
    for (name, url) in [("path", &path_url), ("root", &root_url)] {
        let token = tok.print(name);
        assert_eq!(call(url, &token), 200, "{name}");
    }

    // A registration the server cannot be reached to delete: a warning, and the local logout
    // completes (the session revoked, the registration forgotten).
    let kept = tok.path("data/tok/sessions/path+registration.json");
    let mut blob: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&kept).unwrap()).unwrap();
    blob["registration_client_uri"] = "http://127.0.0.1:9/reg/gone".into();
    std::fs::write(&kept, blob.to_string()).unwrap();
    let r = tok
        .command(&["logout", "-p", "path"])
        .env("TOK_HTTP_DEADLINE", "2")
        .output()
        .unwrap();
    let r = tok.record(r);
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr.contains(
            "tok's client registration for profile `path` was not deleted at the provider"
        ),
        "{r:?}"
    );
    assert!(r.stderr.contains("the session was revoked"), "{r:?}");
    assert!(!kept.exists());
    assert_eq!(stat(&provider, "registration_deletes"), 0);

    // A client given on the command line: no registration, nothing to delete at logout.
    let r = tok
        .login_profile("given")
        .args(&["--resource-url", &path_url])
        .client("tok-cli")
        .scope("openid")
        .scope("api:read")
        .browser()
        .timeout("60s")
        .run();
    assert!(r.ok(), "{r:?}");
    assert_eq!(stat(&provider, "registrations"), 2);
    let r = tok.run(&["logout", "-p", "given"]);
    assert!(r.ok(), "{r:?}");
    assert!(!r.stderr.contains("registration"), "{r:?}");
    assert_eq!(stat(&provider, "registration_deletes"), 0);
}

/// Each refusal is one line with its exit code, and nothing is registered: metadata for
/// another resource or none at all (8), several servers and no terminal (2, naming them and
/// --issuer), an --issuer the resource does not name (2), a non-interactive run (3, before
/// anything is registered), a server without a registration
/// endpoint (8), a refused registration (8, with the server's error code).
#[test]
fn each_refusal_is_one_line_with_its_exit_code() {
    let provider = provider("1");
    let tok = Tok::new();
    let try_login = |url: &str, extra: &[&str]| {
        tok.login_profile("x")
            .args(&["--resource-url", url])
            .args(extra)
            .browser()
            .timeout("20s")
            .run()
    };

    let (_f, url) = resource(
        &[&provider.issuer],
        "path",
        &["--resource", "http://127.0.0.1:1/other"],
    );
    let r = try_login(&url, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_one_line(&r, "is for resource \"http://127.0.0.1:1/other\"");

    let (_f, url) = resource(&[&provider.issuer], "none", &[]);
    let r = try_login(&url, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_one_line(&r, "publishes no protected resource metadata");

    let other = "http://127.0.0.1:9/other-issuer";
    let (_f, url) = resource(&[&provider.issuer, other], "path", &[]);
    let r = try_login(&url, &[]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_one_line(&r, "names several authorization servers");
    assert!(r.stderr.contains(&provider.issuer) && r.stderr.contains(other));
    assert!(r.stderr.contains("--issuer"), "{r:?}");
    let r = try_login(&url, &["--issuer", "http://127.0.0.1:8/elsewhere"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_one_line(&r, "does not name http://127.0.0.1:8/elsewhere");
    // A run that cannot log in interactively registers nothing it would leave behind.
    let (_f, url) = resource(&[&provider.issuer], "path", &[]);
    let out = tok
        .login_profile("x")
        .args(&["--resource-url", &url])
        .command()
        .env("TOK_NONINTERACTIVE", "1")
        .output()
        .unwrap();
    let r = tok.record(out);
    assert_eq!(r.code, 3, "{r:?}");
    assert_one_line(&r, "needs an interactive login");
    assert_eq!(stat(&provider, "registrations"), 0);

    let closed = Provider::start();
    let (_f, url) = resource(&[&closed.issuer], "path", &[]);
    let r = try_login(&url, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_one_line(&r, "publishes no registration_endpoint");
    assert!(r.stderr.contains("--client-id"), "{r:?}");

    let refusing = provider_refusing();
    let (_f, url) = resource(&[&refusing.issuer], "path", &[]);
    let r = try_login(&url, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_one_line(&r, "refused to register tok (invalid_redirect_uri");
}

fn provider_refusing() -> Provider {
    provider("refuse")
}

/// Several authorization servers on a terminal: tok lists them and asks; an answer that is not
/// one of them is asked again; the one picked is logged in at.
#[test]
fn several_servers_are_offered_on_a_terminal() {
    use std::io::{Read, Write};
    let provider = provider("1");
    let other = "http://127.0.0.1:9/other-issuer";
    let (_f, url) = resource(&[other, &provider.issuer], "path", &[]);
    let tok = Tok::new();
    let mut child = tok
        .login_profile("pick")
        .args(&["--resource-url", &url])
        .scope("openid")
        .scope("api:read")
        .browser()
        .timeout("60s")
        .tty_command()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kept open until tok ends: `script` ends the session at its stdin's EOF.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"7\n2\n").unwrap();
    let mut seen = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut seen)
        .unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    assert!(status.success(), "{seen}");
    assert!(
        seen.contains("names several authorization servers"),
        "{seen}"
    );
    assert!(seen.contains(&format!("1) {other}")), "{seen}");
    assert_eq!(
        seen.matches("Log in at which one [1-2]?").count(),
        2,
        "{seen}"
    );
    assert!(seen.contains("Logged in"), "{seen}");
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains(&format!("issuer = \"{}\"", provider.issuer)),
        "{config}"
    );
}

/// A provider behind a private CA: the login's --ca-file is trusted for the registration, the
/// login that follows and the deletion at logout (the resource itself is plain loopback HTTP).
#[test]
fn the_registration_trusts_the_logins_ca_file() {
    let rig = Rig::https();
    let provider = rig.provider_with(&[("TOK_TEST_REGISTRATION", "1")]);
    assert!(provider.issuer.starts_with("https://"));
    let front = rig.front(
        "protected-resource.py",
        &["--where", "path", "--issuer", &provider.issuer],
    );
    let url = format!("http://127.0.0.1:{}/mcp", front.port);
    let tok = rig.tok();
    let r = login(&tok, "tls", &url);
    assert!(r.ok(), "{r:?}");
    assert_eq!(stat(&provider, "registrations"), 1);
    assert_eq!(call(&url, &tok.print("tls")), 200);
    // Logout deletes the registration through the profile's CA too (nothing revoked first).
    let r = tok.run(&["logout", "-p", "tls", "--no-revoke"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr.contains("Deleted tok's client registration"),
        "{r:?}"
    );
    assert_eq!(stat(&provider, "registration_deletes"), 1);
}

/// The device flow by resource URL: tok registers the device grant too (the provider offers
/// it), and the device-code tokens are for the resource.
#[test]
fn a_device_login_by_resource_url() {
    let provider = Provider::start_with(&[
        ("TOK_TEST_REGISTRATION", "1"),
        ("TOK_TEST_DEVICE_INTERVAL", "1"),
    ]);
    let (_f, url) = resource(&[&provider.issuer], "path", &[]);
    let tok = Tok::new();
    let r = tok
        .login_profile("dev")
        .args(&["--resource-url", &url])
        .scope("openid")
        .scope("offline_access")
        .scope("api:read")
        .device()
        .timeout("60s")
        .run();
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("and enter the code: "), "{r:?}");
    assert_eq!(
        provider.stats()["token_success"]["urn:ietf:params:oauth:grant-type:device_code"],
        1
    );
    let token = tok.print("dev");
    assert_eq!(provider.introspect(&token)["aud"], serde_json::json!(url));
    assert_eq!(call(&url, &token), 200);
}
