//! Resource servers in front of real tools (git http-backend, docker-registry) that accept only
//! access tokens the test provider reports active. Scripts live in tests/support/.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::support::{ChildGuard, root, start_service};

/// A python server from tests/support/, on 127.0.0.1 with an OS-chosen port.
pub struct Front {
    /// EOF on stdin lets the script stop what it started (docker-registry); killed if it hangs.
    _child: ChildGuard,
    pub port: u16,
    /// One JSON line per request: method, path, scheme, status.
    pub log: PathBuf,
    _dir: TempDir,
}

impl Front {
    /// Run tests/support/SCRIPT with `args`, then `--log FILE`.
    pub fn start(script: &str, args: &[&str]) -> Self {
        Self::start_with(script, args, &[])
    }

    /// The same with more environment (`SSL_CERT_FILE` for a front of an HTTPS rig).
    pub fn start_with(script: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.jsonl");
        let (child, line) = start_service(
            &format!("tests/support/{script} (/usr/bin/python3)"),
            || {
                let mut c = Command::new("/usr/bin/python3");
                c.arg(root().join("tests/support").join(script))
                    .args(args)
                    .arg("--log")
                    .arg(&log)
                    .envs(env.iter().copied());
                c
            },
            &dir.path().join("stderr"),
            1,
            Duration::from_secs(300),
        );
        let port = line.parse().unwrap_or_else(|_| {
            panic!(
                "{script} did not start: {line:?}\n{}",
                std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default()
            )
        });
        Self {
            _child: child,
            port,
            log,
            _dir: dir,
        }
    }

    /// The requests so far.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// How many requests were answered `status` after authenticating with `scheme`.
    pub fn count(&self, scheme: &str, status: u64) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["scheme"] == scheme && r["status"] == status)
            .count()
    }
}
