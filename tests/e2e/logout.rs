//! `tok logout`: revocation at the provider, local forgetting.

use crate::support::{Provider, Tok, over_https};

#[test]
fn logout_revokes_and_forgets() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
    let at = tok.print("work");
    let rt = tok.refresh_token("work");
    assert!(provider.active(&rt));
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("revoked"), "{r:?}");
    assert!(
        !provider.active(&rt),
        "the refresh token is revoked at the provider"
    );
    assert!(
        !provider.active(&at),
        "revoking the refresh token ended the grant"
    );
    assert!(!tok.path("data/tok/sessions/work.json").exists());
    assert!(
        tok.any_file_contains(&at).is_empty(),
        "no cached access token remains"
    );
    let p = tok.run(&["print", "-p", "work"]);
    assert_eq!(p.code, 3, "{p:?}");
    assert!(p.stdout.is_empty());
    assert!(p.stderr.contains("tok login -p work"), "{p:?}");
    tok.assert_no_leak(&[at, rt]);
}

/// The same over HTTPS with a private CA (issue 14).
#[test]
fn logout_revokes_and_forgets_over_https() {
    over_https(logout_revokes_and_forgets);
}

#[test]
fn logout_forgets_locally_when_revocation_fails() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
    drop(provider);
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("revocation failed"), "{r:?}");
    assert!(r.stderr.contains("locally"), "{r:?}");
    assert!(!tok.path("data/tok/sessions/work.json").exists());
}

#[test]
fn no_revoke_keeps_the_grant_alive() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
    let rt = tok.refresh_token("work");
    assert!(tok.run(&["logout", "-p", "work", "--no-revoke"]).ok());
    assert!(provider.active(&rt));
}
