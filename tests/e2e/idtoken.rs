//! OpenID Connect ID tokens (issue 20): the login's nonce, validation, `--token id`, renewal.
//! Every ID token tok serves is verified here independently of tok, with the `jose` library and
//! the provider's own JWKS (tests/support/verify-id-token.mjs).

use crate::support::{Provider, Tok, node, output_with_stdin, wait_until};

/// The claims of `token` after `jose` verified its signature with the provider's JWKS, its
/// issuer and its audience (`tok-cli`).
fn verified(provider: &Provider, token: &str) -> serde_json::Value {
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
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
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
    // Asked for an ID token that lives less than --min-ttl: tok refreshes for it.
    let exp = b["exp"].as_i64().unwrap();
    let beyond = (exp - now() + 10).to_string();
    let r = tok.run(&["print", "-p", "work", "--token", "id", "--min-ttl", &beyond]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(provider.refreshes(), 2);
    verified(&provider, &r.token());
}

#[test]
fn a_provider_that_does_not_renew_id_tokens_gets_the_old_one_until_it_expires_then_exit_3() {
    let provider = Provider::start_with(&[("TOK_TEST_NO_ID_ON_REFRESH", "1")]);
    let tok = Tok::new();
    tok.login(&provider, "work");
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
