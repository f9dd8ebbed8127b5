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

/// `tok print --acr-values` (RFC 9470 step-up): without a stepped-up token and without a
/// terminal, exit 3 naming the exact command; in a terminal, a new sign-in at that level, a
/// token kept apart from the everyday one and served from its
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

    // In a terminal: a new sign-in (the test browser keeps no session), which meets the
    // request.
    let out = tok.tty_command(&step).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("signing in again"), "{text}");
    // What it printed is the token now held (read without a terminal: the terminal's output
    // mixes stderr in).
    let r = tok.run(&step);
    assert!(r.ok(), "held: {r:?}");
    let stepped = r.token();
    assert!(text.contains(&stepped), "{text}");
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

/// `cmd` (a shell line) run by `script`, so that git and tok have a terminal.
fn in_terminal(rig: &crate::git::GitRig, cmd: &str) -> crate::support::Run {
    let mut c = std::process::Command::new("script");
    c.args(["-qec", cmd, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(rig.tok.env_vars())
        .stdin(std::process::Stdio::null());
    rig.tok.record(c.output().unwrap())
}

/// GET the repository's refs from the rig's git server with `token`: the status and the
/// `WWW-Authenticate` values.
fn get_refs(rig: &crate::git::GitRig, token: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", rig.server.port)).unwrap();
    write!(
        s,
        "GET /repo.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let challenges = answer
        .lines()
        .filter_map(|l| l.strip_prefix("WWW-Authenticate: "))
        .collect::<Vec<_>>()
        .join("\n");
    (status, challenges)
}

/// See: issue 21. A git server that wants a stronger sign-in answers the everyday token with
/// an RFC 9470 challenge, which git (≥ 2.46, `continue`) hands to tok in the same clone: without
/// a terminal the clone fails naming the command, the everyday token kept; in a terminal tok
/// signs in again and the clone succeeds; later clones use the stepped-up token without a
/// sign-in; a token the server calls `invalid_token` is dropped and replaced in the same fetch.
#[test]
fn a_git_server_asking_for_a_step_up_gets_it_in_the_same_clone() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let revoked = tempfile::NamedTempFile::new().unwrap();
    let rig = crate::git::GitRig::start(
        &[],
        &[
            "--step-up",
            "urn:tok:mfa",
            "--revoked",
            revoked.path().to_str().unwrap(),
        ],
    );
    let everyday = rig.tok.print("work");

    // No terminal (GIT_TERMINAL_PROMPT=0): the clone fails; tok names the command.
    let r = rig.git(&["clone", "-q", &rig.url(), "x"], Some(&rig.path("")));
    assert!(!r.ok(), "{r:?}");
    assert!(
        r.stderr
            .contains("run `tok print -p work --acr-values urn:tok:mfa >/dev/null` in a terminal"),
        "{r:?}"
    );
    assert_eq!(
        rig.tok.print("work"),
        everyday,
        "the everyday token is kept"
    );
    assert_eq!(rig.provider.stats()["interactions"]["login"], 1);

    // In a terminal: the challenge reaches tok within the clone, which then succeeds.
    let dest = rig.path("stepped");
    let r = in_terminal(
        &rig,
        &format!("git clone -q {} {}", rig.url(), dest.display()),
    );
    assert!(r.ok(), "{r:?}");
    assert!(dest.join("README").exists(), "{r:?}");
    assert!(r.stdout.contains("signing in again"), "{r:?}");
    assert_eq!(rig.provider.stats()["interactions"]["login"], 2);
    assert!(
        rig.server.count("bearer", 401) >= 2,
        "the challenges were sent"
    );

    // Held now: a clone without a terminal gets it, and so does `tok print --acr-values`.
    let stepped = rig
        .tok
        .run(&["print", "-p", "work", "--acr-values", "urn:tok:mfa"])
        .token();
    rig.git_ok(&["clone", "-q", &rig.url(), "again"], Some(&rig.path("")));
    assert_eq!(rig.provider.stats()["interactions"]["login"], 2);
    // The resource server itself: the everyday token gets the step-up challenge, the token
    // `tok print --acr-values` serves gets the repository.
    let (status, challenge) = get_refs(&rig, &everyday);
    assert_eq!(status, 401);
    assert!(
        challenge.contains(r#"error="insufficient_user_authentication""#)
            && challenge.contains(r#"acr_values="urn:tok:mfa""#),
        "{challenge}"
    );
    assert_eq!(get_refs(&rig, &stepped).0, 200);

    // The server stops accepting the stepped-up token (invalid_token): tok drops it; the
    // fetch then fails at the step-up (no terminal), and the dropped token is not served again.
    std::fs::write(revoked.path(), tok::fingerprint(&stepped)).unwrap();
    let r = rig.git(&["fetch", "-q"], Some(&dest));
    assert!(!r.ok(), "{r:?}");
    let r = rig
        .tok
        .run(&["print", "-p", "work", "--acr-values", "urn:tok:mfa"]);
    assert_eq!(
        r.code, 3,
        "the rejected stepped-up token was forgotten: {r:?}"
    );
    assert_eq!(
        rig.tok.print("work"),
        everyday,
        "the everyday token is kept"
    );

    // Now the everyday token too: git's first answer gets `invalid_token`, and tok drops it and
    // refreshes within the same fetch (which then still lacks the step-up).
    let refreshes = rig.provider.refreshes();
    std::fs::write(
        revoked.path(),
        format!(
            "{}\n{}\n",
            tok::fingerprint(&stepped),
            tok::fingerprint(&everyday)
        ),
    )
    .unwrap();
    let r = rig.git(&["fetch", "-q"], Some(&dest));
    assert!(!r.ok(), "{r:?}");
    assert_eq!(rig.provider.refreshes(), refreshes + 1, "{r:?}");
    assert_ne!(rig.tok.print("work"), everyday);
    rig.tok.assert_no_leak(&[stepped, everyday]);
}

/// `tok profile show` lists the keys a login saved for a stricter server: the redirect URI,
/// the authorization parameters and PAR (issue 21).
#[test]
fn profile_show_lists_the_login_keys_for_stricter_servers() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login_with(
        &provider,
        "strict",
        &[
            "--browser",
            "--redirect-uri",
            "http://127.0.0.1:0/callback",
            "--acr-values",
            "urn:tok:mfa",
            "--prompt",
            "login",
            "--par",
        ],
    );
    let r = tok.run(&["profile", "show", "strict", "--json"]);
    assert!(r.ok(), "{r:?}");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["redirect_uri"], "http://127.0.0.1:0/callback", "{j}");
    assert_eq!(j["auth_params"]["acr_values"], "urn:tok:mfa", "{j}");
    assert_eq!(j["auth_params"]["prompt"], "login", "{j}");
    assert_eq!(j["par"], true, "{j}");
    let r = tok.run(&["profile", "show", "strict"]);
    assert!(r.stdout.contains("redirect:"), "{r:?}");
    assert!(
        r.stdout.contains("acr_values=urn:tok:mfa prompt=login"),
        "{r:?}"
    );
    assert!(r.stdout.contains("par:         true"), "{r:?}");
}

/// `--max-age` alone steps up to a recent sign-in (the ID token's `auth_time` shows it); a DPoP
/// profile cannot step up (its stepped-up token would be bound to a key tok does not keep):
/// exit 2.
#[test]
fn max_age_alone_steps_up_and_a_dpop_profile_cannot() {
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
    let args = ["print", "-p", "work", "--max-age", "600", "--token", "id"];
    let out = tok.tty_command(&args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("a sign-in at most 600 s old"), "{text}");
    let r = tok.run(&args);
    assert!(r.ok(), "held: {r:?}");
    assert!(text.contains(&r.token()), "{text}");
    let claims = verified(&provider, &r.token());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let auth_time = claims["auth_time"].as_i64().expect("auth_time");
    assert!(now - auth_time <= 600 + 60, "{claims}");

    tok.login_with(&provider, "bound", &["--browser", "--dpop"]);
    let r = tok.run(&["print", "-p", "bound", "--acr-values", "urn:tok:mfa"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(error_line(&r).contains("cannot step up"), "{r:?}");
}
