//! The per-profile lock: bounded waits, and no stale lock after a SIGKILL. See: issue 4.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::support::{Provider, Tok, logged_in, wait_until};

/// The lock file of profile `work`.
pub fn lock_path(tok: &Tok) -> std::path::PathBuf {
    tok.path("state/tok/locks/work.lock")
}

/// Take profile `work`'s lock as another tok process would (flock), until the file is dropped.
pub fn hold_lock(tok: &Tok) -> File {
    let holder = File::options().write(true).open(lock_path(tok)).unwrap();
    holder.lock().unwrap();
    holder
}

/// Whether some process holds the profile lock right now.
fn held(tok: &Tok) -> bool {
    match File::open(lock_path(tok)) {
        Ok(f) => matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// Spawn `c` with its output thrown away.
fn quiet(mut c: Command) -> Child {
    c.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Spawn `c` with its output piped.
fn piped(mut c: Command) -> Child {
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Read a `print -v`'s stderr on a thread: all of it, once the process ends.
fn waits_for_the_lock(stderr: std::process::ChildStderr) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut text).unwrap();
        text
    })
}

#[test]
fn a_held_lock_gives_a_busy_error_after_the_timeout() {
    let provider = Provider::start();
    let tok = Tok::new().env("TOK_LOCK_TIMEOUT", "1");
    tok.login(&provider, "work");
    let holder = hold_lock(&tok);
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 9, "{r:?}");
    assert!(
        r.stderr
            .contains("another tok process held the lock of profile `work` for more than 1 s"),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("TOK_LOCK_TIMEOUT"),
        "the hint names the knob: {r:?}"
    );
    assert!(r.stdout.is_empty());
    // A valid cached token needs no lock at all.
    assert!(tok.run(&["print", "-p", "work"]).ok());
    holder.unlock().unwrap();
    assert!(tok.run(&["print", "-p", "work", "--force-refresh"]).ok());
    assert_eq!(provider.refreshes(), 1);
}

#[test]
fn a_lock_held_by_a_killed_tok_does_not_block() {
    // No rotation, so the killed refresh costs nothing and the session stays usable.
    let provider = Provider::start_with(&[("TOK_TEST_ROTATE", "0")]);
    let tok = Tok::new().env("TOK_LOCK_TIMEOUT", "3");
    tok.login(&provider, "work");
    let rt = tok.refresh_token("work");
    let mut victim = quiet(tok.slow_refresh("work", 30000, &[]));
    wait_until("the victim took the lock", || held(&tok));
    victim.kill().unwrap(); // SIGKILL: no destructor, no unlock
    victim.wait().unwrap();
    assert!(lock_path(&tok).exists(), "the lock file stays behind");
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "the kernel released the dead process's lock: {r:?}");
    assert_eq!(tok.refresh_token("work"), rt);
    assert_eq!(provider.grants_revoked(), 0);
}

#[test]
fn a_kill_inside_the_window_after_rotation_is_explained() {
    // The protocol's unavoidable window: the provider rotated, tok died before storing the new
    // refresh token. The next refresh presents the spent token; the provider revokes the grant.
    let (provider, tok) = logged_in(&[]);
    let mut victim = quiet(tok.slow_refresh("work", 30000, &[]));
    wait_until("the victim refreshed", || provider.refreshes() > 0);
    victim.kill().unwrap();
    victim.wait().unwrap();
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("hint: run `tok login -p work`"), "{r:?}");
    assert_eq!(provider.grants_revoked(), 1, "reuse detection fired");
}

#[cfg(unix)]
fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[cfg(unix)]
#[test]
fn sigterm_during_a_refresh_waits_until_the_rotated_token_is_stored() {
    use std::os::unix::process::ExitStatusExt;
    let (provider, tok) = logged_in(&[]);
    let rt = tok.refresh_token("work");
    // 10 s: the window the signal must land in, with slack for a loaded machine.
    let victim = piped(tok.slow_refresh("work", 10000, &[]));
    wait_until("the victim refreshed", || provider.refreshes() > 0);
    // Inside the window: the provider rotated, tok holds the new token only in memory.
    signal(&victim, "TERM");
    let out = victim.wait_with_output().unwrap();
    assert_eq!(out.status.signal(), Some(15), "it still dies of SIGTERM");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("finishing the refresh in flight"),
        "{stderr}"
    );
    assert_ne!(
        tok.refresh_token("work"),
        rt,
        "the rotated token was stored first"
    );
    assert!(tok.run(&["print", "-p", "work", "--force-refresh"]).ok());
    assert_eq!(provider.grants_revoked(), 0);
}

#[cfg(unix)]
#[test]
fn a_second_signal_quits_at_once() {
    use std::os::unix::process::ExitStatusExt;
    let (provider, tok) = logged_in(&[]);
    let rt = tok.refresh_token("work");
    let mut victim = piped(tok.slow_refresh("work", 30000, &[]));
    wait_until("the victim refreshed", || provider.refreshes() > 0);
    signal(&victim, "INT");
    // The second signal only once tok has taken the first (two pending signals of one kind
    // are one): it says so on stderr.
    let mut err = BufReader::new(victim.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("finishing the refresh in flight") {
        assert!(err.read_line(&mut said).unwrap() > 0, "tok ended: {said}");
    }
    signal(&victim, "INT");
    // wait would hang for the 30 s delay if the second signal were ignored.
    let status = victim.wait().unwrap();
    assert_eq!(status.signal(), Some(2), "{said}");
    assert_eq!(
        tok.refresh_token("work"),
        rt,
        "it quit inside the window instead of finishing"
    );
}

// See: issue 11 item 10 — two processes with different XDG_STATE_HOME (a sandboxed IDE, a
// service unit) took different locks but refreshed the same keychain item: the second presented
// the refresh token the first had just spent, and reuse detection revoked the grant. The lock of
// a per-user store is per user.
#[test]
fn racers_with_different_state_homes_share_the_keychain_sessions_lock() {
    let keyring = crate::support::Keyring::start();
    let provider = Provider::start();
    let tok = Tok::new().in_keychain(&keyring);
    tok.login(&provider, "work");
    let other_state = tok.path("state-ide");
    std::fs::create_dir_all(&other_state).unwrap();
    // The first holds the lock across its refresh (the window held open after the response)…
    let first = piped(tok.slow_refresh("work", 15000, &[]));
    // (Inside the window once the provider has answered it: waited for, not slept for.)
    wait_until("the first refreshed", || provider.refreshes() == 1);
    // …while the second, with its own XDG_STATE_HOME, needs a token too: it says it waits for
    // the lock before the first lets go of it (15 s is the slack for a loaded machine).
    let mut second = tok.command(&["print", "-p", "work", "--force-refresh", "-v"]);
    second.env("XDG_STATE_HOME", other_state.to_str().unwrap());
    let mut second = piped(second);
    let waited = waits_for_the_lock(second.stderr.take().unwrap());
    let a = tok.record(first.wait_with_output().unwrap());
    let mut b = tok.record(second.wait_with_output().unwrap());
    b.stderr = waited.join().unwrap();
    assert!(
        b.stderr.contains("waiting for another tok process"),
        "{b:?}"
    );
    assert!(a.ok(), "{a:?}");
    assert!(b.ok(), "{b:?}");
    assert_eq!(a.token(), b.token(), "the second took the first's token");
    assert_eq!(provider.refreshes(), 1, "one refresh");
    assert_eq!(provider.grants_revoked(), 0);
}
