//! Issue 19: host confusion in the Terraform helper, trust files others can write, what
//! `tok exec` hands its command, and what a third authorization server showed.

use std::path::Path;

use crate::support::{NARROWED_PRINT, Provider, Racer, Tok, exec_sh, logged_in};

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Item 3: the command `tok exec` runs gets the caller's core limits, soft and hard, though tok
/// itself runs with a soft limit of 0 (and non-dumpable).
#[test]
fn exec_gives_the_command_the_callers_core_limits() {
    let (_provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let tok_bin = crate::support::tok_bin().display().to_string();
    // The caller: limits of its own choosing (lowering the hard one too), then exec's command
    // prints what it got.
    let line = format!(
        "ulimit -Hc 8192 && ulimit -Sc 2048 && ulimit -Sc && ulimit -Hc && \
         exec {} exec -p work -- sh -c 'ulimit -Sc; ulimit -Hc'",
        sh_quote(&tok_bin)
    );
    let out = tok.tool("sh").args(["-c", &line]).output().unwrap();
    let r = tok.record(out);
    assert!(r.ok(), "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines, ["2048", "8192", "2048", "8192"], "{r:?}");
    // And `ulimit -c unlimited` works again in a command of a caller without limits.
    let r = tok.run(&exec_sh("work", "ulimit -c unlimited && ulimit -c"));
    let hard = std::process::Command::new("sh")
        .args(["-c", "ulimit -Hc"])
        .output()
        .unwrap();
    if String::from_utf8_lossy(&hard.stdout).trim() == "unlimited" {
        assert!(r.ok(), "{r:?}");
        assert_eq!(r.stdout, "unlimited\n");
    }
}

/// Item 4: the command does not get tok's standing credentials (the client secret, the GitHub
/// Actions request token and URL, a workload identity's `env:NAME`) unless `--keep-env` names
/// them; its other variables pass through.
#[test]
fn exec_keeps_standing_credentials_from_the_command() {
    let (ci, provider) = crate::workload::rig(&[("TOK_TEST_AT_TTL", "3600")]);
    let jwt = ci.mint(&[("aud", &provider.issuer)]);
    let tok = Tok::new()
        .env("CI_JOB_JWT_TOK", &jwt)
        .env("TOK_CLIENT_SECRET", "standing-client-secret")
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "standing-request-token")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:9/x?y=1")
        .env("OTHER_VAR", "passes");
    tok.login_to(&provider, "ci")
        .client("tok-ci")
        .args(&["--workload-identity", "env:CI_JOB_JWT_TOK"])
        .expect_success();
    let show = r#"for v in TOK_CLIENT_SECRET ACTIONS_ID_TOKEN_REQUEST_TOKEN ACTIONS_ID_TOKEN_REQUEST_URL CI_JOB_JWT_TOK OTHER_VAR; do eval "printf '%s=%s\n' $v \"\${$v-unset}\""; done; test -n "$TOK_ACCESS_TOKEN""#;
    let r = tok.run(&exec_sh("ci", show));
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.stdout,
        "TOK_CLIENT_SECRET=unset\nACTIONS_ID_TOKEN_REQUEST_TOKEN=unset\n\
         ACTIONS_ID_TOKEN_REQUEST_URL=unset\nCI_JOB_JWT_TOK=unset\nOTHER_VAR=passes\n"
    );
    let r = tok.run(&[
        "exec",
        "-p",
        "ci",
        "--keep-env",
        "CI_JOB_JWT_TOK",
        "--keep-env",
        "TOK_CLIENT_SECRET",
        "--",
        "sh",
        "-c",
        show,
    ]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.stdout,
        format!(
            "TOK_CLIENT_SECRET=standing-client-secret\nACTIONS_ID_TOKEN_REQUEST_TOKEN=unset\n\
             ACTIONS_ID_TOKEN_REQUEST_URL=unset\nCI_JOB_JWT_TOK={jwt}\nOTHER_VAR=passes\n"
        )
    );
}

/// Item 4: `--env` names the loader, the shell or an interpreter reads (`LD_PRELOAD=<token>`
/// makes the loader print it on stderr) are a usage error, before any token is obtained.
#[test]
fn exec_refuses_env_names_that_steer_the_loader_or_an_interpreter() {
    let tok = Tok::new();
    for var in [
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "DYLD_INSERT_LIBRARIES",
        "PATH",
        "BASH_ENV",
        "ENV",
        "NODE_OPTIONS",
        "PYTHONSTARTUP",
        "PERL5OPT",
    ] {
        let r = tok.run(&["exec", "-p", "work", "--env", var, "--", "true"]);
        assert_eq!(r.code, 2, "{var}: {r:?}");
        assert!(r.stderr.contains(&format!("--env {var}")), "{r:?}");
        assert_eq!(r.stderr.lines().count(), 2, "message and hint: {r:?}");
    }
}

/// Item 2: a `ca_file` another user could write (mode 0666, or 0644 in a directory others can
/// write) is refused like the config file: exit 8, naming it, with the config file's hint.
#[test]
fn a_ca_file_others_could_write_is_refused() {
    let (_provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let dir = tok.path("trust");
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o755);
    let ca = dir.join("ca.pem");
    std::fs::write(
        &ca,
        "-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    chmod(&ca, 0o644);
    tok.add_to_profile("work", &format!("ca_file = \"{}\"", ca.display()));
    // Private: accepted (the cached token needs no request, so the file is not even read).
    let r = tok.run(&["print", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    let refused = |what: &Path| {
        let r = tok.run(&["print", "-p", "work"]);
        assert_eq!(r.code, 8, "{}: {r:?}", what.display());
        assert!(r.stdout.is_empty(), "{r:?}");
        assert!(r.stderr.contains(&what.display().to_string()), "{r:?}");
        assert!(r.stderr.contains("ca_file"), "{r:?}");
        assert!(
            r.stderr.contains(&format!("chmod go-w {}", what.display())),
            "{r:?}"
        );
    };
    chmod(&ca, 0o666);
    refused(&ca);
    chmod(&ca, 0o644);
    chmod(&dir, 0o777);
    refused(&dir);
    chmod(&dir, 0o755);
    std::os::unix::fs::chown(&ca, Some(65534), None).unwrap();
    let r = tok.run(&["print", "-p", "work"]);
    assert_eq!(r.code, 8, "owned by another user: {r:?}");
    assert!(r.stderr.contains("chown"), "{r:?}");
}

/// Item 2: a workload identity `file:PATH` others could write is refused the same way.
#[test]
fn a_workload_identity_file_others_could_write_is_refused() {
    let (ci, provider) = crate::workload::rig(&[]);
    let tok = Tok::new();
    let file = tok.path("projected-token");
    let jwt = ci.mint(&[("aud", &provider.issuer)]);
    std::fs::write(&file, format!("{jwt}\n")).unwrap();
    chmod(&file, 0o600);
    let source = format!("file:{}", file.display());
    tok.login_to(&provider, "ci")
        .client("tok-ci")
        .args(&["--workload-identity", &source])
        .expect_success();
    chmod(&file, 0o666);
    let r = tok.run(&["print", "-p", "ci", "--force-refresh"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stderr.contains(&file.display().to_string()), "{r:?}");
    assert!(r.stderr.contains("workload identity file"), "{r:?}");
    chmod(&file, 0o600);
    let r = tok.run(&["print", "-p", "ci", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    tok.assert_no_leak(&[jwt]);
}

/// Item 9: a refresh answered with a bare HTTP 400 (no RFC 6749 §5.2 JSON, as some servers
/// answer a spent or replayed refresh token) is a dead grant: exit 3 with "run `tok login`",
/// the request is not resent, the stored session is left as it was and no token is cached.
#[test]
fn a_bare_400_on_refresh_means_log_in_again() {
    use crate::faults::Faults;
    let (provider, tok) = logged_in(&[]);
    let faults = Faults::start(&provider);
    let before = tok.file_session("work");
    let r = faults.refresh(&tok, "bare400", &[]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("tok login"), "{r:?}");
    assert!(r.stderr.contains("HTTP 400"), "{r:?}");
    assert!(!r.stderr.contains("try again later"), "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert_eq!(faults.hits("bare400"), 1, "not resent");
    assert_eq!(tok.file_session("work"), before, "session unchanged");
}

/// Item 10: an authorization endpoint that redirects back with an error: each RFC 6749
/// §4.1.2.1 code has its own message and exit code, with the provider's description cleaned.
#[test]
fn an_authorization_error_redirect_gets_its_own_message_and_exit_code() {
    for (error, exit, says) in [
        (
            "invalid_request:nonce required\u{1b}[31m",
            8,
            "(invalid_request: nonce required",
        ),
        ("server_error", 4, "(server_error"),
        ("unsupported_response_type", 8, "(unsupported_response_type"),
        ("access_denied", 7, "denied"),
    ] {
        // A provider of its own for each: its next login ends with this error.
        let provider = Provider::start_with(&[("TOK_TEST_AUTHZ_ERRORS", error)]);
        let tok = Tok::new();
        let r = tok
            .login_to(&provider, "work")
            .browser()
            .expect_failure(exit);
        assert!(r.stderr.contains(says), "{r:?}");
        assert!(!r.stderr.contains("answered 302"), "{r:?}");
        assert!(!r.stderr.contains('\u{1b}'), "cleaned: {r:?}");
        // tok's last lines (the test browser's own lines, `[browser] …`, may come after them).
        let lines: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| !l.starts_with("[browser]"))
            .skip_while(|l| !l.starts_with("tok login: error:"))
            .collect();
        assert!(lines[0].contains(says), "one error line: {r:?}");
        assert!(
            lines.len() == 1 || (lines.len() == 2 && lines[1].trim_start().starts_with("hint: ")),
            "{r:?}"
        );
    }
}

/// Item 11: a server that answers a public client's revocation with a bare 401 (it requires
/// client authentication at its revocation endpoint): the logout says NOT revoked, why, and
/// what the user can do; `--json` says `"revoked": false`.
#[test]
fn a_logout_refused_for_a_public_client_says_why_and_what_to_do() {
    use crate::faults::Faults;
    let (provider, tok) = logged_in(&[]);
    let faults = Faults::start(&provider);
    tok.add_to_profile(
        "work",
        &format!("revocation_endpoint = \"{}\"", faults.url("bare401")),
    );
    let r = tok.run(&["logout", "-p", "work", "--json"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(faults.hits("bare401"), 1);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["revoked"], false, "{r:?}");
    assert!(r.stderr.contains("NOT revoked"), "{r:?}");
    assert!(r.stderr.contains("public client"), "why: {r:?}");
    assert!(r.stderr.contains("account page"), "what to do: {r:?}");
}

/// Item 8: a `--min-ttl` longer than the tokens' whole lifetime (60 s tokens, `--min-ttl 300`
/// as `tok exec` defaults to) is capped at a third of the lifetime with one warning, so calls
/// one after the other, and racers, share a token instead of refreshing each time (before: one
/// refresh per call, each rotating the refresh token).
#[test]
fn a_min_ttl_longer_than_the_lifetime_does_not_refresh_on_every_call() {
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "60")]);
    let baseline = provider.refreshes();
    let mut seen = vec![];
    for _ in 0..5 {
        let r = tok.run(&["print", "-p", "work", "--min-ttl", "300"]);
        assert!(r.ok(), "{r:?}");
        let warnings: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.contains("is not shorter than the access token's lifetime (60 s)"))
            .collect();
        assert_eq!(warnings.len(), 1, "{r:?}");
        seen.push(r.token());
    }
    seen.extend(tok.concurrently(12, &["print", "-p", "work", "--min-ttl", "300"]));
    // Normally none (the login's token has 40 s of its 60 above the cap); one, should this
    // machine stall for more than 40 s in between — never one per call.
    let refreshes = provider.refreshes() - baseline;
    assert!(
        refreshes <= 1,
        "{refreshes} refreshes for {} calls",
        seen.len()
    );
    assert!(crate::support::distinct(&seen).len() <= 2, "{seen:?}");
    assert_eq!(provider.grants_revoked(), 0);
}

/// Item 7: a down-scoped token whose granted `scope` (stated in the token response) is wider
/// than asked: exit 8 naming both lists, nothing served, nothing cached.
#[test]
fn a_narrowed_token_granted_wider_than_asked_is_refused() {
    let provider = Provider::start_with(&[("TOK_TEST_REFRESH_SCOPE", "api:read api:write")]);
    let tok = Tok::new();
    tok.login_with(&provider, "work", &["--scope", "api:read", "--browser"]);
    let r = tok.run(&NARROWED_PRINT);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains("`api:read api:write`"), "{r:?}");
    assert!(r.stderr.contains("`api:read`"), "{r:?}");
    assert_eq!(provider.refreshes(), 1);
    // No narrowed token was cached (its cache file would be `work+HASH.json`).
    let narrowed: Vec<_> = tok
        .files()
        .into_iter()
        .filter(|(p, _)| p.to_string_lossy().contains("/tokens/work+"))
        .collect();
    assert!(narrowed.is_empty(), "{narrowed:?}");
    // The default token is unaffected.
    assert!(tok.run(&["print", "-p", "work"]).ok());
}

/// Item 6: `tok setup terraform` / `tok setup docker` edit a symlinked `~/.terraformrc` or
/// docker `config.json` (a dotfile manager's link) through the link when its target is the
/// user's own and no one else can write it; otherwise they refuse, naming both paths, and the
/// link is left as it was (before: replaced by a private file, detaching it from the dotfiles).
#[test]
fn setup_edits_a_symlinked_config_through_the_link_or_refuses() {
    use std::os::unix::fs::symlink;
    let provider = Provider::start();
    let docker_dir = tempfile::tempdir().unwrap();
    let tok = Tok::new().env("DOCKER_CONFIG", docker_dir.path().to_str().unwrap());
    tok.login(&provider, "work");
    let dotfiles = tok.path("dotfiles");
    std::fs::create_dir(&dotfiles).unwrap();
    chmod(&dotfiles, 0o755);
    let rc_target = dotfiles.join("terraformrc");
    std::fs::write(&rc_target, "plugin_cache_dir = \"/tmp/p\"\n").unwrap();
    chmod(&rc_target, 0o644);
    let rc = tok.path(".terraformrc");
    symlink(&rc_target, &rc).unwrap();
    let docker_target = dotfiles.join("docker.json");
    std::fs::write(&docker_target, "{\"psFormat\": \"x\"}\n").unwrap();
    chmod(&docker_target, 0o600);
    let docker_link = docker_dir.path().join("config.json");
    symlink(&docker_target, &docker_link).unwrap();
    let is_link = |p: &Path| {
        std::fs::symlink_metadata(p)
            .unwrap()
            .file_type()
            .is_symlink()
    };

    let r = tok.setup("terraform", "work", &["--host", "tf.example.com"]);
    assert!(r.ok(), "{r:?}");
    assert!(is_link(&rc), "the link stays a link");
    let text = std::fs::read_to_string(&rc_target).unwrap();
    assert!(text.starts_with("plugin_cache_dir"), "{text}");
    assert!(text.contains("credentials_helper \"tok\""), "{text}");
    let r = tok.setup("docker", "work", &["--registry", "reg.example.com"]);
    assert!(r.ok(), "{r:?}");
    assert!(is_link(&docker_link), "the link stays a link");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&docker_target).unwrap()).unwrap();
    assert_eq!(v["credHelpers"]["reg.example.com"], "tok", "{v}");
    assert_eq!(v["psFormat"], "x", "{v}");
    // --remove goes through the link too.
    let r = tok.setup(
        "terraform",
        "work",
        &["--host", "tf.example.com", "--remove"],
    );
    assert!(r.ok(), "{r:?}");
    assert!(is_link(&rc));
    assert_eq!(
        std::fs::read_to_string(&rc_target).unwrap(),
        "plugin_cache_dir = \"/tmp/p\"\n"
    );

    // A target others can write: refused, naming both paths; nothing changes.
    chmod(&rc_target, 0o666);
    let r = tok.setup("terraform", "work", &["--host", "tf.example.com"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stderr.contains(&rc.display().to_string()), "{r:?}");
    assert!(r.stderr.contains(&rc_target.display().to_string()), "{r:?}");
    assert!(is_link(&rc));
    assert_eq!(
        std::fs::read_to_string(&rc_target).unwrap(),
        "plugin_cache_dir = \"/tmp/p\"\n"
    );
    // A target of another user: refused too.
    std::os::unix::fs::chown(&docker_target, Some(65534), None).unwrap();
    let r = tok.setup("docker", "work", &["--registry", "other.example.com"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr.contains(&docker_target.display().to_string()),
        "{r:?}"
    );
    assert!(is_link(&docker_link));
}

/// Item 5: racers of one profile with two different `XDG_STATE_HOME`s but the same file-store
/// session (`$XDG_DATA_HOME/tok/sessions`) meet on one lock, beside the session: 12 + 12
/// racers make exactly one refresh (before: one per state directory, and the second presented
/// the refresh token the first had just spent).
#[test]
fn racers_with_different_state_homes_share_the_file_sessions_lock() {
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    assert!(
        tok.path("data/tok/sessions").is_dir(),
        "a file-store session"
    );
    let other_state = tok.path("state-ide");
    std::fs::create_dir_all(&other_state).unwrap();
    chmod(&other_state, 0o700);
    // Hold the lock beside each profile state until every racer waits: all of them have then
    // read the cached token before anyone refreshed.
    let holder = |path: &Path| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        chmod(path.parent().unwrap(), 0o700);
        let f = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .unwrap();
        f.lock().unwrap();
        f
    };
    let held = [
        holder(&tok.path("state/tok/locks/work.lock")),
        holder(&other_state.join("tok/locks/work.lock")),
    ];
    let baseline = provider.refreshes();
    let (tx, rx) = std::sync::mpsc::channel();
    let racers: Vec<_> = (0..24)
        .map(|i| {
            let mut c = tok.command(&["print", "-p", "work", "--force-refresh", "-v"]);
            // The first refresh holds its window open: a racer that did not wait for it would
            // refresh alongside it.
            c.env("TOK_TEST_DELAY_AFTER_RESPONSE_MS", "1000");
            if i % 2 == 1 {
                c.env("XDG_STATE_HOME", other_state.to_str().unwrap());
            }
            Racer::spawn(c, &tx)
        })
        .collect();
    for _ in 0..24 {
        rx.recv_timeout(std::time::Duration::from_secs(120))
            .expect("every racer waits for a lock");
    }
    drop(held);
    let mut tokens = vec![];
    for racer in racers {
        tokens.push(racer.finish().0);
    }
    assert_eq!(
        provider.refreshes() - baseline,
        1,
        "one refresh for 24 racers"
    );
    assert_eq!(crate::support::distinct(&tokens).len(), 1, "{tokens:?}");
    assert_eq!(provider.grants_revoked(), 0);
}
