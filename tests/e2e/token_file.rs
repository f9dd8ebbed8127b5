//! Kept-fresh token files: `tok print --output FILE` (atomic, 0600, stdout empty) and `--watch`
//! (rewritten before expiry, through an outage, stopped cleanly by signals, exit 3 when the
//! session is gone; several watchers share one refresh per expiry). See: issue 13.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::faults::set_token_endpoint;
use crate::support::{Provider, Tok};

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn output_writes_a_private_file_and_nothing_on_stdout() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "work");
    let dir = tok.path("out");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    let f = file.to_str().unwrap();
    let r = tok.run(&["print", "-p", "work", "--output", f]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.stdout, "");
    let token = std::fs::read_to_string(&file).unwrap();
    assert_eq!(token, format!("{}\n", tok.print("work")));
    assert_eq!(mode(&file), 0o600);
    let r = tok.run(&["print", "-p", "work", "--output", f, "--format", "json"]);
    assert!(r.ok() && r.stdout.is_empty(), "{r:?}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(format!("{}\n", v["access_token"].as_str().unwrap()), token);
    let r = tok.run(&["print", "-p", "work", "--output", f, "--format", "header"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("Authorization: Bearer {token}")
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "no temporary file left"
    );
    let r = tok.run(&[
        "print",
        "-p",
        "work",
        "--output",
        f,
        "--format",
        "dpop",
        "--method",
        "GET",
        "--url",
        "https://x.test/",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    let r = tok.run(&["print", "-p", "work", "--watch"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("--output"), "{r:?}");
    let r = tok.run(&["print", "-p", "work", "--output", &format!("{f}/missing/x")]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!r.stderr.contains(token.trim()), "{r:?}");
}

/// A TCP forwarder to the provider that can go down: while down it accepts and drops every
/// connection (the request never reaches the provider).
struct Outage {
    port: u16,
    down: Arc<AtomicBool>,
}

impl Outage {
    fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let d = down.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                if d.load(Ordering::SeqCst) {
                    drop(conn);
                    continue;
                }
                let Ok(up) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let (c2, u2) = (conn.try_clone().unwrap(), up.try_clone().unwrap());
                std::thread::spawn(move || pipe(conn, up));
                std::thread::spawn(move || pipe(u2, c2));
            }
        });
        Self { port, down }
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 || to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn watcher(tok: &Tok, file: &Path, extra: &[&str], env: &[(&str, &str)]) -> Child {
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

fn wait_for_file(p: &Path) {
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

fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Wait for `child` to exit, at most `secs`; its exit code, stdout and stderr.
fn finish(mut child: Child, secs: u64) -> (Option<i32>, String, String) {
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
fn watchers_keep_a_20_second_token_valid_for_a_minute_through_an_outage() {
    let provider = Provider::start_with(&[("TOK_TEST_AT_TTL", "20")]);
    let outage = Outage::start(&provider.issuer);
    let tok = Tok::new();
    tok.login(&provider, "work");
    set_token_endpoint(
        &tok,
        "work",
        Some(&format!("http://127.0.0.1:{}/token", outage.port)),
    );
    let (a, b) = (tok.path("a.token"), tok.path("b.token"));
    // The default --min-ttl (60 s) is longer than the tokens live: a third of 20 s it is.
    let wa = watcher(&tok, &a, &[], &[]);
    let wb = watcher(&tok, &b, &["--min-ttl", "5"], &[]);
    wait_for_file(&a);
    wait_for_file(&b);
    let refreshes_before = provider.refreshes();

    // Once the reader knows when the current token expires, the provider goes away one second
    // before the rewrite is due, for 3.5 s: the watchers' first attempts fail.
    let outage_done = Arc::new(AtomicBool::new(false));
    let scheduler = {
        let a = a.clone();
        let issuer = provider.issuer.clone();
        let down = outage.down.clone();
        let done = outage_done.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(15));
            let token = std::fs::read_to_string(&a).unwrap();
            let exp = introspect_exp(&issuer, token.trim());
            let now = unix_now();
            let start = (exp - 7.0 - now).max(0.0);
            std::thread::sleep(Duration::from_secs_f64(start));
            down.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(3500));
            down.store(false, Ordering::SeqCst);
            done.store(true, Ordering::SeqCst);
        })
    };

    let start = Instant::now();
    let mut seen: Vec<String> = vec![];
    let mut samples = 0;
    while start.elapsed() < Duration::from_secs(64) {
        for f in [&a, &b] {
            let text = std::fs::read_to_string(f).expect("the token file is always there");
            assert!(
                text.ends_with('\n') && text.lines().count() == 1,
                "{text:?}"
            );
            let token = text.trim().to_string();
            let info = provider.introspect(&token);
            assert_eq!(
                info["active"],
                true,
                "sample {samples} after {:?}: {} holds a token the provider refuses: {info}",
                start.elapsed(),
                f.display()
            );
            if seen.last() != Some(&token) && !seen.contains(&token) {
                seen.push(token);
            }
        }
        samples += 1;
        std::thread::sleep(Duration::from_secs(1));
    }
    scheduler.join().unwrap();
    assert!(outage_done.load(Ordering::SeqCst));
    outage.set_down(false);
    assert!(samples >= 60, "{samples} samples");
    // A token lives 20 s and is replaced with a third of it left: about every 14 s.
    assert!(seen.len() >= 5, "{} tokens in a minute", seen.len());
    let refreshes = provider.refreshes() - refreshes_before;
    assert!(
        refreshes <= seen.len() as u64,
        "two watchers, one refresh per expiry: {refreshes} refreshes for {} tokens",
        seen.len()
    );

    // SIGINT: the watcher finishes and exits 0.
    signal(&wb, "-INT");
    let (code, out, err_b) = finish(wb, 10);
    assert_eq!(code, Some(0), "{err_b}");
    assert_eq!(out, "");
    assert!(err_b.contains("stopped"), "{err_b}");

    // The session goes away: the watcher says so and exits 3 at its next rewrite.
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    let (code, out, err_a) = finish(wa, 30);
    assert_eq!(code, Some(3), "{err_a}");
    assert_eq!(out, "");
    assert!(
        err_a.contains(&format!("stopped keeping {} fresh", a.display())),
        "{err_a}"
    );
    assert!(err_a.contains("tok login"), "{err_a}");

    for err in [&err_a, &err_b] {
        for t in &seen {
            assert!(!err.contains(t.as_str()), "a token on stderr: {err}");
        }
        let writes = err
            .lines()
            .filter(|l| l.contains("tok print: wrote"))
            .count();
        assert!(writes >= 4, "one line per rewrite: {err}");
    }
    assert_eq!(
        err_a
            .matches("is not shorter than the token's lifetime")
            .count(),
        1,
        "warned once: {err_a}"
    );
    assert!(!err_b.contains("is not shorter"), "{err_b}");
    let outage_lines = err_a
        .lines()
        .chain(err_b.lines())
        .filter(|l| l.contains("could not get a token"))
        .count();
    assert!(
        outage_lines >= 1,
        "the outage was ridden out:\n{err_a}\n{err_b}"
    );
    assert!(err_a.contains("is still valid for") || err_b.contains("is still valid for"));
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// `exp` of `token` by introspection at `issuer` (a thread of its own cannot borrow the
/// provider).
fn introspect_exp(issuer: &str, token: &str) -> f64 {
    use tok::oauth::http::{ClientAuth, Http};
    let secret = tok::secret::ClientSecret::new("introspector-secret");
    let r = Http::default()
        .post_form(
            &url::Url::parse(&format!("{issuer}/token/introspection")).unwrap(),
            &[("token", token)],
            &ClientAuth::Basic {
                client_id: "introspector",
                secret: &secret,
            },
            None,
        )
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.body.0).unwrap();
    v["exp"].as_f64().unwrap_or_else(|| panic!("{v}"))
}

#[test]
fn sigterm_in_the_middle_of_a_rewrite_finishes_it_and_exits_0() {
    let provider = Provider::start_with(&[("TOK_TEST_AT_TTL", "6")]);
    let tok = Tok::new();
    tok.login(&provider, "work");
    let file = tok.path("token");
    // The refresh holds its answer 2 s before storing it: the signal lands in that window.
    let w = watcher(
        &tok,
        &file,
        &[],
        &[("TOK_TEST_DELAY_AFTER_RESPONSE_MS", "2000")],
    );
    wait_for_file(&file);
    let first = std::fs::read_to_string(&file).unwrap();
    let start = Instant::now();
    while provider.refreshes() == 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "no refresh");
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&w, "-TERM");
    let (code, out, err) = finish(w, 15);
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
