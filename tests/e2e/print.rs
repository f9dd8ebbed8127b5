//! `tok print`: cache, refresh with rotation, --min-ttl, --force-refresh, concurrency.

use std::time::Duration;

use crate::support::{Racer, Rig, distinct, logged_in};

#[test]
fn cached_token_is_served_without_a_refresh() {
    let (provider, tok) = logged_in(&[]);
    let a = tok.print("work");
    let b = tok.print("work");
    assert_eq!(a, b);
    assert_eq!(provider.refreshes(), 0);
    let r = tok.run(&["print", "-p", "work", "-v"]);
    assert!(r.stderr.contains("cache hit"), "{r:?}");
    assert!(!r.stderr.contains(&a));
}

#[test]
fn expiry_causes_exactly_one_refresh_and_rotation_is_kept() {
    expiry_causes_exactly_one_refresh_and_rotation_is_kept_on(Rig::http());
}

fn expiry_causes_exactly_one_refresh_and_rotation_is_kept_on(rig: Rig) {
    let provider = rig.provider_with(&[("TOK_TEST_AT_TTL", "2")]);
    let tok = rig.tok();
    tok.login(&provider, "work");
    // On a loaded machine the login's 2 s token may be gone before this first print, which
    // then refreshes: the count starts after it. From here on tokens live long, so the one
    // expiry this test meets is the one it waits for.
    let first = tok.run(&["print", "-p", "work", "--min-ttl", "0"]).token();
    provider.set_access_ttl(300);
    let rt1 = tok.refresh_token("work");
    let before = provider.refreshes();
    provider.wait_expired(&first);
    let second = tok.run(&["print", "-p", "work", "--min-ttl", "0"]).token();
    let third = tok.run(&["print", "-p", "work", "--min-ttl", "0"]).token();
    assert_ne!(first, second);
    assert_eq!(second, third);
    assert_eq!(provider.refreshes(), before + 1, "one refresh per expiry");
    assert!(provider.active(&second));
    // Rotation: the new refresh token was stored, the old one is dead.
    let rt2 = tok.refresh_token("work");
    assert_ne!(rt1, rt2);
    assert!(provider.active(&rt2));
    assert_eq!(provider.grants_revoked(), 0);
    tok.assert_no_leak(&[first, second, rt1, rt2]);
}

/// The same over HTTPS with a private CA (issue 14).
#[test]
fn expiry_causes_exactly_one_refresh_and_rotation_is_kept_over_https() {
    expiry_causes_exactly_one_refresh_and_rotation_is_kept_on(Rig::https());
}

/// A --min-ttl no token of this provider can satisfy is capped at a third of the token's
/// lifetime, with a warning (issue 19 item 8): before, every call refreshed.
#[test]
fn a_min_ttl_the_provider_cannot_satisfy_is_capped_with_a_warning() {
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "120")]);
    let cached = tok.print("work");
    assert_eq!(provider.refreshes(), 0);
    let r = tok.run(&["print", "-p", "work", "--min-ttl", "200"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.token(), cached);
    assert!(
        r.stderr
            .contains("--min-ttl 200 s is not shorter than the access token's lifetime (120 s)"),
        "{r:?}"
    );
    assert_eq!(r.stderr.lines().count(), 1, "one warning: {r:?}");
    assert_eq!(provider.refreshes(), 0);
}

#[test]
fn force_refresh_refreshes_a_valid_token() {
    let (provider, tok) = logged_in(&[]);
    let a = tok.print("work");
    let b = tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    assert_ne!(a, b);
    assert_eq!(provider.refreshes(), 1);
    assert_eq!(tok.print("work"), b, "the forced token is cached");
}

#[test]
fn without_rotation_the_refresh_token_is_kept() {
    let (provider, tok) = logged_in(&[("TOK_TEST_ROTATE", "0")]);
    let rt = tok.refresh_token("work");
    tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    assert_eq!(provider.refreshes(), 2);
    assert_eq!(tok.refresh_token("work"), rt);
}

#[test]
fn concurrent_prints_share_one_refresh() {
    concurrent_prints_share_one_refresh_on(Rig::http());
}

fn concurrent_prints_share_one_refresh_on(rig: Rig) {
    let provider = rig.provider_with(&[("TOK_TEST_AT_TTL", "2")]);
    let tok = rig.tok();
    tok.login(&provider, "work");
    // The expiry the processes meet together: this token's (counted from after its print, as
    // a loaded machine may already have refreshed the login's); the next tokens live long.
    let first = tok.run(&["print", "-p", "work", "--min-ttl", "0"]).token();
    provider.set_access_ttl(300);
    let before = provider.refreshes();
    provider.wait_expired(&first);
    let tokens = tok.concurrently(12, &["print", "-p", "work", "--min-ttl", "0"]);
    assert_eq!(
        distinct(&tokens).len(),
        1,
        "every process printed the same token"
    );
    assert_ne!(tokens[0], first);
    assert_eq!(provider.refreshes(), before + 1);
    assert_eq!(provider.grants_revoked(), 0);
    assert!(provider.active(&tokens[0]));
}

/// The same over HTTPS with a private CA (issue 14).
#[test]
fn concurrent_prints_share_one_refresh_over_https() {
    concurrent_prints_share_one_refresh_on(Rig::https());
}

#[test]
fn revoked_session_fails_with_login_hint_and_is_kept() {
    let (provider, tok) = logged_in(&[]);
    let rt = tok.refresh_token("work");
    provider.revoke(&rt);
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .contains("session for profile `work` expired or was revoked"),
        "{r:?}"
    );
    assert!(r.stderr.contains("hint: run `tok login -p work`"), "{r:?}");
    // The stored session is not destroyed by a failed refresh.
    assert_eq!(tok.refresh_token("work"), rt);
    tok.assert_no_leak(&[rt]);
}

#[test]
fn provider_down_leaves_the_session_unchanged() {
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "1")]);
    let rt = tok.refresh_token("work");
    // The cached token has expired (waited for, not slept for) before the provider goes.
    let cached = tok.cached_access_token("work");
    provider.wait_expired(&cached);
    let issuer = provider.issuer.clone();
    drop(provider);
    let r = tok.run(&["print", "-p", "work"]);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(
        r.stderr.contains(&format!("{issuer}/token is unavailable")),
        "{r:?}"
    );
    assert!(r.stdout.is_empty());
    assert_eq!(
        tok.refresh_token("work"),
        rt,
        "session unchanged after a failed refresh"
    );
}

#[test]
fn no_session_exits_3() {
    let (_provider, tok) = logged_in(&[]);
    tok.run(&["logout", "-p", "work", "--no-revoke"]);
    let r = tok.run(&["print", "-p", "work"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("no session for profile `work`"), "{r:?}");
}

// See: review of issue 4 — with no cached token before the lock (after an eviction), waiters
// must still take the peer's fresh token instead of refreshing in turn, even when the provider's
// tokens live less than --min-ttl.
#[test]
fn short_lived_tokens_without_a_cache_still_cost_one_refresh() {
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "30")]);
    std::fs::remove_file(tok.path("run/tok/tokens/work.json")).unwrap();
    // Hold the lock until every process is waiting for it: all of them have then looked at the
    // (empty) cache before anyone refreshed. (Without this, a process the loaded machine
    // started only after the refresh sees a 30 s token below --min-ttl, and rightly refreshes.)
    let holder = crate::lock::hold_lock(&tok);
    let (tx, rx) = std::sync::mpsc::channel();
    let children: Vec<_> = (0..8)
        .map(|_| {
            // (--force-refresh: the login's token in the store would otherwise do, since a
            // --min-ttl longer than the lifetime is capped at a third of it.)
            Racer::spawn(
                tok.command(&["print", "-p", "work", "-v", "--force-refresh"]),
                &tx,
            )
        })
        .collect();
    for _ in 0..8 {
        rx.recv_timeout(Duration::from_secs(60))
            .expect("every process waits for the lock");
    }
    holder.unlock().unwrap();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|racer| {
            let (token, stderr) = racer.finish();
            assert!(!stderr.contains(&token), "{stderr}");
            token
        })
        .collect();
    assert_eq!(distinct(&tokens).len(), 1, "{tokens:?}");
    assert_eq!(provider.refreshes(), 1, "one refresh, not one per waiter");
}

// The discovery document is cached on disk: a refresh after login does not fetch it again, and
// `-vv` traces each HTTP request (endpoint and status, never a body).
#[test]
fn a_refresh_uses_the_cached_discovery_document_and_vv_traces_http() {
    a_refresh_uses_the_cached_discovery_document_and_vv_traces_http_on(Rig::http());
}

fn a_refresh_uses_the_cached_discovery_document_and_vv_traces_http_on(rig: Rig) {
    let provider = rig.provider();
    let tok = rig.tok();
    tok.login(&provider, "work");
    let r = tok.run(&["print", "-p", "work", "--force-refresh", "-vv"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("tok: HTTP {}/token", provider.issuer)),
        "{r:?}"
    );
    assert!(
        !r.stderr.contains(".well-known"),
        "discovery was fetched again: {r:?}"
    );
    assert!(!r.stderr.contains(&r.token()));
}

/// The same over HTTPS with a private CA (issue 14).
#[test]
fn a_refresh_uses_the_cached_discovery_document_and_vv_traces_http_over_https() {
    a_refresh_uses_the_cached_discovery_document_and_vv_traces_http_on(Rig::https());
}
