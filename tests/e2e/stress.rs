//! The small variant of scripts/stress: racing refreshes and SIGKILL trials against the real
//! provider, with the exact arguments docs/RELIABILITY.md lists. The full run (50 racers x 5
//! rounds, 200 SIGKILL + 100 SIGTERM trials) is `scripts/stress`. See: issue 4.

use std::process::Command;

use crate::support::{root, tok_bin};

#[test]
fn racing_refreshes_and_kills_keep_one_refresh_per_expiry() {
    let out = Command::new("/usr/bin/python3")
        .arg(root().join("scripts/stress"))
        .args([
            "--racers",
            "20",
            "--rounds",
            "2",
            "--helper-rounds",
            "1",
            "--crash-trials",
            "10",
            "--term-trials",
            "10",
            "--json",
        ])
        .arg("--tok")
        .arg(tok_bin())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report["racing"]["refreshes_per_round"],
        serde_json::json!([1, 1])
    );
    assert_eq!(
        report["racing_with_helpers"]["refreshes_per_round"],
        serde_json::json!([1])
    );
    assert_eq!(report["crash_window"]["stale_lock_blocks"], 0);
    assert_eq!(report["sigterm"]["trials"], 10);
    assert_eq!(report["sigterm"]["sessions_lost"], 0);
    eprintln!("{stdout}");
}
