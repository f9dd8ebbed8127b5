//! Resource servers in front of real tools (git http-backend, docker-registry) that accept only
//! access tokens the test provider reports active. Scripts live in tests/support/.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

use tempfile::TempDir;

use crate::support::root;

/// A python server from tests/support/, on 127.0.0.1 with an OS-chosen port.
pub struct Front {
    child: Child,
    stdin: Option<ChildStdin>,
    pub port: u16,
    /// One JSON line per request: method, path, scheme, status.
    pub log: PathBuf,
    _dir: TempDir,
}

impl Front {
    /// Run tests/support/SCRIPT with `args`, then `--log FILE`.
    pub fn start(script: &str, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.jsonl");
        let mut child = Command::new("/usr/bin/python3")
            .arg(root().join("tests/support").join(script))
            .args(args)
            .arg("--log")
            .arg(&log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("stderr")).unwrap())
            // Under `over_https`, a front reaching the provider (introspection) trusts the
            // test CA through OpenSSL's default paths.
            .envs(crate::support::https_certs().map(|c| ("SSL_CERT_FILE", c.bundle())))
            .spawn()
            .expect("/usr/bin/python3 runs");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "{script} did not start: {line:?}\n{}",
                std::fs::read_to_string(dir.path().join("stderr")).unwrap_or_default()
            )
        });
        Self {
            child,
            stdin: Some(stdin),
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

impl Drop for Front {
    fn drop(&mut self) {
        // EOF on stdin lets the script stop what it started (docker-registry); kill if it hangs.
        drop(self.stdin.take());
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
