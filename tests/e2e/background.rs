//! Long-running end-to-end tests. The module is named to sort first: libtest starts tests in
//! name order, so these begin at once and run beside the rest of the suite instead of after
//! it (the suite's wall time stays that of its longest part). See: issue 13.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::faults::set_token_endpoint;
use crate::support::{Provider, Tok};
use crate::token_file::{finish, signal, wait_for_file, watcher};

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
    // A minute and more, and at least 60 samples however slowly a loaded machine takes them.
    while start.elapsed() < Duration::from_secs(64) || samples < 60 {
        for f in [&a, &b] {
            let text = std::fs::read_to_string(f).expect("the token file is always there");
            assert!(!text.is_empty() && !text.contains('\n'), "{text:?}");
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
    let v = crate::support::introspect_at(issuer, token);
    v["exp"].as_f64().unwrap_or_else(|| panic!("{v}"))
}
