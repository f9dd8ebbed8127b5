//! The audit log and `tok stats`: exact counts for a scripted sequence of logins, refreshes and
//! failures; no token in the log; `audit = false`.

use serde_json::Value;

use crate::support::{Provider, Tok, logged_in};

fn audit_file(tok: &Tok) -> std::path::PathBuf {
    tok.path("state/tok/audit.jsonl")
}

fn stats(tok: &Tok, args: &[&str]) -> Value {
    let mut a = vec!["stats", "--json"];
    a.extend_from_slice(args);
    let r = tok.run(&a);
    assert!(r.ok(), "{r:?}");
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"))
}

#[test]
fn stats_count_a_scripted_sequence_exactly() {
    let (provider, tok) = logged_in(&[]);
    tok.print("work");
    tok.print("work");
    for _ in 0..2 {
        tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    }
    // The refresh token is revoked behind tok's back: invalid_grant.
    provider.revoke(&tok.refresh_token("work"));
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");
    tok.login(&provider, "work");
    tok.login(&provider, "other");
    tok.print("other");
    // The provider goes away: the refresh fails as unavailable, the cached token still serves.
    drop(provider);
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 4, "{r:?}");
    tok.print("work");
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");

    let s = stats(&tok, &["-p", "work"]);
    assert_eq!(s["profile"], "work");
    assert_eq!(s["profiles"], serde_json::json!(["work"]));
    assert_eq!(s["logins"], 2);
    assert_eq!(s["logouts"], 1);
    assert_eq!(s["revocations"], 0, "the provider was down");
    let r = &s["refresh"];
    assert_eq!(r["attempts"], 4);
    assert_eq!(r["ok"], 2);
    assert_eq!(r["failed"], 2);
    assert_eq!(r["success_rate"], 0.5);
    assert_eq!(r["rotated"], 2);
    assert_eq!(
        r["errors"],
        serde_json::json!({"invalid_grant": 1, "unavailable": 1})
    );
    assert!(r["latency_ms"]["p50"].as_u64().is_some(), "{s}");
    assert!(r["latency_ms"]["p95"].as_u64() >= r["latency_ms"]["p50"].as_u64());
    let q = &s["requests"];
    assert_eq!(q["total"], 7);
    assert_eq!(q["ok"], 5);
    assert_eq!(q["failed"], 2);
    assert_eq!(
        q["by_source"],
        serde_json::json!({"cache": 3, "refreshed": 2})
    );
    assert_eq!(q["cache_hit_rate"], 0.6);
    assert_eq!(q["by_consumer"], serde_json::json!({"print": 7}));
    assert_eq!(
        q["errors"],
        serde_json::json!({"login_required": 1, "unavailable": 1})
    );

    let all = stats(&tok, &[]);
    assert_eq!(all["profiles"], serde_json::json!(["other", "work"]));
    assert_eq!(all["logins"], 3);
    assert_eq!(all["requests"]["total"], 8);
    assert_eq!(all["requests"]["by_source"]["cache"], 4);

    // --since drops what is older than the window.
    let mut log = std::fs::read_to_string(audit_file(&tok)).unwrap();
    log.insert_str(
        0,
        "{\"ts\":1000,\"event\":\"login\",\"profile\":\"work\",\"ok\":true,\"pid\":1}\n",
    );
    std::fs::write(audit_file(&tok), log).unwrap();
    assert_eq!(stats(&tok, &["-p", "work"])["logins"], 3);
    assert_eq!(stats(&tok, &["-p", "work", "--since", "7d"])["logins"], 2);

    let human = tok.run(&["stats", "-p", "work"]);
    assert!(human.ok(), "{human:?}");
    assert!(
        human.stdout.contains("2 ok of 4 (50.0% success)")
            && human.stdout.contains("invalid_grant 1, unavailable 1")
            && human.stdout.contains("cache hit rate:    60.0%"),
        "{human:?}"
    );
}

#[test]
fn no_token_reaches_the_audit_log() {
    let (_provider, tok) = logged_in(&[]);
    let mut secrets = vec![tok.refresh_token("work")];
    secrets.push(tok.print("work"));
    for _ in 0..3 {
        secrets.push(tok.run(&["print", "-p", "work", "--force-refresh"]).token());
        secrets.push(tok.refresh_token("work"));
    }
    secrets.push(
        tok.file_session("work")["access"]["access_token"]
            .as_str()
            .unwrap()
            .into(),
    );
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");

    let log = std::fs::read_to_string(audit_file(&tok)).unwrap();
    assert_eq!(log.lines().count(), 1 + 1 + 3 * 2 + 1, "{log}");
    for s in &secrets {
        assert!(s.len() > 20);
        assert!(!log.contains(s.as_str()), "a token is in the audit log");
        // Nor any long piece of one.
        assert!(
            !log.contains(&s[..20]),
            "a token prefix is in the audit log"
        );
    }
    // Fingerprints are there, so events can be tied to tokens.
    assert!(log.contains(&tok::fingerprint(&secrets[1])), "{log}");
    for line in log.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(
            v["ts"].as_i64().is_some() && v["profile"] == "work",
            "{line}"
        );
    }
    let mode = tok
        .files()
        .into_iter()
        .find(|(p, _)| *p == audit_file(&tok))
        .unwrap()
        .1;
    assert_eq!(mode, 0o600);
    tok.assert_no_leak(&secrets);
}

#[test]
fn audit_false_writes_nothing() {
    let provider = Provider::start();
    let tok = Tok::new();
    let config = tok.write_config("audit = false\n");
    tok.login(&provider, "work");
    tok.print("work");
    tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    assert!(tok.run(&["logout", "-p", "work"]).ok());
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .starts_with("audit = false\n"),
        "login keeps the key"
    );
    let logs: Vec<_> = tok
        .files()
        .into_iter()
        .filter(|(p, _)| p.to_string_lossy().contains("audit"))
        .collect();
    assert!(logs.is_empty(), "{logs:?}");
    let r = tok.run(&["stats"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("No events"), "{r:?}");
}

#[test]
fn status_shows_a_failed_refresh() {
    let (provider, tok) = logged_in(&[]);
    provider.revoke(&tok.refresh_token("work"));
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");
    let r = tok.run(&["status", "--json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let last = &v["profiles"][0]["last_refresh"];
    assert_eq!(last["ok"], false, "{v}");
    assert_eq!(last["error"], "invalid_grant");
    let human = tok.run(&["status"]);
    assert!(human.stdout.contains("failed: invalid_grant"), "{human:?}");
}

#[test]
fn helpers_are_counted_per_consumer() {
    let (_provider, tok) = logged_in(&[]);
    let r = tok.setup("git", "work", &["--host", "git.example.com"]);
    assert!(r.ok(), "{r:?}");
    let r = tok.run_stdin(
        &["git-credential", "get"],
        "protocol=https\nhost=git.example.com\n",
    );
    assert!(r.ok() && r.stdout.contains("password="), "{r:?}");
    let r = tok.run(&["kubectl-credential", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    tok.print("work");
    let s = stats(&tok, &[]);
    assert_eq!(
        s["requests"]["by_consumer"],
        serde_json::json!({"git": 1, "kubectl": 1, "print": 1})
    );
    assert_eq!(s["requests"]["cache_hit_rate"], 1.0);
    // The audit log names the host a helper served.
    let log = std::fs::read_to_string(audit_file(&tok)).unwrap();
    let git = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["consumer"] == "git")
        .expect("a git request event");
    assert_eq!(git["host"], "git.example.com", "{git}");
}

/// `promtool check metrics` on `text`: its exit status and what it said.
fn promtool(text: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool is installed (Debian package `prometheus`; scripts/setup installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn prometheus_metrics_pass_promtool_and_count_what_happened() {
    // See: issue 13.
    let (provider, tok) = logged_in(&[]);
    tok.print("work");
    tok.run(&["print", "-p", "work", "--force-refresh"]).token();
    let r = tok.run(&["exec", "-p", "work", "--", "true"]);
    assert!(r.ok(), "{r:?}");
    // Three refreshes at once, each holding the lock for a while: the others wait.
    let slow = |_| tok.slow_refresh("work", 1000, &[]).output().unwrap();
    let outs: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3).map(|i| s.spawn(move || slow(i))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(outs.iter().all(|o| o.status.success()));
    provider.revoke(&tok.refresh_token("work"));
    let r = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");

    let r = tok.run(&["stats", "--format", "prometheus"]);
    assert!(r.ok(), "{r:?}");
    let text = r.stdout;
    let (ok, said) = promtool(&text);
    assert!(ok && said.trim().is_empty(), "promtool: {said}\n{text}");
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
            .parse()
            .unwrap()
    };
    let p = r#"profile="work""#;
    assert_eq!(value(&format!("tok_logins_total{{{p}}}")), 1.0);
    // The first forced refresh, and for the three at once one refresh each, unless it waited
    // for a peer and took its token (usually two of them do); the last was refused.
    let opt = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |v| v.parse().unwrap())
    };
    let refreshed = opt(&format!(
        r#"tok_requests_total{{{p},consumer="print",source="refreshed"}}"#
    ));
    // exec asks for 300 s left: with the provider's 300 s tokens it refreshes unless it runs
    // within the second of the forced refresh.
    let exec_refreshed = opt(&format!(
        r#"tok_requests_total{{{p},consumer="exec",source="refreshed"}}"#
    ));
    let exec_cached = opt(&format!(
        r#"tok_requests_total{{{p},consumer="exec",source="cache"}}"#
    ));
    assert_eq!(exec_refreshed + exec_cached, 1.0, "{text}");
    let peer = opt(&format!(
        r#"tok_requests_total{{{p},consumer="print",source="peer"}}"#
    ));
    assert_eq!(refreshed + peer, 4.0, "{text}");
    assert!(peer >= 1.0, "{text}");
    let ok_refreshes = value(&format!(r#"tok_refreshes_total{{{p},outcome="ok"}}"#));
    assert_eq!(ok_refreshes, refreshed + exec_refreshed, "{text}");
    assert_eq!(
        value(&format!(
            r#"tok_refreshes_total{{{p},outcome="invalid_grant"}}"#
        )),
        1.0
    );
    for series in [
        format!("tok_refresh_token_rotations_total{{{p}}}"),
        format!(r#"tok_refresh_duration_seconds_bucket{{{p},le="+Inf"}}"#),
        format!("tok_refresh_duration_seconds_count{{{p}}}"),
    ] {
        assert_eq!(value(&series), ok_refreshes, "{series}");
    }
    assert!(value(&format!("tok_refresh_duration_seconds_sum{{{p}}}")) > 0.0);
    assert_eq!(
        value(&format!(
            r#"tok_requests_total{{{p},consumer="print",source="cache"}}"#
        )),
        1.0
    );
    assert_eq!(
        value(&format!(
            r#"tok_request_failures_total{{{p},consumer="print",error="login_required"}}"#
        )),
        1.0
    );
    assert!(
        value(&format!("tok_lock_waits_total{{{p}}}")) >= 1.0,
        "{text}"
    );
    assert!(
        value(&format!("tok_lock_wait_seconds_total{{{p}}}")) >= 0.3,
        "{text}"
    );
    let exp = value(&format!("tok_access_token_expiry_timestamp_seconds{{{p}}}"));
    assert!(
        exp > std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as f64,
        "{text}"
    );
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        assert!(
            text.contains(&format!(
                "# HELP {}",
                name.trim_end_matches("_bucket")
                    .trim_end_matches("_sum")
                    .trim_end_matches("_count")
            )),
            "{name} has no HELP"
        );
    }

    // The check can fail: promtool refuses a counter without `_total` and a metric without HELP.
    let (ok, said) = promtool(&text.replace("tok_logins_total", "tok_logins"));
    assert!(!ok && said.contains("_total"), "{said}");
    let (ok, _) = promtool(
        &text
            .replace(
                "# HELP tok_logouts_total Sessions forgotten (and maybe revoked) by logout.\n",
                "",
            )
            .replace(
                "# HELP tok_logins_total Logins that stored a new session.\n",
                "",
            ),
    );
    assert!(!ok, "a metric without HELP passed");
}
