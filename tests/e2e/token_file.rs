//! Token files: `tok print --output FILE` (atomic, 0600, stdout empty) and `--watch` stopped by
//! SIGTERM in the middle of a rewrite. The one-minute watcher through an outage is in
//! `background.rs` (it must start early). See: issue 13.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Tok, dpop_print, logged_in, wait_until};

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn output_writes_a_private_file_and_nothing_on_stdout() {
    let (_provider, tok) = logged_in(&[]);
    let dir = tok.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    let f = file.to_str().unwrap();
    let r = tok.run(&["print", "-p", "work", "--output", f]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.stdout, "");
    let token = std::fs::read_to_string(&file).unwrap();
    assert_eq!(token, tok.print("work"), "exactly the token, no newline");
    assert_eq!(mode(&file), 0o600);
    let r = tok.run(&["print", "-p", "work", "--output", f, "--format", "json"]);
    assert!(r.ok() && r.stdout.is_empty(), "{r:?}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["access_token"].as_str().unwrap(), token);
    let r = tok.run(&["print", "-p", "work", "--output", f, "--format", "header"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("Authorization: Bearer {token}\n")
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
    let dpop_to_file = [&dpop_print("work")[..], &["--output", f]].concat();
    let r = tok.run(&dpop_to_file);
    assert_eq!(r.code, 2, "{r:?}");
    let r = tok.run(&["print", "-p", "work", "--watch"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--output"), "{r:?}");
    let r = tok.run(&["print", "-p", "work", "--output", &format!("{f}/missing/x")]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!r.stderr.contains(token.trim()), "{r:?}");
}

pub fn watcher(tok: &Tok, file: &Path, extra: &[&str], env: &[(&str, &str)]) -> Child {
    let mut args = vec![
        "print",
        "-p",
        "work",
        "--output",
        file.to_str().unwrap(),
        "--watch",
    ];
    args.extend_from_slice(extra);
    tok.command(&args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

pub fn wait_for_file(p: &Path) {
    let start = Instant::now();
    while !p.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} never written",
            p.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Wait for `child` to exit, at most `secs`; its exit code, stdout and stderr.
pub fn finish(mut child: Child, secs: u64) -> (Option<i32>, String, String) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            let mut err = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code(), out, err);
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!(
                "watcher still running after {secs} s\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_in_the_middle_of_a_rewrite_finishes_it_and_exits_0() {
    // The login's token lives 12 s (the watcher rewrites it with a third left: 8 s for it to
    // start and write this one first); the ones after it live long, so that the refreshed token
    // is still valid when it is checked below, however slow the machine.
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "12")]);
    provider.set_access_ttl(300);
    let file = tok.path("token");
    // The refresh holds its answer 10 s before storing it: the signal lands in that window.
    let w = watcher(
        &tok,
        &file,
        &[],
        &[("TOK_TEST_DELAY_AFTER_RESPONSE_MS", "10000")],
    );
    wait_for_file(&file);
    let first = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        provider.refreshes(),
        0,
        "the first write is the login's token"
    );
    wait_until("the watcher refreshed", || provider.refreshes() > 0);
    signal(&w, "-TERM");
    let (code, out, err) = finish(w, 60);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "");
    let note = err.find("finishing the refresh in flight").expect(&err);
    let wrote = err.rfind("tok print: wrote").expect(&err);
    assert!(
        note < wrote,
        "the rewrite was finished after the signal: {err}"
    );
    assert!(err.contains("stopped"), "{err}");
    let second = std::fs::read_to_string(&file).unwrap();
    assert_ne!(first, second, "the refreshed token was written");
    assert!(provider.active(second.trim()));
    // The rotated refresh token was stored: the session lives on, and the cache holds the token
    // in the file.
    assert_eq!(provider.refreshes(), 1);
    assert_eq!(
        tok.run(&["print", "-p", "work", "--min-ttl", "0"]).token(),
        second.trim()
    );
    assert!(provider.active(&tok.refresh_token("work")));
    assert_eq!(provider.grants_revoked(), 0);
    let names: Vec<_> = std::fs::read_dir(tok.home.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}
