//! `tok exec`: a real child reads the token from its environment, never from argv; its exit
//! status is tok's; a missing command is a usage error naming it. See: issue 13.

use crate::support::{exec_sh, logged_in};

#[test]
fn the_child_reads_the_token_from_its_environment_and_its_status_is_tok_s() {
    // Tokens that outlive exec's default --min-ttl (300 s) by far: with the provider's default
    // 300 s, each exec would rightly refresh, and the runs below could not share one token.
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let out = tok.path("seen");
    let out_s = out.to_str().unwrap();
    // The child writes what it found (and its own argv) to a file, for the test to compare.
    let script = r#"printf '%s\n%s\n%s\n' "$TOK_ACCESS_TOKEN" "$NPM_TOKEN" "$*" > "$0""#;
    let r = tok.run(&[
        "exec", "-p", "work", "--", "sh", "-c", script, out_s, "arg1",
    ]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.stdout, "");
    let seen = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = seen.lines().collect();
    let token = lines[0].to_string();
    assert!(token.len() > 20, "{seen}");
    assert_eq!(lines[1], "", "only the default variable: {seen}");
    assert_eq!(lines[2], "arg1");
    assert!(provider.active(&token), "a live token");
    assert_eq!(
        tok.print("work"),
        token,
        "the cached token, shared with print"
    );

    // --env, several times; the default variable is then not set.
    let r = tok.run(&[
        "exec",
        "-p",
        "work",
        "--env",
        "NPM_TOKEN",
        "--env",
        "GH_TOKEN",
        "--",
        "sh",
        "-c",
        r#"printf '%s\n%s\n%s\n' "${TOK_ACCESS_TOKEN-unset}" "$NPM_TOKEN" "$GH_TOKEN" > "$0""#,
        out_s,
    ]);
    assert!(r.ok(), "{r:?}");
    let seen = std::fs::read_to_string(&out).unwrap();
    assert_eq!(seen, format!("unset\n{token}\n{token}\n"));

    // The child's exit status is tok's; its stdout and stderr are its own.
    let r = tok.run(&exec_sh("work", "echo out; echo err >&2; exit 7"));
    assert_eq!(r.code, 7, "{r:?}");
    assert_eq!(r.stdout, "out\n");
    assert_eq!(r.stderr, "err\n");
    tok.assert_no_leak(&[token]);
}

#[test]
fn on_unix_the_child_replaces_tok_and_its_signals_are_its_own() {
    let (_provider, tok) = logged_in(&[]);
    // `$$` of `sh -c` is the pid tok was started with: exec, not a child process.
    let mut child = tok
        .command(&exec_sh("work", "echo $$; exec sleep 30"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let tok_pid = child.id();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), tok_pid.to_string());
    // SIGTERM goes to the command, which dies of it, as it would without tok.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &tok_pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt as _;
    assert_eq!(status.signal(), Some(15), "{status:?}");
}

#[test]
fn a_missing_or_empty_command_is_a_usage_error_naming_it_and_costs_no_refresh() {
    let (provider, tok) = logged_in(&[]);
    for (args, says) in [
        (&["exec", "-p", "work"][..], "no command to run"),
        (&["exec", "-p", "work", "--"][..], "no command to run"),
        (
            &["exec", "-p", "work", "--", ""][..],
            "the command to run is empty",
        ),
        (
            &["exec", "-p", "work", "--", "no-such-command-tok", "x"][..],
            "command `no-such-command-tok` not found",
        ),
        (
            &["exec", "-p", "work", "--", "./not/here"][..],
            "command `./not/here` not found",
        ),
        (
            &["exec", "-p", "work", "--env", "BAD=X", "--", "true"][..],
            "invalid --env `BAD=X`",
        ),
    ] {
        let r = tok.run(args);
        assert_eq!(r.code, 2, "{args:?}: {r:?}");
        assert!(r.stderr.contains(says), "{args:?}: {r:?}");
        assert!(r.stderr.contains("hint:"), "{r:?}");
    }
    assert_eq!(provider.refreshes(), 0);
    // Not logged in: the session's own error, before the command runs.
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    let marker = tok.path("ran");
    let r = tok.run(&[
        "exec",
        "-p",
        "work",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(!marker.exists(), "the command did not run");
}
