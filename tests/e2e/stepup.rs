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

/// The token a `script` run printed: the last non-empty line of the terminal's output.
fn last_line(out: &str) -> String {
    out.lines()
        .map(|l| l.trim_end_matches('\r'))
        .rfind(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// `tok print --acr-values` (RFC 9470 step-up): without a stepped-up token and without a
/// terminal, exit 3 naming the exact command; in a terminal, a new sign-in at that level (the
/// server steps the session up), a token kept apart from the everyday one and served from its
/// own cache afterwards, also to `--output` and `exec`.
#[test]
fn print_acr_values_steps_up_in_a_terminal_and_keeps_the_token_apart() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
    let everyday = tok.print("work");
    let step = [
        "print",
        "-p",
        "work",
        "--acr-values",
        "urn:tok:mfa urn:tok:hwk",
    ];

    // No terminal: exit 3, one line, and the command to run in one.
    let r = tok.run(&step);
    assert_eq!(r.code, 3, "{r:?}");
    let line = error_line(&r);
    assert!(
        line.contains("acr_values \"urn:tok:mfa urn:tok:hwk\""),
        "{line}"
    );
    assert!(
        r.stderr
            .contains("run `tok print -p work --acr-values 'urn:tok:mfa urn:tok:hwk' >/dev/null` in a terminal"),
        "{r:?}"
    );
    assert!(r.stdout.is_empty(), "{r:?}");
    assert_eq!(provider.stats()["interactions"]["login"], 1);

    // In a terminal: the server asks for a new sign-in, which meets the request.
    let out = tok.tty_command(&step).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("signing in again"), "{text}");
    let stepped = last_line(&text);
    assert_eq!(provider.stats()["interactions"]["login"], 2);
    assert_ne!(stepped, everyday);
    assert!(provider.active(&stepped));
    let r = tok.run(&[
        "print",
        "-p",
        "work",
        "--acr-values",
        "urn:tok:mfa urn:tok:hwk",
        "--token",
        "id",
    ]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(verified(&provider, &r.token())["acr"], "urn:tok:mfa");

    // Kept apart: the everyday token is as it was; the stepped-up one comes from its cache,
    // without a terminal, to print, --output and exec alike.
    assert_eq!(tok.print("work"), everyday);
    let r = tok.run(&step);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.token(), stepped);
    let file = tok.path("stepped.token");
    let f = file.to_str().unwrap();
    let mut out_args = step.to_vec();
    out_args.extend(["--output", f]);
    assert!(tok.run(&out_args).ok());
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), stepped);
    let r = tok.run(&[
        "exec",
        "-p",
        "work",
        "--acr-values",
        "urn:tok:mfa urn:tok:hwk",
        "--",
        "sh",
        "-c",
        "printf %s \"$TOK_ACCESS_TOKEN\"",
    ]);
    assert_eq!(r.stdout, stepped, "{r:?}");
    assert_eq!(
        provider.stats()["interactions"]["login"],
        2,
        "no further sign-in"
    );
    // --watch cannot keep one fresh: refused.
    out_args.push("--watch");
    assert_eq!(tok.run(&out_args).code, 2);
    // A new login of the profile drops the stepped-up token with its other caches.
    tok.login(&provider, "work");
    assert_eq!(tok.run(&step).code, 3);
    tok.assert_no_leak(&[stepped, everyday]);
}
