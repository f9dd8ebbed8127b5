//! The canary: the whole CLI surface at `-vv`, every stdout, stderr and file collected, and the
//! token values found only where they belong — `print`'s stdout and the 0600 session and token
//! cache files. See: issue 4.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::faults::{Faults, set_token_endpoint};
use crate::support::{Provider, Run, Tok};

/// Every file under the home with its mode and content, after one step.
fn snapshot(tok: &Tok, into: &mut BTreeMap<PathBuf, (u32, Vec<u8>)>) {
    for (p, mode) in tok.files() {
        if p.is_file() {
            into.insert(p.clone(), (mode, std::fs::read(&p).unwrap()));
        } else {
            assert_eq!(mode, 0o700, "{} is a private directory", p.display());
        }
    }
}

#[test]
fn tokens_appear_only_on_print_stdout_and_in_private_files() {
    let provider = Provider::start();
    let faults = Faults::start(&provider);
    let tok = Tok::new();
    let mut runs: Vec<(String, Run)> = vec![];
    let mut files = BTreeMap::new();
    let mut tokens: Vec<String> = vec![];
    let mut step = |args: &[&str], runs: &mut Vec<(String, Run)>| {
        let mut argv = args.to_vec();
        argv.push("-vv");
        let r = tok.run(&argv);
        snapshot(&tok, &mut files);
        runs.push((args.join(" "), r));
    };

    let issuer = provider.issuer.clone();
    step(
        &[
            "login",
            "-p",
            "work",
            "--issuer",
            &issuer,
            "--client-id",
            "tok-cli",
            "--scope",
            "openid",
            "--scope",
            "offline_access",
            "--browser",
        ],
        &mut runs,
    );
    assert!(runs[0].1.ok(), "{:?}", runs[0].1);
    tokens.push(tok.refresh_token("work"));
    step(&["print", "-p", "work"], &mut runs);
    step(&["print", "-p", "work", "--force-refresh"], &mut runs);
    tokens.push(tok.refresh_token("work"));
    step(&["print", "-p", "work", "--min-ttl", "100000"], &mut runs);
    tokens.push(tok.refresh_token("work"));
    step(&["status"], &mut runs);
    step(&["status", "--json"], &mut runs);
    step(&["status", "-p", "work"], &mut runs);
    // Error paths.
    step(&["print", "-p", "nope"], &mut runs);
    step(&["print", "-p", "bad name"], &mut runs);
    set_token_endpoint(&tok, "work", Some(&faults.url("html502")));
    step(&["print", "-p", "work", "--force-refresh"], &mut runs);
    set_token_endpoint(&tok, "work", Some(&faults.url("truncated")));
    step(&["print", "-p", "work", "--force-refresh"], &mut runs);
    set_token_endpoint(&tok, "work", None);
    step(&["login", "-p", "work", "--flow", "nonsense"], &mut runs);
    step(&["logout", "-p", "work"], &mut runs);
    step(&["print", "-p", "work"], &mut runs);
    step(&["status", "--json"], &mut runs);

    // Access tokens: whatever print wrote, and whatever the cache held.
    for (cmd, r) in &runs {
        if cmd.starts_with("print") && r.ok() {
            tokens.push(r.token());
        }
    }
    for (path, (_, content)) in &files {
        if path.ends_with("tokens/work.json") {
            let v: serde_json::Value = serde_json::from_slice(content).unwrap();
            tokens.push(v["access_token"].as_str().unwrap().to_string());
        }
    }
    tokens.sort();
    tokens.dedup();
    assert!(tokens.len() >= 5, "ATs and RTs collected: {}", tokens.len());
    assert!(tokens.iter().all(|t| t.len() >= 20));

    for (cmd, r) in &runs {
        for t in &tokens {
            assert!(
                !r.stderr.contains(t.as_str()),
                "`{cmd}` stderr leaked a token: {r:?}"
            );
            if !cmd.starts_with("print") {
                assert!(
                    !r.stdout.contains(t.as_str()),
                    "`{cmd}` stdout leaked: {r:?}"
                );
            }
        }
        if cmd.starts_with("print") && r.ok() {
            assert_eq!(r.stdout.lines().count(), 1, "{cmd}: only the token");
        }
    }
    let mut holders = vec![];
    for (path, (mode, content)) in &files {
        let text = String::from_utf8_lossy(content);
        if tokens.iter().any(|t| text.contains(t.as_str())) {
            let name = path.display().to_string();
            assert!(
                name.ends_with("data/tok/sessions/work.json")
                    || name.ends_with("run/tok/tokens/work.json"),
                "a token in {name}"
            );
            assert_eq!(*mode, 0o600, "{name}");
            holders.push(name);
        }
        assert_eq!(*mode & 0o077, 0, "{} is private", path.display());
    }
    assert_eq!(holders.len(), 2, "the session and the cache: {holders:?}");
    // The refresh token never reaches the cache file.
    let cache = files
        .iter()
        .find(|(p, _)| p.ends_with("tokens/work.json"))
        .unwrap();
    let text = String::from_utf8_lossy(&cache.1.1);
    assert!(!text.contains("refresh_token"), "{text}");
}
