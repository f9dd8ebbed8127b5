//! Issue 11 items 1–6: a hostile local user against the loopback listener, the start link, the
//! browser's pages, the cache and config directories, and core dumps.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use crate::support::{Provider, Tok};

/// `tok login --browser` with a `$BROWSER` that never calls back, once it is waiting: the
/// child and the first line it printed.
fn waiting_login(tok: &Tok, provider: &Provider) -> (Child, String) {
    let mut child = tok
        .command(&[
            "login",
            "-p",
            "work",
            "--issuer",
            &provider.issuer,
            "--client-id",
            "tok-cli",
            "--browser",
            "--timeout",
            "60s",
        ])
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
    assert_eq!(fields[4..6], ["0", "0"], "{core}");
}
