//! The keychain stores for real: Secret Service against a gnome-keyring on a private D-Bus, and
//! kernel keyutils with each tok in a session keyring of its own (`keyctl session -`).

use crate::support::{Keyring, Provider, Tok, keyutils_lookup, keyutils_profile};

#[test]
fn session_lives_in_the_keychain_and_no_refresh_token_in_any_file() {
    let keyring = Keyring::start();
    let provider = Provider::start();
    let tok = Tok::new().with_keyring(&keyring).env("TOK_STORE", "auto");
    let r = tok.login(&provider, "work");
    assert!(r.stderr.contains("session in Secret Service"), "{r:?}");
    assert!(!r.stderr.contains("warning"), "{r:?}");
    let item = keyring
        .lookup("work")
        .expect("keychain item service=tok account=work");
    let session: serde_json::Value = serde_json::from_str(&item).unwrap();
    let rt = session["refresh_token"].as_str().unwrap().to_string();
    assert!(
        tok.any_file_contains(&rt).is_empty(),
        "refresh token found in a file"
    );
    let at = tok.print("work");
    assert!(provider.active(&at));
    // Refresh through the keychain: the rotated token replaces the old one in the item.
    let at2 = tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    let rt2 = serde_json::from_str::<serde_json::Value>(&keyring.lookup("work").unwrap()).unwrap()
        ["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(rt, rt2);
    assert!(tok.any_file_contains(&rt2).is_empty());
    let status = tok.run(&["status", "--json"]);
    assert!(
        status.stdout.contains("\"store\": \"Secret Service\""),
        "{status:?}"
    );
    assert!(tok.run(&["logout", "-p", "work"]).ok());
    assert!(keyring.lookup("work").is_none(), "logout deletes the item");
    assert!(!provider.active(&at2));
    tok.assert_no_leak(&[at, at2, rt, rt2]);
}

#[test]
fn locked_keychain_fails_fast_with_advice() {
    let keyring = Keyring::start_with(&[("TOK_TEST_KEYRING_LOCKED", "1")]);
    let provider = Provider::start();
    let tok = Tok::new().in_keychain(&keyring);
    let started = std::time::Instant::now();
    let r = tok.login_to(&provider, "work").browser().expect_failure(6);
    assert!(r.stderr.contains("Secret Service"), "{r:?}");
    assert!(r.stderr.contains("hint:"), "{r:?}");
    assert!(started.elapsed().as_secs() < 20, "no hang");
    assert_eq!(
        provider.stats()["authorizations"],
        0,
        "the store is checked before the user is asked to approve"
    );
}

#[test]
fn auto_without_keychain_falls_back_to_file_with_a_warning() {
    let provider = Provider::start();
    let tok = Tok::new()
        .env("TOK_STORE", "auto")
        .without("DBUS_SESSION_BUS_ADDRESS")
        .without("XDG_RUNTIME_DIR");
    let r = tok.login(&provider, "work");
    assert!(
        r.stderr.contains("warning: no keychain is available"),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("sessions/work.json"),
        "names the file: {r:?}"
    );
    assert!(r.stderr.contains("--store"), "says how to choose: {r:?}");
    // Later commands use the store chosen at login without probing again.
    let p = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(p.ok() && !p.stderr.contains("warning"), "{p:?}");
}

/// A D-Bus address whose socket accepts connections and never answers: a hung Secret Service.
struct SilentBus {
    _child: crate::support::ChildGuard,
    _dir: tempfile::TempDir,
    address: String,
}

impl SilentBus {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bus");
        let (child, line) = crate::support::start_service(
            "a silent D-Bus socket (/usr/bin/python3)",
            || {
                let mut c = std::process::Command::new("/usr/bin/python3");
                c.arg("-c")
                    .arg(
                        "import socket,sys,time\n\
                         s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64)\n\
                         print('ready', flush=True)\n\
                         held=[]\n\
                         while True: held.append(s.accept())\n",
                    )
                    .arg(&path);
                c
            },
            &dir.path().join("stderr"),
            1,
            std::time::Duration::from_secs(300),
        );
        assert_eq!(line, "ready");
        Self {
            _child: child.without_grace(),
            address: format!("unix:path={}", path.display()),
            _dir: dir,
        }
    }
}

#[test]
fn a_hung_secret_service_times_out_with_advice() {
    // See: issue 4.
    let bus = SilentBus::start();
    let provider = Provider::start();
    let tok = Tok::new()
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("TOK_STORE", "keychain")
        .env("TOK_KEYCHAIN_TIMEOUT", "2");
    let started = std::time::Instant::now();
    let r = tok.login_to(&provider, "work").browser().expect_failure(6);
    assert!(
        r.stderr
            .contains("Secret Service did not answer within 2 s"),
        "{r:?}"
    );
    assert!(r.stderr.contains("hint:"), "{r:?}");
    assert!(started.elapsed().as_secs() < 20, "no hang");
    assert_eq!(provider.stats()["authorizations"], 0);
}

#[test]
fn a_keychain_that_hangs_after_login_leaves_the_session_alone() {
    let keyring = Keyring::start();
    let provider = Provider::start();
    let tok = Tok::new().in_keychain(&keyring);
    tok.login(&provider, "work");
    let at = tok.print("work");
    let bus = SilentBus::start();
    let tok = tok
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("TOK_KEYCHAIN_TIMEOUT", "2");
    // The cached token needs no keychain.
    assert_eq!(tok.print("work"), at);
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 6, "{r:?}");
    assert!(r.stderr.contains("did not answer within 2 s"), "{r:?}");
    assert_eq!(
        provider.refreshes(),
        0,
        "no refresh without a place to keep its result"
    );
    // Back on the real keychain, the session works.
    let tok = tok.with_keyring(&keyring);
    let fresh = tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    assert_ne!(fresh, at);
    tok.assert_no_leak(&[at, fresh]);
}

#[test]
fn no_secret_service_on_the_bus_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let provider = Provider::start();
    let tok = Tok::new()
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            &format!("unix:path={}", dir.path().join("nothing-here").display()),
        )
        .env("TOK_STORE", "keychain")
        .env("TOK_KEYCHAIN_TIMEOUT", "3");
    let r = tok.login_to(&provider, "work").browser().expect_failure(6);
    assert!(r.stderr.contains("Secret Service is unavailable"), "{r:?}");
    assert!(
        r.stderr.contains("hint:") && r.stderr.contains("--store"),
        "{r:?}"
    );
    assert_eq!(r.stderr.lines().count(), 2, "one line and a hint: {r:?}");
}

#[test]
fn a_new_login_in_another_store_removes_the_old_keychain_item() {
    let keyring = Keyring::start();
    let provider = Provider::start();
    let tok = Tok::new().in_keychain(&keyring);
    tok.login(&provider, "work");
    assert!(keyring.lookup("work").is_some());
    let tok = tok.env("TOK_STORE", "file");
    tok.login(&provider, "work");
    assert!(
        keyring.lookup("work").is_none(),
        "the old refresh token does not linger"
    );
    assert!(provider.active(&tok.print("work")));
}

/// The keyutils session JSON's refresh token for `profile`.
fn keyutils_refresh_token(profile: &str) -> String {
    let item = keyutils_lookup(profile).expect("a keyutils key keyring:PROFILE@tok");
    serde_json::from_str::<serde_json::Value>(&item).unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn keyutils_login_refresh_logout() {
    let provider = Provider::start();
    let tok = Tok::new()
        .in_keyutils_session()
        .env("TOK_STORE", "keyutils");
    let name = keyutils_profile("ku-cycle");
    let r = tok.login(&provider, &name);
    assert!(r.stderr.contains("session in kernel keyutils"), "{r:?}");
    let rt = keyutils_refresh_token(&name);
    assert!(
        tok.any_file_contains(&rt).is_empty(),
        "refresh token found in a file"
    );
    // A later tok, in another session keyring, finds the session.
    let at = tok.print(&name);
    assert!(provider.active(&at));
    let at2 = tok.run(&["print", "-p", &name, "--force-refresh"]).token();
    assert_ne!(at, at2);
    let rt2 = keyutils_refresh_token(&name);
    assert_ne!(rt, rt2, "the rotated refresh token replaced the old one");
    assert!(tok.any_file_contains(&rt2).is_empty());
    let status = tok.run(&["status", "--json"]);
    assert!(
        status.stdout.contains("\"store\": \"kernel keyutils\""),
        "{status:?}"
    );
    assert!(tok.run(&["logout", "-p", &name]).ok());
    assert!(keyutils_lookup(&name).is_none(), "logout deletes the key");
    assert!(!provider.active(&at2));
    let r = tok.run(&["print", "-p", &name]);
    assert_eq!(r.code, 3, "{r:?}");
    tok.assert_no_leak(&[at, at2, rt, rt2]);
}

#[test]
fn auto_without_secret_service_picks_keyutils_without_a_warning() {
    let provider = Provider::start();
    let tok = Tok::new()
        .in_keyutils_session()
        .env("TOK_STORE", "auto")
        .without("DBUS_SESSION_BUS_ADDRESS")
        .without("XDG_RUNTIME_DIR");
    let name = keyutils_profile("ku-auto");
    let r = tok.login(&provider, &name);
    assert!(r.stderr.contains("session in kernel keyutils"), "{r:?}");
    assert!(!r.stderr.contains("warning"), "{r:?}");
    assert!(keyutils_lookup(&name).is_some());
    assert!(
        !tok.path(&format!("data/tok/sessions/{name}.json")).exists(),
        "no file fallback"
    );
    // Later commands use the store chosen at login.
    let p = tok.run(&["print", "-p", &name, "--force-refresh", "-v"]);
    assert!(p.ok() && !p.stderr.contains("warning"), "{p:?}");
    assert!(tok.run(&["logout", "-p", &name]).ok());
    assert!(keyutils_lookup(&name).is_none());
}

#[test]
fn a_new_login_in_another_store_removes_the_old_keyutils_key() {
    let provider = Provider::start();
    let tok = Tok::new()
        .in_keyutils_session()
        .env("TOK_STORE", "keyutils");
    let name = keyutils_profile("ku-move");
    tok.login(&provider, &name);
    assert!(keyutils_lookup(&name).is_some());
    let tok = tok.env("TOK_STORE", "file");
    tok.login(&provider, &name);
    assert!(
        keyutils_lookup(&name).is_none(),
        "the old refresh token does not linger"
    );
    assert!(provider.active(&tok.print(&name)));
}

// See: issue 11 item 7 — the keychain refuses one write (its collection is locked while a
// refresh is in flight): the rotated refresh token goes to the file store, and later runs read
// it there even with TOK_STORE=keychain (with a warning each time), instead of the keychain's
// spent token.
#[test]
fn after_the_keychain_refused_a_rotated_token_the_file_store_wins_over_tok_store() {
    let keyring = Keyring::start();
    let provider = Provider::start();
    let tok = Tok::new().in_keychain(&keyring);
    tok.login(&provider, "work");
    assert!(keyring.lookup("work").is_some());
    let child = tok
        .slow_refresh("work", 10000, &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The session was read and the refresh answered (waited for at the provider); the write
    // comes after the 10 s window, the slack a loaded machine gets for the lock below.
    crate::support::wait_until("the refresh was answered", || provider.refreshes() == 1);
    // (`secret-tool lock` crashes in libsecret 0.20; the Secret Service call itself works.)
    let locked = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", &keyring.bus)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(locked.success());
    let r = tok.record(child.wait_with_output().unwrap());
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr
            .contains("did not accept the rotated refresh token"),
        "{r:?}"
    );
    let rt = tok.refresh_token("work");
    assert!(
        provider.active(&rt),
        "the live session is in the file store"
    );
    for _ in 0..2 {
        let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
        assert!(r.ok(), "the file store wins over TOK_STORE=keychain: {r:?}");
        assert!(
            r.stderr.contains("is in the file store"),
            "a warning each time: {r:?}"
        );
        assert!(r.stderr.contains("tok login -p work"), "{r:?}");
    }
    assert_eq!(provider.grants_revoked(), 0, "no spent token was presented");
    // A login resolves it: the override counts again, without the warning.
    let tok = tok.env("TOK_STORE", "file");
    tok.login(&provider, "work");
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(
        r.ok() && !r.stderr.contains("is in the file store"),
        "{r:?}"
    );
}

// See: the demo under `.ci/run`. Most users set no XDG_STATE_HOME: then the per-user lock of a
// keychain session and the profile lock are one file, and a tok that took it twice waited on
// itself until TOK_LOCK_TIMEOUT (exit 9) on every keychain login and refresh.
#[test]
fn a_keychain_session_works_with_the_default_state_directory() {
    let keyring = Keyring::start();
    let provider = Provider::start();
    let tok = Tok::new()
        .in_keychain(&keyring)
        .env("TOK_LOCK_TIMEOUT", "5")
        .without("XDG_STATE_HOME");
    let r = tok.login(&provider, "work");
    assert!(r.stderr.contains("session in Secret Service"), "{r:?}");
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(r.ok(), "{r:?}");
    assert!(provider.active(&r.token()));
    assert!(
        tok.path(".local/state/tok/locks/work.lock").exists(),
        "the lock lives in the default state directory"
    );
}
