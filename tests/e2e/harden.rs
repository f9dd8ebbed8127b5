//! Issue 11 items 1–6: a hostile local user against the loopback listener, the start link, the
//! browser's pages, the cache and config directories, and core dumps.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use crate::support::{Provider, Tok, logged_in};

/// `tok login --browser` with a `$BROWSER` that never calls back, once it is waiting: the
/// child and the first line it printed.
fn waiting_login(tok: &Tok, provider: &Provider) -> (Child, String) {
    let mut child = tok
        .login_to(provider, "work")
        .browser()
        .timeout("60s")
        .command()
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut text = String::new();
    while !text.contains("http") {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "tok ended: {text}");
        text.push_str(&line);
    }
    // Keep draining stderr so tok never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    (child, text)
}

/// Item 6: a running tok (here one waiting in a login, before any token exists) is not
/// dumpable, so a crash or a `gcore` by another process of the user gets no memory image.
#[test]
fn a_running_tok_is_not_dumpable() {
    let provider = Provider::start();
    let tok = Tok::new().env("BROWSER", "/bin/true");
    let (mut child, _) = waiting_login(&tok, &provider);
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let dumpable = status
        .lines()
        .find_map(|l| l.strip_prefix("Dumpable:"))
        .map(str::trim);
    // (On kernels without the Dumpable line, the limit still shows the change.)
    if let Some(d) = dumpable {
        assert_eq!(d, "0", "{status}");
    }
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    // The soft limit; the hard one stays the caller's, for the command `tok exec` runs.
    assert_eq!(fields[4], "0", "{core}");
}

fn chmod(p: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// uid/gid `nobody`: stands for another local user (the tests run as root).
const NOBODY: u32 = 65534;

/// Item 4: another user pre-creates `$XDG_RUNTIME_DIR/tok/` (some CI images point it at
/// `/tmp`) and plants a cache file: tok refuses the directory (exit 8, the class of a config
/// file others could write; naming it) instead of serving the planted token, and a symlinked cache file is never followed.
#[test]
fn a_planted_cache_directory_is_refused() {
    let (provider, tok) = logged_in(&[]);
    let real = tok.print("work");
    let dir = tok.path("run/tok");
    let cache = dir.join("tokens/work.json");
    let planted = std::fs::read_to_string(&cache)
        .unwrap()
        .replace(&real, "PLANTED-BY-ANOTHER-USER");
    assert!(planted.contains("PLANTED-BY-ANOTHER-USER"));
    std::fs::write(&cache, &planted).unwrap();

    // Another user's directory (mode untouched).
    std::os::unix::fs::chown(&dir, Some(NOBODY), Some(NOBODY)).unwrap();
    let r = tok.run(&["print", "-p", "work"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(
        r.stderr.contains(&dir.display().to_string()),
        "names the directory: {r:?}"
    );
    std::os::unix::fs::chown(&dir, Some(0), Some(0)).unwrap();

    // Ours, but writable by others: anyone could have replaced the file.
    for (d, mode) in [(&dir, 0o777), (&dir.join("tokens"), 0o770)] {
        chmod(d, mode);
        let r = tok.run(&["print", "-p", "work"]);
        assert_eq!(r.code, 8, "{} {mode:o}: {r:?}", d.display());
        assert!(r.stdout.is_empty(), "{r:?}");
        assert!(r.stderr.contains(&d.display().to_string()), "{r:?}");
        chmod(d, 0o700);
    }

    // A symlinked cache file (pointing at the planted copy) is not followed.
    let elsewhere = tok.path("planted.json");
    std::fs::write(&elsewhere, &planted).unwrap();
    std::fs::remove_file(&cache).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &cache).unwrap();
    let served = tok.print("work");
    assert_ne!(served, "PLANTED-BY-ANOTHER-USER");
    assert!(provider.active(&served));
}

/// Item 5: a config file (it decides token endpoints) that another user could have written is
/// refused with exit 8, naming the file and the fix, as ssh does for its config.
#[test]
fn a_config_file_others_could_write_is_refused() {
    let (_provider, tok) = logged_in(&[]);
    let file = tok.path("config/tok/config.toml");
    let dir = tok.path("config/tok");
    let refused = |what: &std::path::Path, fix: &str| {
        let r = tok.run(&["print", "-p", "work"]);
        assert_eq!(r.code, 8, "{}: {r:?}", what.display());
        assert!(r.stdout.is_empty(), "{r:?}");
        assert!(r.stderr.contains(&what.display().to_string()), "{r:?}");
        assert!(r.stderr.contains(fix), "{fix}: {r:?}");
    };
    chmod(&file, 0o666);
    refused(&file, &format!("chmod go-w {}", file.display()));
    chmod(&file, 0o600);
    chmod(&dir, 0o757);
    refused(&dir, &format!("chmod go-w {}", dir.display()));
    chmod(&dir, 0o700);
    std::os::unix::fs::chown(&file, Some(NOBODY), None).unwrap();
    refused(&file, "chown");
    std::os::unix::fs::chown(&file, Some(0), None).unwrap();
    // Group-writable, group `nogroup` (not this user's own group): others may be in it.
    std::os::unix::fs::chown(&file, None, Some(NOBODY)).unwrap();
    chmod(&file, 0o620);
    refused(&file, "chmod g-w");
    // Group-writable by the user's own primary group with no other members: accepted.
    std::os::unix::fs::chown(&file, None, Some(0)).unwrap();
    assert!(tok.run(&["print", "-p", "work"]).ok());
}

fn hostile_login(
    extra_env: &[(&str, &str)],
) -> (Provider, Tok, crate::support::Run, Vec<serde_json::Value>) {
    let provider = Provider::start();
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut tok = Tok::new().with_hostile_browser(log.path());
    for (k, v) in extra_env {
        tok = tok.env(k, v);
    }
    let r = tok
        .login_to(&provider, "work")
        .usual_scopes()
        .browser()
        .timeout("30s")
        .run();
    let steps = std::fs::read_to_string(log.path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (provider, tok, r, steps)
}

fn step(steps: &[serde_json::Value], name: &str) -> serde_json::Value {
    steps
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("{name} missing: {steps:?}"))
        .clone()
}

/// Item 1: 32 connections that each send a byte a second (more than the old 16 slots) cannot
/// hold the listener hostage: the real callback, arriving behind them, ends the login, and tok
/// cut the drippers at their header deadline instead of waiting for them.
#[test]
fn slow_drip_connections_do_not_hold_the_listener_hostage() {
    let (provider, tok, r, steps) = hostile_login(&[("TOK_TEST_HOSTILE_DRIP", "32")]);
    assert!(r.ok() && r.stderr.contains("Logged in"), "{r:?} {steps:?}");
    assert_eq!(step(&steps, "drip")["connections"], 32);
    let real = step(&steps, "real_browser");
    assert_eq!(real["exit"], 0, "{steps:?}");
    // Generous: the drippers drip for as long as they are let; the login did not wait for them.
    assert!(real["seconds"].as_f64().unwrap() < 20.0, "{steps:?}");
    assert!(provider.active(&tok.print("work")));
}

/// Item 2: the browser is started on a one-time start link, so the authorization URL (its
/// `state` and `code_challenge`) is not in any process's argv; the link works once, a second
/// fetch is refused, and tok warns about it.
#[test]
fn the_browser_gets_a_one_time_start_link() {
    let (provider, tok, r, steps) = hostile_login(&[]);
    assert!(r.ok() && r.stderr.contains("Logged in"), "{r:?} {steps:?}");
    let argv = step(&steps, "argv");
    assert_eq!(argv["has_state"], false, "{steps:?}");
    assert_eq!(argv["has_challenge"], false, "{steps:?}");
    let first = step(&steps, "start");
    assert!(
        first["status"].as_str().unwrap().starts_with("HTTP/1.1 30"),
        "{first}"
    );
    assert_eq!(first["to_provider"], true, "{first}");
    // The full URL is still printed for copy-paste.
    assert!(
        r.stderr.contains("/auth?") && r.stderr.contains("code_challenge="),
        "{r:?}"
    );
    let second = step(&steps, "second_start");
    assert!(
        second["status"].as_str().unwrap().starts_with("HTTP/1.1 4"),
        "{second}"
    );
    assert!(
        !second["says"].as_str().unwrap().contains("code_challenge"),
        "{second}"
    );
    assert!(r.stderr.contains("start link was used twice"), "{r:?}");
    assert!(provider.active(&tok.print("work")));
}

/// tests/provider/chromium.mjs, once Debian's Chromium is known to be there.
fn chromium_browser() -> std::path::PathBuf {
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run scripts/setup (Debian package `chromium`)"
    );
    crate::support::root().join("tests/provider/chromium.mjs")
}

/// Item 3, in a real browser: headless Chromium (Debian's package, driven by playwright-core
/// through tests/provider/chromium.mjs as `$BROWSER`) logs in against the test provider. It
/// ends on tok's clean `/done` page naming the profile and issuer; no URL it committed carries
/// the code or state, and no page it loaded contains a token.
#[test]
fn a_real_browser_ends_on_a_clean_page() {
    let provider = Provider::start();
    let log = tempfile::NamedTempFile::new().unwrap();
    let script = chromium_browser();
    let tok = Tok::new()
        .env("BROWSER", &script.display().to_string())
        .env("TOK_TEST_CHROMIUM_LOG", &log.path().display().to_string());
    let r = tok.login(&provider, "work");
    assert!(r.stderr.contains("Logged in"), "{r:?}");
    let seen: serde_json::Value =
        serde_json::from_slice(&std::fs::read(log.path()).unwrap()).unwrap();
    let final_url = seen["final_url"]
        .as_str()
        .unwrap_or_else(|| panic!("{seen}"));
    assert!(
        final_url.starts_with("http://127.0.0.1:") && final_url.ends_with("/done"),
        "{seen}"
    );
    let text = seen["text"].as_str().unwrap();
    assert!(text.contains("Signed in"), "{text}");
    assert!(
        text.contains("work") && text.contains(&provider.issuer),
        "{text}"
    );
    let navigated: Vec<&str> = seen["navigated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(!navigated.is_empty());
    let port = &final_url["http://127.0.0.1:".len()..final_url.rfind('/').unwrap()];
    for u in navigated
        .iter()
        .filter(|u| u.contains(&format!("127.0.0.1:{port}/")))
    {
        assert!(
            !u.contains("code=") && !u.contains("state="),
            "in the history: {u}"
        );
    }
    let at = tok.print("work");
    let rt = tok.refresh_token("work");
    let pages = seen["pages"].to_string();
    assert!(
        !pages.contains(&at) && !pages.contains(&rt),
        "a token in a page"
    );
    assert!(provider.active(&at));
}

/// Item 3, the failure page in the real browser: the user denies; Chromium ends on `/failed`,
/// which says what to run next.
#[test]
fn a_real_browser_shows_the_failure_page_on_denial() {
    let provider = Provider::start_with(&[("TOK_TEST_DENY", "1")]);
    let log = tempfile::NamedTempFile::new().unwrap();
    let script = chromium_browser();
    let tok = Tok::new()
        .env("BROWSER", &script.display().to_string())
        .env("TOK_TEST_CHROMIUM_LOG", &log.path().display().to_string());
    tok.login_to(&provider, "work")
        .browser()
        .timeout("60s")
        .expect_failure(7);
    let seen: serde_json::Value =
        serde_json::from_slice(&std::fs::read(log.path()).unwrap()).unwrap();
    let final_url = seen["final_url"]
        .as_str()
        .unwrap_or_else(|| panic!("{seen}"));
    assert!(final_url.ends_with("/failed"), "{seen}");
    let text = seen["text"].as_str().unwrap();
    assert!(
        text.contains("tok login -p work") && text.contains(&provider.issuer),
        "{text}"
    );
}
