//! `tok logout`: revocation at the provider, local forgetting.

use crate::faults::Faults;
use crate::support::{Provider, Rig, Tok, logged_in};

#[test]
fn logout_revokes_and_forgets() {
    logout_revokes_and_forgets_on(Rig::http());
}

fn logout_revokes_and_forgets_on(rig: Rig) {
    let provider = rig.provider();
    let tok = rig.tok();
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
    logout_revokes_and_forgets_on(Rig::https());
}

#[test]
fn logout_forgets_locally_when_revocation_fails() {
    let (provider, tok) = logged_in(&[]);
    drop(provider);
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("revocation failed"), "{r:?}");
    assert!(r.stderr.contains("locally"), "{r:?}");
    assert!(!tok.path("data/tok/sessions/work.json").exists());
}

#[test]
fn no_revoke_keeps_the_grant_alive() {
    let (provider, tok) = logged_in(&[]);
    let rt = tok.refresh_token("work");
    assert!(tok.run(&["logout", "-p", "work", "--no-revoke"]).ok());
    assert!(provider.active(&rt));
}

/// A session of `tok` at the issuer `issuer` (a metadata mode of the fault server in front of the
/// real provider), seeded with a refresh token from a normal login; returns its refresh token.
fn seeded_at(provider: &Provider, tok: &Tok, issuer: &str) -> String {
    let donor = Tok::new();
    donor.login(provider, "donor");
    tok.login_at(issuer, "work")
        .arg("--refresh-token-stdin")
        .stdin(&donor.refresh_token("donor"))
        .expect_success();
    let rt = tok.refresh_token("work");
    assert!(provider.active(&rt));
    rt
}

// See: issue 11 item 16 — a server that lists `revocation_endpoint` only in its RFC 8414 metadata:
// tok read that document only when OIDC discovery failed, warned, exited 0, and the refresh
// token stayed alive at the provider.
#[test]
fn the_revocation_endpoint_of_the_rfc8414_document_is_used() {
    let provider = Provider::start();
    let faults = Faults::start(&provider);
    let tok = Tok::new();
    let rt = seeded_at(&provider, &tok, &faults.issuer("split_metadata"));
    let r = tok.run(&["logout", "-p", "work", "--json"]);
    assert!(r.ok(), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["revoked"], true, "{r:?}");
    assert!(!provider.active(&rt), "revoked at the provider");
    assert_eq!(faults.hits("split_metadata:rfc8414"), 1);
    tok.assert_no_leak(&[rt]);
}

// See: issue 11 item 16 — a logout that could not revoke is unmistakable: plain words on stderr
// and `"revoked": false` in `--json`. An RFC 8414 document naming another issuer is not merged.
#[test]
fn a_logout_that_could_not_revoke_says_so_plainly_and_in_json() {
    let provider = Provider::start();
    let faults = Faults::start(&provider);
    let tok = Tok::new();
    let rt = seeded_at(
        &provider,
        &tok,
        &faults.issuer("split_metadata_other_issuer"),
    );
    let r = tok.run(&["logout", "-p", "work", "--json"]);
    assert!(r.ok(), "the local logout worked: {r:?}");
    assert!(r.stderr.contains("NOT revoked"), "{r:?}");
    assert!(r.stderr.contains("no revocation endpoint"), "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["revoked"], false, "{r:?}");
    assert_eq!(report["had_session"], true, "{r:?}");
    assert!(report["revocation_error"].is_string(), "{r:?}");
    assert!(
        provider.active(&rt),
        "the grant is still alive, as reported"
    );
    assert!(!tok.path("data/tok/sessions/work.json").exists());
}

// See: issue 11 item 11 — a second login (or a login into another store) replaced the session
// without revoking the previous grant at the provider.
#[test]
fn a_second_login_revokes_the_previous_grant_in_any_store() {
    let provider = Provider::start();
    let keyring = crate::support::Keyring::start();
    let tok = Tok::new().with_keyring(&keyring);
    tok.login(&provider, "work");
    let rt1 = tok.refresh_token("work");
    let at1 = tok.print("work");
    // Again, into the same store (the file store).
    tok.login(&provider, "work");
    let rt2 = tok.refresh_token("work");
    assert_ne!(rt1, rt2);
    assert!(!provider.active(&rt1), "the first grant was revoked");
    assert!(!provider.active(&at1));
    assert!(provider.active(&rt2), "the new session is alive");
    // Again, into the keychain: the file store's session is revoked too.
    let tok = tok.env("TOK_STORE", "keychain");
    tok.login(&provider, "work");
    assert!(!provider.active(&rt2), "the file store's grant was revoked");
    let blob: serde_json::Value =
        serde_json::from_str(&keyring.lookup("work").expect("in the keychain")).unwrap();
    let rt3 = blob["refresh_token"].as_str().unwrap().to_string();
    assert!(provider.active(&rt3));
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    tok.assert_no_leak(&[rt1, rt2, rt3, at1]);
}
