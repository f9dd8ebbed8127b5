//! `tok status`: human and JSON output, never a token.

use crate::support::{Tok, logged_in};

#[test]
fn status_json_reports_session_and_expiry() {
    let (provider, tok) = logged_in(&[]);
    let at = tok.print("work");
    tok.run(&["print", "-p", "work", "--force-refresh"]);
    let r = tok.run(&["status", "--json"]);
    assert!(r.ok(), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let p = &v["profiles"][0];
    assert_eq!(p["name"], "work");
    assert_eq!(p["default"], true);
    assert_eq!(p["issuer"], provider.issuer.as_str());
    assert_eq!(p["logged_in"], true);
    assert_eq!(p["grant"], "interactive", "what the login stored");
    assert!(p["store"].as_str().unwrap().starts_with("file store"));
    assert!(p["access_expires_in"].as_i64().unwrap() > 200);
    assert_eq!(p["last_refresh"]["ok"], true);
    assert_eq!(p["last_refresh"]["rotated"], true);
    assert!(!r.stdout.contains(&at));
    let human = tok.run(&["status"]);
    assert!(
        human.stdout.contains("work (default)")
            && human
                .stdout
                .contains("logged in, refreshed with a refresh token"),
        "{human:?}"
    );
    assert!(human.stdout.contains("refresh:"), "{human:?}");
}

#[test]
fn status_without_profiles_teaches() {
    let tok = Tok::new();
    let r = tok.run(&["status"]);
    assert!(r.ok());
    assert!(r.stderr.contains("tok login -p NAME --issuer URL"), "{r:?}");
}
