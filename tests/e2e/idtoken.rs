//! OpenID Connect ID tokens (issue 20): the login's nonce, validation, `--token id`, renewal.
//! Every ID token tok serves is verified here independently of tok, with the `jose` library and
//! the provider's own JWKS (tests/support/verify-id-token.mjs).

use crate::kubectl::{kubectl_get_api, kubectl_missing, tls_api};
use crate::support::{Provider, Tok, logged_in, node, output_with_stdin, wait_until};

/// The claims of `token` after `jose` verified its signature with the provider's JWKS, its
/// issuer and its audience (`tok-cli`).
pub fn verified(provider: &Provider, token: &str) -> serde_json::Value {
    let mut c = node("tests/support/verify-id-token.mjs");
    c.args([provider.issuer.as_str(), "tok-cli"]);
    let out = output_with_stdin(c, token);
    assert!(
        out.status.success(),
        "the ID token does not verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["claims"].clone()
}

fn print_id(tok: &Tok, extra: &[&str]) -> String {
    let mut args = vec!["print", "-p", "work", "--token", "id"];
    args.extend_from_slice(extra);
    let r = tok.run(&args);
    assert!(r.ok(), "{r:?}");
    r.token()
}

/// The `nonce` parameter of the authorization URL the login printed.
fn sent_nonce(stderr: &str) -> String {
    let url = stderr
        .split_whitespace()
        .find(|w| w.contains("/auth?"))
        .expect("the authorization URL is printed");
    let url = url::Url::parse(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "nonce")
        .map(|(_, v)| v.into_owned())
        .expect("a login asking for `openid` sends a nonce")
}

#[test]
fn a_login_with_openid_sends_a_nonce_and_print_token_id_serves_a_verified_id_token() {
    let provider = Provider::start();
    let tok = Tok::new();
    let r = tok.login(&provider, "work");
    let nonce = sent_nonce(&r.stderr);
    assert!(nonce.len() >= 16, "{nonce}");
    let id = print_id(&tok, &[]);
    let claims = verified(&provider, &id);
    assert_eq!(claims["nonce"], nonce.as_str(), "the login's own nonce");
    assert!(claims["sub"].as_str().is_some_and(|s| !s.is_empty()));
    // Not the access token: that one is still what `print` serves by default.
    let at = tok.print("work");
    assert_ne!(at, id);
    assert!(provider.active(&at));
    // Every format names it as an ID token, with the ID token's own expiry.
    let r = tok.run(&["print", "-p", "work", "--token", "id", "--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["id_token"], id.as_str());
    assert!(j.get("access_token").is_none(), "{j}");
    let exp = claims["exp"].as_i64().unwrap();
    assert_eq!(
        j["expires_at"].as_str().unwrap(),
        humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(exp as u64)
        )
        .to_string()
    );
    // The cached path serves it without the provider: no refresh happened for it.
    assert_eq!(provider.refreshes(), 0);
    tok.assert_no_leak(&[id, at]);
}

#[test]
fn a_refresh_renews_the_id_token_with_the_same_subject() {
    let (provider, tok) = logged_in(&[]);
    let first = print_id(&tok, &[]);
    // The provider signs deterministically: a token of the next second differs.
    let iat = verified(&provider, &first)["iat"].as_i64().unwrap();
    wait_until("a new second", || now() > iat);
    let r = tok.run(&[
        "print",
        "-p",
        "work",
        "--token",
        "id",
        "--force-refresh",
        "-vv",
    ]);
    assert!(r.ok() && !r.stderr.contains("not kept"), "{r:?}");
    let renewed = r.token();
    assert_eq!(provider.refreshes(), 1);
    assert_ne!(first, renewed, "the refresh brought a new ID token");
    let (a, b) = (verified(&provider, &first), verified(&provider, &renewed));
    assert_eq!(a["sub"], b["sub"]);
    assert_eq!(a["iss"], b["iss"]);
    // Asked for an ID token that lives less than --min-ttl (but a --min-ttl shorter than its
    // whole lifetime, which would be capped): tok refreshes for it.
    let (iat, exp) = (b["iat"].as_i64().unwrap(), b["exp"].as_i64().unwrap());
    wait_until("two seconds of the ID token's life gone", || {
        now() >= iat + 2
    });
    let beyond = (exp - now() + 1).to_string();
    let r = tok.run(&["print", "-p", "work", "--token", "id", "--min-ttl", &beyond]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(provider.refreshes(), 2);
    verified(&provider, &r.token());
}

#[test]
fn a_provider_that_does_not_renew_id_tokens_gets_the_old_one_until_it_expires_then_exit_3() {
    let (provider, tok) = logged_in(&[("TOK_TEST_NO_ID_ON_REFRESH", "1")]);
    let first = print_id(&tok, &[]);
    verified(&provider, &first);
    // A refresh without an ID token keeps the old one while it lives.
    let again = print_id(&tok, &["--force-refresh"]);
    assert_eq!(provider.refreshes(), 1);
    assert_eq!(again, first);
    // A login whose ID token lives 2 s; once it expired, tok refreshes, gets none, and says
    // so: never an expired ID token.
    provider.set_access_ttl(2);
    tok.login(&provider, "work");
    let issued_by = now();
    wait_until("the ID token expired", || now() > issued_by + 2);
    provider.set_access_ttl(300);
    let r = tok.run(&["print", "-p", "work", "--token", "id"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(
        r.stderr.contains("did not renew it on refresh") && r.stderr.contains("tok login -p work"),
        "{r:?}"
    );
    // The access token is still served.
    assert!(provider.active(&tok.print("work")));
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn a_tampered_id_token_fails_the_login_with_exit_8_and_stores_nothing() {
    // The provider's ID tokens get another `sub` after signing (a token substituted in
    // transit or by a mix-up): the signature no longer covers the claims.
    let provider = Provider::start_with(&[("TOK_TEST_FORGE_ID_TOKEN", "1")]);
    let tok = Tok::new();
    let r = tok
        .login_to(&provider, "work")
        .usual_scopes()
        .browser()
        .expect_failure(8);
    assert!(r.stderr.contains("signature"), "{r:?}");
    assert!(r.stderr.contains("nothing was stored"), "{r:?}");
    let r = tok.run(&["print", "-p", "work"]);
    assert_eq!(r.code, 3, "no session was stored: {r:?}");
    // A session without an ID token (a confidential client's) has none to serve: exit 3 and
    // how to get one.
    let provider = Provider::start();
    tok.login_to(&provider, "plain")
        .client("ci-bot")
        .client_credentials()
        .scope("api:read")
        .stdin("ci-bot-secret\n")
        .expect_success();
    let r = tok.run(&["print", "-p", "plain", "--token", "id"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("holds no ID token"), "{r:?}");
    assert!(r.stderr.contains("--scope openid"), "{r:?}");
}

/// Kubernetes' OIDC authenticator takes ID tokens only: `tok setup kubectl --token id` saves
/// `kubectl_token = "id"`, and kubectl (the real one) reaches an API that accepts nothing else.
#[test]
fn kubectl_with_kubectl_token_id_reaches_an_api_that_accepts_only_id_tokens() {
    if kubectl_missing() {
        return;
    }
    let (provider, tok) = logged_in(&[]);
    let (api, certs) = tls_api(&provider, &["--id-token", "tok-cli"]);
    let kubectl = |tok: &Tok, block: &str| kubectl_get_api(tok, &api, certs.path(), block);
    // The access token is refused by this API.
    let block = tok.run(&["setup", "kubectl", "-p", "work"]).stdout;
    let r = kubectl(&tok, &block);
    assert!(!r.ok(), "an access token must not pass: {r:?}");
    assert!(api.requests().iter().all(|q| q["status"] == 401));
    // With kubectl_token = "id" (written by setup), the same block serves the ID token.
    let r = tok.run(&["setup", "kubectl", "-p", "work", "--token", "id"]);
    assert!(r.ok(), "{r:?}");
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(config.contains("kubectl_token = \"id\""), "{config}");
    let r = kubectl(&tok, &r.stdout);
    assert!(r.ok(), "kubectl failed: {r:?} {:?}", api.requests());
    assert!(r.stdout.contains("APIVersions"), "{r:?}");
    // The ExecCredential carries the ID token and the ID token's expiry (a minute early).
    let r = tok.run(&["kubectl-credential", "-p", "work"]);
    let cred: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let id = cred["status"]["token"].as_str().unwrap().to_string();
    let exp = verified(&provider, &id)["exp"].as_i64().unwrap();
    let reported = humantime::parse_rfc3339(cred["status"]["expirationTimestamp"].as_str().unwrap())
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert_eq!(reported, exp - 60);
    // `--token access` overrides the profile.
    let r = tok.run(&["kubectl-credential", "-p", "work", "--token", "access"]);
    let cred: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(provider.active(cred["status"]["token"].as_str().unwrap()));
    tok.assert_no_leak(&[id]);
}

#[test]
fn whoami_names_the_session_from_its_id_token_or_userinfo_and_exits_3_without_one() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login_with(
        &provider,
        "work",
        &["--scope", "profile", "--scope", "email", "--browser"],
    );
    let r = tok.run(&["whoami", "-p", "work", "--json"]);
    assert!(r.ok(), "{r:?}");
    let who: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(who["sub"], "alice", "{who}");
    assert_eq!(who["issuer"], provider.issuer.as_str(), "{who}");
    assert_eq!(who["source"], "id_token", "{who}");
    let r = tok.run(&["whoami", "-p", "work", "--userinfo", "--json"]);
    assert!(r.ok(), "{r:?}");
    let who: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        (&who["sub"], &who["email"], &who["source"]),
        (
            &"alice".into(),
            &"alice@example.test".into(),
            &"userinfo".into()
        ),
        "{who}"
    );
    let r = tok.run(&["whoami", "-p", "work"]);
    assert!(
        r.stdout.contains("subject:") && r.stdout.contains("alice"),
        "{r:?}"
    );
    // `tok whoami -q || tok login`: no session is exit 3, with nothing on stdout.
    tok.login_to(&provider, "other")
        .usual_scopes()
        .browser()
        .expect_success();
    tok.run(&["logout", "-p", "other"]);
    let r = tok.run(&["whoami", "-q", "-p", "other"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
}

#[test]
fn exec_puts_the_id_token_in_tok_id_token() {
    let (provider, tok) = logged_in(&[]);
    let r = tok.run(&[
        "exec",
        "-p",
        "work",
        "--token",
        "id",
        "--",
        "sh",
        "-c",
        "printf '%s\\n' \"$TOK_ID_TOKEN\"",
    ]);
    assert!(r.ok(), "{r:?}");
    let id = r.token();
    assert_eq!(id, print_id(&tok, &[]));
    verified(&provider, &id);
}

/// `print --token id --output FILE --watch` (Azure's federated token file, a sidecar): the file
/// holds the ID token and is rewritten before the ID token expires.
#[test]
fn watch_keeps_a_file_of_fresh_id_tokens() {
    use crate::token_file::{finish, signal, wait_for_file, watcher};
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "6")]);
    // Only the login's tokens are short: the rewrite met is the one of the login's ID token.
    provider.set_access_ttl(300);
    let dir = tok.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("id.jwt");
    let child = watcher(&tok, &file, &["--token", "id"], &[]);
    wait_for_file(&file);
    let first = std::fs::read_to_string(&file).unwrap();
    let first_exp = verified(&provider, first.trim())["exp"].as_i64().unwrap();
    let mut latest = first.clone();
    wait_until("the watcher rewrote the ID token", || {
        latest = std::fs::read_to_string(&file).unwrap_or_default();
        latest != first && !latest.is_empty()
    });
    let renewed = verified(&provider, latest.trim());
    assert!(renewed["exp"].as_i64().unwrap() > first_exp, "{renewed}");
    signal(&child, "-TERM");
    let (code, out, _) = finish(child, 60);
    assert_eq!((code, out.as_str()), (Some(0), ""));
}
