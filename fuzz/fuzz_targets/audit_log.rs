//! The audit log as `tok stats` reads it back: JSON lines that another tok version, a torn
//! write or a hand edit may have left in any shape.
//!
//! Checks: no panic in parsing, in the statistics or in the Prometheus text; every event read
//! back writes the same line again; the Prometheus text keeps one sample per line whatever the
//! log's strings hold (a profile name with a line break must not forge a metric). No leak check:
//! the log holds no secret (token fingerprints only).
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use tok::AuditEvent;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let events: Vec<AuditEvent> = tok::parse_audit(text).collect();
    for e in &events {
        let line = serde_json::to_string(e).expect("an event serializes");
        let back: AuditEvent = serde_json::from_str(&line).expect("tok reads its own line");
        assert_eq!(&back, e, "round trip");
    }
    let profile = events.first().map(|e| e.profile.clone());
    for p in [None, profile.as_deref()] {
        let stats = tok::compute_stats(&events, p, None);
        assert!(stats.events as usize <= events.len());
        let _ = serde_json::to_string(&stats).expect("stats serialize");
    }
    let expiries: BTreeMap<String, i64> =
        events.iter().map(|e| (e.profile.clone(), e.ts)).collect();
    let metrics = tok::prometheus(&events, None, None, &expiries);
    for line in metrics.split('\n').filter(|l| !l.is_empty()) {
        assert!(
            line.starts_with("# HELP tok_")
                || line.starts_with("# TYPE tok_")
                || line.starts_with("tok_"),
            "a forged metrics line: {line:?}"
        );
    }
});
