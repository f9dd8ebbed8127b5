//! The per-profile lock: bounded waits, and no stale lock after a SIGKILL. See: issue 4.

use std::fs::File;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Provider, Tok};

/// The lock file of profile `work`.
pub fn lock_path(tok: &Tok) -> std::path::PathBuf {
    tok.path("state/tok/locks/work.lock")
}

/// Whether some process holds the profile lock right now.
fn held(tok: &Tok) -> bool {
    match File::open(lock_path(tok)) {
        Ok(f) => matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

#[test]
fn a_held_lock_gives_a_busy_error_after_the_timeout() {
    let provider = Provider::start();
    let tok = Tok::new().env("TOK_LOCK_TIMEOUT", "1");
    tok.login(&provider, "work");
    let holder = File::options().write(true).open(lock_path(&tok)).unwrap();
    holder.lock().unwrap();
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
    let mut victim = tok
        .command(&["print", "-p", "work", "--force-refresh"])
        .env("TOK_TEST_DELAY_AFTER_RESPONSE_MS", "30000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !held(&tok) {
        assert!(Instant::now() < deadline, "the victim never took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
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
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
    let mut victim = tok
        .command(&["print", "-p", "work", "--force-refresh"])
        .env("TOK_TEST_DELAY_AFTER_RESPONSE_MS", "30000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while provider.refreshes() == 0 {
        assert!(Instant::now() < deadline, "the victim never refreshed");
        std::thread::sleep(Duration::from_millis(20));
    }
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
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
    let rt = tok.refresh_token("work");
    let victim = tok
        .command(&["print", "-p", "work", "--force-refresh"])
        .env("TOK_TEST_DELAY_AFTER_RESPONSE_MS", "1000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while provider.refreshes() == 0 {
        assert!(Instant::now() < deadline, "the victim never refreshed");
        std::thread::sleep(Duration::from_millis(20));
    }
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
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
    let rt = tok.refresh_token("work");
    let victim = tok
        .command(&["print", "-p", "work", "--force-refresh"])
        .env("TOK_TEST_DELAY_AFTER_RESPONSE_MS", "30000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while provider.refreshes() == 0 {
        assert!(Instant::now() < deadline, "the victim never refreshed");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&victim, "INT");
    std::thread::sleep(Duration::from_millis(200));
    signal(&victim, "INT");
    // wait_with_output would hang for the 30 s delay if the second signal were ignored.
    let out = victim.wait_with_output().unwrap();
    assert_eq!(out.status.signal(), Some(2));
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
    let tok = Tok::new()
        .with_keyring(&keyring)
        .env("TOK_STORE", "keychain");
    tok.login(&provider, "work");
    let other_state = tok.path("state-ide");
    std::fs::create_dir_all(&other_state).unwrap();
    // The first holds the lock across its refresh (the window held open after the response)…
    let first = tok
        .command(&["print", "-p", "work", "--force-refresh"])
        .env("TOK_TEST_DELAY_AFTER_RESPONSE_MS", "1500")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // …while the second, with its own XDG_STATE_HOME, needs a token too.
    let second = tok
        .command(&["print", "-p", "work", "--force-refresh"])
        .env("XDG_STATE_HOME", other_state.to_str().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let a = tok.record(first.wait_with_output().unwrap());
    let b = tok.record(second.wait_with_output().unwrap());
    assert!(a.ok(), "{a:?}");
    assert!(b.ok(), "{b:?}");
    assert_eq!(a.token(), b.token(), "the second took the first's token");
    assert_eq!(provider.refreshes(), 1, "one refresh");
    assert_eq!(provider.grants_revoked(), 0);
}
