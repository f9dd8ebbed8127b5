//! Authentication levels (issue 21): the ID token's `acr` and `auth_time` checked against the
//! login's `acr_values` and `max_age` (OIDC Core §3.1.2.1, §5.5.1.1), step-up (RFC 9470).

use crate::idtoken::verified;
use crate::support::{Provider, Tok};

/// The one `error:` line of a failed run.
fn error_line(r: &crate::support::Run) -> String {
    let lines: Vec<&str> = r.stderr.lines().filter(|l| l.contains("error:")).collect();
    assert_eq!(lines.len(), 1, "one error line: {r:?}");
    lines[0].to_string()
}

/// A server that honours acr_values and max_age: the login keeps an ID token whose `acr` is
/// one of the requested values and whose `auth_time` is recent.
#[test]
fn a_login_that_meets_acr_values_and_max_age_is_kept() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login_to(&provider, "mfa")
        .usual_scopes()
        .browser()
        .args(&[
            "--acr-values",
            "urn:tok:mfa urn:tok:hwk",
            "--max-age",
            "300",
        ])
        .expect_success();
    let r = tok.run(&["print", "-p", "mfa", "--token", "id"]);
    assert!(r.ok(), "{r:?}");
    let claims = verified(&provider, &r.token());
    assert_eq!(claims["acr"], "urn:tok:mfa", "{claims}");
    assert!(claims["auth_time"].as_i64().is_some(), "{claims}");
    let seen = provider.stats()["interaction_params"][0].clone();
    assert_eq!(seen["acr_values"], "urn:tok:mfa urn:tok:hwk", "{seen}");
}

/// See: issue 21. A server that ignores acr_values and signs the user in at a lower level
/// (its `acr` is not one of the requested values) is refused: one line naming `acr`, exit 8,
/// nothing stored.
#[test]
fn a_lower_acr_than_requested_is_refused_and_nothing_stored() {
    let provider = Provider::start_with(&[("TOK_TEST_ACR", "urn:tok:pwd")]);
    let tok = Tok::new();
    let r = tok
        .login_to(&provider, "mfa")
        .usual_scopes()
        .browser()
        .args(&["--acr-values", "urn:tok:mfa"])
        .expect_failure(8);
    let line = error_line(&r);
    assert!(line.contains("`acr`"), "{line}");
    assert!(line.contains("\"urn:tok:pwd\" is not one of"), "{line}");
    assert!(r.stderr.contains("nothing was stored"), "{r:?}");
    // The server did issue tokens: tok refused them.
    assert_eq!(
        provider.stats()["token_success"]["authorization_code"],
        1,
        "{}",
        provider.stats()
    );
    let r = tok.run(&["print", "-p", "mfa"]);
    assert_eq!(r.code, 3, "no session was stored: {r:?}");
}

/// See: issue 21. A server that ignores max_age sends no `auth_time`: refused, naming it.
#[test]
fn a_server_that_ignores_max_age_is_refused() {
    let provider = Provider::start_with(&[("TOK_TEST_IGNORE_MAX_AGE", "1")]);
    let tok = Tok::new();
    let r = tok
        .login_to(&provider, "recent")
        .usual_scopes()
        .browser()
        .args(&["--max-age", "60"])
        .expect_failure(8);
    let line = error_line(&r);
    assert!(line.contains("`auth_time`"), "{line}");
    assert!(line.contains("max_age"), "{line}");
    let r = tok.run(&["print", "-p", "recent"]);
    assert_eq!(r.code, 3, "no session was stored: {r:?}");
}
