//! `private_key_jwt` client authentication (RFC 7523 §2.2) against the real provider, whose
//! client `tok-pkjwt` (token_endpoint_auth_method=private_key_jwt) learns the JWK Set `tok
//! profile jwks` printed through `POST /__test/client-jwks`. The library checks each assertion
//! (signature, iss/sub, aud, exp, replayed jti); `stats.client_auth` lists what it answered.
//! See: issue 22.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::support::{Keyring, Provider, Run, Tok, plain_url};

pub(crate) const CLIENT: &str = "tok-pkjwt";

/// `tok profile jwks -p NAME`, parsed.
pub(crate) fn jwks(tok: &Tok, name: &str) -> serde_json::Value {
    let r = tok.run(&["profile", "jwks", "-p", name]);
    assert!(r.ok(), "{r:?}");
    serde_json::from_str(&r.stdout).unwrap()
}

/// Give the provider's client `jwks` as its keys.
pub(crate) fn register(provider: &Provider, jwks: &serde_json::Value) {
    let url = plain_url(&provider.issuer, "/__test/client-jwks");
    let body = jwks.to_string();
    let mut s = TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
    write!(
        s,
        "POST {} HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        url.path(),
        url.host_str().unwrap(),
        url.port().unwrap(),
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
}

/// A profile `name` of the key client, made by a first login that the provider refuses (it
/// does not know the key tok generated yet), then its key registered.
pub(crate) fn registered(
    tok: &Tok,
    provider: &Provider,
    name: &str,
    extra: &[&str],
) -> serde_json::Value {
    let r = tok
        .login_to(provider, name)
        .client(CLIENT)
        .usual_scopes()
        .args(&["--client-auth", "private-key-jwt", "--device"])
        .args(extra)
        .expect_failure(8);
    assert!(r.stderr.contains("generated the client key"), "{r:?}");
    let set = jwks(tok, name);
    register(provider, &set);
    set
}

pub(crate) fn client_auth_log(provider: &Provider) -> Vec<serde_json::Value> {
    provider.stats()["client_auth"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The stored private keys (the file store's `NAME+client-key` item).
pub(crate) fn stored_keys(tok: &Tok, name: &str) -> Vec<String> {
    let p = tok.path(&format!("data/tok/sessions/{name}+client-key.json"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
    v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

/// `client_key` of `name` in `tok status --json`.
fn status_key(tok: &Tok, name: &str) -> serde_json::Value {
    let r = tok.run(&["status", "-p", name, "--json"]);
    assert!(r.ok(), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["profiles"][0]["client_key"].clone()
}

pub(crate) fn browser_login(tok: &Tok, provider: &Provider, name: &str) -> Run {
    tok.login_to(provider, name)
        .client(CLIENT)
        .usual_scopes()
        .args(&["--browser", "--timeout", "60s", "-v"])
        .expect_success()
}

#[test]
fn a_key_client_logs_in_refreshes_with_rotation_and_revokes_at_logout() {
    let provider = Provider::start();
    let tok = Tok::new();
    let set = registered(&tok, &provider, "work", &[]);
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{set}");
    let kid = keys[0]["kid"].as_str().unwrap();
    assert_eq!(keys[0]["alg"], "ES256");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(kid.len(), 43, "an RFC 7638 SHA-256 thumbprint");
    assert!(keys[0].get("d").is_none(), "no private part: {set}");

    let r = browser_login(&tok, &provider, "work");
    assert!(
        r.stderr.contains(&format!("private_key_jwt, key {kid}")),
        "{r:?}"
    );
    let at = tok.print("work");
    assert_eq!(provider.introspect(&at)["client_id"], CLIENT);
    let shown = status_key(&tok, "work");
    assert_eq!(shown["kid"], kid, "{shown}");
    assert_eq!(shown["alg"], "ES256", "{shown}");
    assert!(
        shown["location"]
            .as_str()
            .unwrap()
            .contains("work+client-key"),
        "{shown}"
    );
    let human = tok.run(&["status", "-p", "work"]);
    assert!(
        human.stdout.contains(&format!("ES256 {kid} in ")),
        "{human:?}"
    );

    // Refresh: the refresh token rotates, the request carries a fresh assertion.
    let rt = tok.refresh_token("work");
    let refreshed = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(refreshed.ok(), "{refreshed:?}");
    assert_ne!(refreshed.token(), at);
    assert_ne!(tok.refresh_token("work"), rt, "the refresh token rotated");
    // A second refresh: a replayed jti would be refused by the provider.
    let again = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(again.ok(), "{again:?}");

    let new_rt = tok.refresh_token("work");
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        !provider.active(&new_rt),
        "logout revoked the refresh token"
    );
    let log = client_auth_log(&provider);
    let revocations: Vec<_> = log.iter().filter(|e| e["route"] == "revocation").collect();
    assert_eq!(revocations.len(), 1, "{log:?}");
    assert_eq!(revocations[0]["status"], 200, "{log:?}");
    assert!(
        log.iter()
            .filter(|e| e["route"] == "token")
            .all(|e| e["status"] == 200),
        "{log:?}"
    );
    // The key outlives the session: it is the client's registration.
    assert_eq!(jwks(&tok, "work"), set);
}

#[test]
fn racing_refreshes_of_a_key_client_make_one() {
    let provider = Provider::start_with(&[("TOK_TEST_AT_TTL", "2")]);
    let tok = Tok::new();
    registered(&tok, &provider, "work", &[]);
    browser_login(&tok, &provider, "work");
    let first = tok.run(&["print", "-p", "work", "--min-ttl", "0"]).token();
    provider.set_access_ttl(300);
    let before = provider.refreshes();
    provider.wait_expired(&first);
    let tokens = tok.concurrently(8, &["print", "-p", "work", "--min-ttl", "0"]);
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
    assert_eq!(provider.refreshes(), before + 1);
    assert_eq!(provider.grants_revoked(), 0);
}

#[test]
fn a_key_client_gets_client_credentials_tokens_without_a_secret() {
    let provider = Provider::start();
    let tok = Tok::new();
    let r = tok
        .login_to(&provider, "svc")
        .client(CLIENT)
        .scope("api:read")
        .args(&["--client-auth", "private-key-jwt", "--client-credentials"])
        .expect_failure(8);
    assert!(
        r.stderr.contains("invalid_client") && r.stderr.contains("tok profile jwks"),
        "{r:?}"
    );
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| !l.starts_with("warning:"))
        .collect();
    assert_eq!(lines.len(), 2, "the error and its hint: {r:?}");
    assert!(lines[0].starts_with("tok login: error: "), "{r:?}");
    register(&provider, &jwks(&tok, "svc"));
    tok.login_profile("svc")
        .arg("--client-credentials")
        .expect_success();
    let at = tok.print("svc");
    assert_eq!(provider.introspect(&at)["client_id"], CLIENT);
    assert!(
        tok.file_session("svc")
            .get("refresh_token")
            .is_none_or(|v| v.is_null())
    );
    // A new token is minted with a new assertion.
    let again = tok.run(&["print", "-p", "svc", "--force-refresh"]);
    assert!(again.ok(), "{again:?}");
    assert_ne!(again.token(), at);
    let r = tok.run(&["logout", "-p", "svc"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        !provider.active(&again.token()),
        "logout revoked the access token"
    );
}

#[test]
fn an_unregistered_key_is_refused_in_one_line_and_nothing_is_stored() {
    let provider = Provider::start();
    let tok = Tok::new();
    let r = tok
        .login_to(&provider, "work")
        .client(CLIENT)
        .usual_scopes()
        .args(&[
            "--client-auth",
            "private-key-jwt",
            "--browser",
            "--timeout",
            "60s",
        ])
        .expect_failure(8);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains(": error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{r:?}");
    assert!(errors[0].contains("invalid_client"), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(
        !tok.path("data/tok/sessions/work.json").exists(),
        "no session stored"
    );
    let log = client_auth_log(&provider);
    assert!(log.iter().all(|e| e["status"] != 200), "{log:?}");
}

#[test]
fn rotation_signs_with_the_new_key_and_keeps_the_previous_one_registered() {
    let provider = Provider::start();
    let tok = Tok::new();
    let first = registered(&tok, &provider, "work", &["--client-key-alg", "EdDSA"]);
    let old_kid = first["keys"][0]["kid"].as_str().unwrap().to_string();
    assert_eq!(first["keys"][0]["alg"], "EdDSA");
    browser_login(&tok, &provider, "work");

    // The new key is made (and signs) before the server knows it: refused, session kept.
    let r = tok
        .login_profile("work")
        .args(&["--rotate-client-key", "--browser", "--timeout", "60s"])
        .expect_failure(8);
    assert!(r.stderr.contains("signs from now on"), "{r:?}");
    let set = jwks(&tok, "work");
    let kids: Vec<&str> = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2, "{set}");
    assert_eq!(kids[1], old_kid, "the previous key stays in the set");
    assert_eq!(status_key(&tok, "work")["kids"], serde_json::json!(kids));
    register(&provider, &set);
    let r = browser_login(&tok, &provider, "work");
    assert!(r.stderr.contains(&format!("key {}", kids[0])), "{r:?}");

    // A second rotation drops the oldest.
    tok.login_profile("work")
        .args(&["--rotate-client-key", "--browser", "--timeout", "60s"])
        .expect_failure(8);
    let set = jwks(&tok, "work");
    let now: Vec<&str> = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(now.len(), 2);
    assert_eq!(now[1], kids[0]);
    assert!(!now.contains(&old_kid.as_str()));
}

#[test]
fn the_token_endpoint_audience_is_accepted_and_a_given_key_file_is_used() {
    let provider = Provider::start();
    let tok = Tok::new();
    let key = tok.path("client.pem");
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = tok
        .login_to(&provider, "work")
        .client(CLIENT)
        .usual_scopes()
        .args(&["--client-auth", "private-key-jwt", "--client-key"])
        .arg(key.to_str().unwrap())
        .args(&["--client-assertion-aud", "token-endpoint", "--device"])
        .expect_failure(8);
    assert!(!r.stderr.contains("generated"), "{r:?}");
    let set = jwks(&tok, "work");
    assert_eq!(set["keys"][0]["alg"], "RS256", "{set}");
    assert_eq!(set["keys"][0]["kty"], "RSA", "{set}");
    register(&provider, &set);
    browser_login(&tok, &provider, "work");
    let shown = status_key(&tok, "work");
    assert_eq!(shown["location"], key.to_str().unwrap(), "{shown}");
    assert_eq!(shown["kid"], set["keys"][0]["kid"], "{shown}");
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    assert!(!tok.path("data/tok/sessions/work+client-key.json").exists());
}

#[test]
fn a_key_file_others_can_read_is_refused_with_exit_8() {
    let provider = Provider::start();
    let tok = Tok::new();
    let key = tok.path("client.pem");
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let pem = std::fs::read_to_string(&key).unwrap();
    let r = tok
        .login_to(&provider, "work")
        .client(CLIENT)
        .usual_scopes()
        .args(&["--client-auth", "private-key-jwt", "--client-key"])
        .arg(key.to_str().unwrap())
        .arg("--device")
        .expect_failure(8);
    assert!(
        r.stderr.contains("client_key") && r.stderr.contains("chmod 600"),
        "{r:?}"
    );
    assert!(r.stderr.contains("others can read it"), "{r:?}");
    let body = pem.lines().nth(1).unwrap();
    assert!(!r.stderr.contains(body), "{r:?}");
    assert_eq!(provider.stats()["device_authorizations"], 0);
    assert!(client_auth_log(&provider).is_empty());
    // Once private, it is used.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    register(&provider, &jwks(&tok, "work"));
    browser_login(&tok, &provider, "work");
}

/// An EC P-256 PKCS#8 PEM key file at `name` under the home, mode 0600.
fn key_file(tok: &Tok, name: &str) -> std::path::PathBuf {
    let key = tok.path(name);
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    key
}

/// A workload identity exchange (RFC 8693) by a confidential client: the CI token is the
/// subject, the client authenticates with its key file (a CI secret); nothing is stored.
#[test]
fn a_workload_identity_exchange_authenticates_the_client_with_its_key_file() {
    let (ci, provider) = crate::workload::rig(&[]);
    let jwt = ci.mint(&[("aud", &provider.issuer)]);
    let tok = Tok::new().env("ID", &jwt);
    let key = key_file(&tok, "client.pem");
    let login = |name: &str, extra: &[&str]| {
        tok.login_to(&provider, name)
            .client(CLIENT)
            .args(&[
                "--workload-identity",
                "env:ID",
                "--client-auth",
                "private-key-jwt",
            ])
            .args(extra)
    };
    // The client-assertion exchange already presents the CI token as the client's assertion.
    let r = login(
        "other",
        &[
            "--client-key",
            key.to_str().unwrap(),
            "--exchange",
            "client-assertion",
        ],
    )
    .expect_failure(8);
    assert!(
        r.stderr.contains("`exchange`") && r.stderr.contains("token-exchange"),
        "{r:?}"
    );
    let r = login(
        "ci",
        &[
            "--client-key",
            key.to_str().unwrap(),
            "--exchange",
            "token-exchange",
        ],
    )
    .expect_failure(8);
    assert!(
        r.stderr.contains("invalid_client"),
        "not registered yet: {r:?}"
    );
    register(&provider, &jwks(&tok, "ci"));
    login("ci", &[]).expect_success();
    let at = tok.print("ci");
    let info = provider.introspect(&at);
    assert_eq!(info["client_id"], CLIENT, "{info}");
    assert_eq!(info["gty"], "token-exchange", "{info}");
    let again = tok.run(&["print", "-p", "ci", "--force-refresh"]);
    assert!(again.ok(), "{again:?}");
    assert_ne!(again.token(), at);
    let log = client_auth_log(&provider);
    let ok: Vec<_> = log.iter().filter(|e| e["status"] == 200).collect();
    assert_eq!(
        ok.len(),
        2,
        "two exchanges, each with its own assertion: {log:?}"
    );
    assert!(
        tok.files()
            .iter()
            .all(|(p, _)| !p.to_string_lossy().contains("client-key"))
    );
}

/// A refresh the server answered 429 is sent again with a new assertion: a retried POST never
/// repeats a `jti` (which the provider would refuse as a replay).
#[test]
fn a_retried_request_carries_a_new_assertion() {
    let provider = Provider::start();
    let tok = Tok::new();
    registered(&tok, &provider, "work", &[]);
    browser_login(&tok, &provider, "work");
    let faults = crate::faults::Faults::start(&provider);
    crate::faults::set_token_endpoint(&tok, "work", Some(&faults.url("ratelimit")));
    let at = tok.cached_access_token("work");
    let r = tok.run(&["print", "-p", "work", "--force-refresh", "-v"]);
    assert!(r.ok(), "{r:?}");
    assert_ne!(r.token(), at);
    assert_eq!(faults.hits("ratelimit"), 2, "the 429, then the retry");
    let url = url::Url::parse(&format!("http://127.0.0.1:{}/__jtis", faults.port)).unwrap();
    let seen: serde_json::Value =
        serde_json::from_slice(&tok::Http::default().get(&url).unwrap().body.0).unwrap();
    let jtis = seen["ratelimit"].as_array().unwrap();
    assert_eq!(jtis.len(), 2, "{seen}");
    assert!(jtis[0].is_string() && jtis[0] != jtis[1], "{seen}");
}

/// A pushed authorization request (RFC 9126) authenticates the client like the token endpoint.
#[test]
fn a_pushed_authorization_request_carries_an_assertion() {
    let provider = Provider::start();
    let tok = Tok::new();
    registered(&tok, &provider, "work", &[]);
    tok.login_to(&provider, "work")
        .client(CLIENT)
        .usual_scopes()
        .args(&["--browser", "--timeout", "60s", "--par"])
        .expect_success();
    let log = client_auth_log(&provider);
    let pushed: Vec<_> = log
        .iter()
        .filter(|e| e["route"] == "pushed_authorization_request")
        .collect();
    assert_eq!(pushed.len(), 1, "{log:?}");
    assert_eq!(pushed[0]["status"], 201, "{log:?}");
}

/// A device login authenticates the client at the device authorization endpoint and at every
/// poll of the token endpoint.
#[test]
fn a_device_login_authenticates_the_client_at_both_endpoints() {
    let provider = Provider::start_with(&[("TOK_TEST_DEVICE_INTERVAL", "1")]);
    let tok = Tok::new();
    registered(&tok, &provider, "work", &[]);
    tok.login_profile("work").device().expect_success();
    let log = client_auth_log(&provider);
    let ok = |route: &str| {
        log.iter()
            .filter(|e| e["route"] == route && e["status"] == 200)
            .count()
    };
    assert_eq!(ok("device_authorization"), 1, "{log:?}");
    assert!(ok("token") >= 1, "{log:?}");
    assert!(tok.print("work").len() > 10);
}

/// In the Secret Service, the generated key is its own item beside the session's; logout keeps
/// it (the client's registration), `tok profile remove` deletes it.
#[test]
fn in_the_keychain_the_key_is_an_item_beside_the_session() {
    let keyring = Keyring::start();
    let provider = Provider::start();
    let tok = Tok::new().in_keychain(&keyring);
    let set = registered(&tok, &provider, "work", &[]);
    browser_login(&tok, &provider, "work");
    let item = keyring
        .lookup("work+client-key")
        .expect("a keychain item for the key");
    assert!(!item.contains(set["keys"][0]["kid"].as_str().unwrap()));
    assert!(keyring.lookup("work").is_some());
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    assert!(tok.run(&["logout", "-p", "work"]).ok());
    assert_eq!(keyring.lookup("work"), None);
    assert_eq!(
        keyring.lookup("work+client-key").as_deref(),
        Some(item.as_str())
    );
    let r = tok.run(&["profile", "remove", "work"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(keyring.lookup("work+client-key"), None);
    assert!(
        tok.files()
            .iter()
            .all(|(p, _)| !p.to_string_lossy().contains("client-key"))
    );
}

/// DPoP and a client key together: each token request carries a DPoP proof from the session's
/// key and an assertion from the client's; the tokens are bound to the DPoP key.
#[test]
fn a_dpop_session_of_a_key_client_sends_both_proofs() {
    let provider = Provider::start();
    let tok = Tok::new();
    registered(&tok, &provider, "work", &[]);
    tok.login_to(&provider, "work")
        .client(CLIENT)
        .usual_scopes()
        .args(&["--browser", "--timeout", "60s", "--dpop"])
        .expect_success();
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    let info = provider.introspect(&r.token());
    assert_eq!(info["token_type"], "DPoP", "{info}");
    assert_eq!(info["client_id"], CLIENT, "{info}");
    let log = client_auth_log(&provider);
    let tokens: Vec<_> = log.iter().filter(|e| e["route"] == "token").collect();
    assert!(
        tokens.len() >= 2 && tokens.iter().all(|e| e["status"] == 200),
        "{log:?}"
    );
}
