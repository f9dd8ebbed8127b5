//! The audit log: one JSON line per login, refresh, token request and logout, in
//! `$XDG_STATE_HOME/tok/audit.jsonl` (0600), so that a user can answer "how often did my
//! refreshes fail, and why?" from their own machine (`tok stats`).
//!
//! - Tokens never appear; an event names a token only by its short SHA-256 fingerprint
//!   ([`crate::secret::fingerprint`]).
//! - One `write(2)` with `O_APPEND` per event: concurrent tok processes interleave whole lines.
//! - Size-bounded: when the file would grow past [`MAX_BYTES`] it is renamed to `audit.jsonl.1`
//!   (replacing the previous generation), so the log never takes more than about twice that.
//! - `audit = false` at the top of the config file turns it off (`session::Ctx::set_audit`).
//! - Failing to write the log never fails the command that is being logged.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::paths::{self, Paths};
use crate::secret::AccessToken;
use crate::session::{LogoutReport, RefreshRecord, Source};
use crate::store::StoreKind;

/// The file name under the state directory.
pub const FILE: &str = "audit.jsonl";
/// Rotate when the current file would grow past this many bytes.
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The current log file.
pub fn log_path(paths: &Paths) -> PathBuf {
    paths.state_dir.join(FILE)
}

/// The previous generation, kept after a rotation.
pub fn old_log_path(paths: &Paths) -> PathBuf {
    paths.state_dir.join(format!("{FILE}.1"))
}

/// Who asked for an access token: `print` (scripts, cargo, curl) or a helper protocol, named by
/// its row of [`crate::helpers::PROTOCOLS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Consumer(&'static str);

impl Consumer {
    /// `tok print`.
    pub const PRINT: Consumer = Consumer("print");
    /// `tok exec`: a command run with the token in its environment.
    pub const EXEC: Consumer = Consumer("exec");

    /// The consumer called `name` in the log (a protocol's table row).
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl Default for Consumer {
    fn default() -> Self {
        Self::PRINT
    }
}

/// Only the names tok writes: `print` and each protocol's.
impl<'de> Deserialize<'de> for Consumer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        [Consumer::PRINT, Consumer::EXEC]
            .into_iter()
            .chain(crate::helpers::PROTOCOLS.iter().map(|p| p.consumer))
            .find(|c| c.0 == name)
            .ok_or_else(|| serde::de::Error::unknown_variant(&name, &["print", "a helper's"]))
    }
}

/// The caller of `session::access_token`, as recorded in `request` events. Helpers set it with
/// [`crate::session::Ctx::set_requester`] before asking for a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requester {
    pub consumer: Consumer,
    /// The host the token is for (git/docker), when known.
    pub host: Option<String>,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A login stored a new session.
    Login,
    /// A refresh-token grant was attempted (ok or not).
    Refresh,
    /// A caller asked for an access token (served from the cache, a peer, the store, or a
    /// refresh; or failed).
    Request,
    /// The session was forgotten (and maybe revoked at the provider).
    Logout,
}

/// One line of the audit log. Fields that do not apply to an event are absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Unix seconds.
    pub ts: i64,
    pub event: Kind,
    pub profile: String,
    pub ok: bool,
    /// Error code of a failure: the OAuth `error` for refreshes (`invalid_grant`,
    /// `unavailable`, …), the exit-code name for requests (`login_required`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotated: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer: Option<Consumer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Fingerprint of the access token served or obtained (never the token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_fp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<bool>,
    /// How a `refresh` event got its token when it was not a refresh token: a workload
    /// identity exchange's method (`token-exchange`, `jwt-bearer`, `client-assertion`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<String>,
    /// How long a request waited for another tok process's profile lock, when it waited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_wait_ms: Option<u64>,
    pub pid: u32,
}

impl Event {
    fn new(event: Kind, profile: &str, ok: bool) -> Self {
        Self {
            ts: crate::time::now(),
            event,
            profile: profile.to_string(),
            ok,
            error: None,
            latency_ms: None,
            rotated: None,
            source: None,
            consumer: None,
            host: None,
            token_fp: None,
            store: None,
            revoked: None,
            grant: None,
            lock_wait_ms: None,
            pid: std::process::id(),
        }
    }

    pub fn login(profile: &str, store: StoreKind, token: &AccessToken) -> Self {
        Self {
            store: Some(store.as_str().to_string()),
            token_fp: Some(token.fingerprint()),
            ..Self::new(Kind::Login, profile, true)
        }
    }

    /// A refresh attempt, from the record kept in the profile state.
    pub fn refresh(profile: &str, r: &RefreshRecord) -> Self {
        Self {
            ts: r.at,
            error: r.error.clone(),
            latency_ms: Some(r.latency_ms),
            rotated: Some(r.rotated),
            ..Self::new(Kind::Refresh, profile, r.ok)
        }
    }

    /// A workload identity exchange, counted like a refresh and named by its method.
    pub fn exchange(profile: &str, r: &RefreshRecord, method: &str) -> Self {
        Self {
            grant: Some(method.to_string()),
            ..Self::refresh(profile, r)
        }
    }

    /// A token request and its outcome.
    pub fn request(
        profile: &str,
        who: &Requester,
        result: Result<(Source, &AccessToken), &anyhow::Error>,
    ) -> Self {
        let mut e = Self {
            consumer: Some(who.consumer),
            host: who.host.clone(),
            ..Self::new(Kind::Request, profile, result.is_ok())
        };
        match result {
            Ok((source, token)) => {
                e.source = Some(source);
                e.token_fp = Some(token.fingerprint());
            }
            Err(err) => e.error = Some(crate::error::classify(err).0.name().to_string()),
        }
        e
    }

    pub fn logout(profile: &str, r: &LogoutReport) -> Self {
        Self {
            revoked: Some(r.revoked),
            error: r
                .revocation_error
                .as_ref()
                .map(|_| "revocation_failed".into()),
            ..Self::new(Kind::Logout, profile, true)
        }
    }
}

/// Append `event` to the log. Never fails the caller. (`session::Ctx::audit` skips this when
/// the config turns the log off.)
pub fn record(paths: &Paths, event: Event) {
    let mut line = serde_json::to_vec(&event).expect("an audit event serializes");
    line.push(b'\n');
    let _ = append(&log_path(paths), &old_log_path(paths), &line, MAX_BYTES);
}

fn open_append(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    match o.open(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let dir = path.parent().expect("the log lives in a directory");
            paths::ensure_private_dir(dir).map_err(io::Error::other)?;
            o.open(path)
        }
        r => r,
    }
}

/// Append `line` to `path`; first rotate `path` to `old` if the line would take it past `max`.
fn append(path: &Path, old: &Path, line: &[u8], max: u64) -> io::Result<()> {
    let mut f = open_append(path)?;
    let len = f.metadata()?.len();
    if len > 0 && len + line.len() as u64 > max {
        // Serialise rotations: only the process that still sees the full file under `path`
        // renames it, so a second process cannot rotate the fresh file over the old one.
        f.lock()?;
        if same_file(&f, path) && f.metadata()?.len() + line.len() as u64 > max {
            fs::rename(path, old)?;
        }
        drop(f);
        f = open_append(path)?;
    }
    f.write_all(line)
}

#[cfg(unix)]
fn same_file(f: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, _: &Path) -> bool {
    true
}

/// Every event still on disk, oldest first (the rotated generation, then the current file).
/// Lines that do not parse (a torn write, a newer tok's event) are skipped.
pub fn read(paths: &Paths) -> Vec<Event> {
    let mut out = vec![];
    for p in [old_log_path(paths), log_path(paths)] {
        if let Ok(text) = fs::read_to_string(&p) {
            out.extend(parse(&text));
        }
    }
    out
}

/// The events of one log file's text, skipping lines that do not parse.
pub fn parse(text: &str) -> impl Iterator<Item = Event> + '_ {
    text.lines()
        .filter_map(|l| serde_json::from_str::<Event>(l).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(dir: &Path) -> Paths {
        Paths {
            config_dir: dir.join("c"),
            cache_dir: dir.join("k"),
            runtime_dir: dir.join("r"),
            state_dir: dir.join("s/tok"),
            data_dir: dir.join("d"),
            user_state_dir: dir.join("u"),
        }
    }

    #[test]
    fn rotation_bounds_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (cur, old) = (dir.path().join("a.jsonl"), dir.path().join("a.jsonl.1"));
        let line = [b'x'; 99].iter().chain(b"\n").copied().collect::<Vec<u8>>();
        for _ in 0..1000 {
            append(&cur, &old, &line, 1000).unwrap();
            let c = fs::metadata(&cur).unwrap().len();
            assert!(c <= 1000, "current generation is {c} bytes");
            assert_eq!(c % 100, 0, "only whole lines");
        }
        assert_eq!(fs::metadata(&cur).unwrap().len(), 1000);
        assert_eq!(fs::metadata(&old).unwrap().len(), 1000);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 2, "two generations, no more");
    }

    #[test]
    fn a_line_larger_than_the_limit_still_lands() {
        let dir = tempfile::tempdir().unwrap();
        let (cur, old) = (dir.path().join("a.jsonl"), dir.path().join("a.jsonl.1"));
        append(&cur, &old, b"long line\n", 4).unwrap();
        append(&cur, &old, b"next\n", 4).unwrap();
        assert_eq!(fs::read(&old).unwrap(), b"long line\n");
        assert_eq!(fs::read(&cur).unwrap(), b"next\n");
    }

    #[test]
    fn record_creates_a_private_file_and_read_returns_events_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let at = AccessToken::new("at-canary-1");
        record(&p, Event::login("w", StoreKind::File, &at));
        let who = Requester {
            consumer: crate::helpers::GIT.consumer,
            host: Some("git.example".into()),
        };
        record(&p, Event::request("w", &who, Ok((Source::Cache, &at))));
        let text = fs::read_to_string(log_path(&p)).unwrap();
        assert!(!text.contains("canary"), "{text}");
        assert!(text.contains(&at.fingerprint()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(log_path(&p)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let ev = read(&p);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].event, Kind::Login);
        assert_eq!(ev[1].consumer, Some(crate::helpers::GIT.consumer));
        assert_eq!(ev[1].source, Some(Source::Cache));
        assert_eq!(ev[1].host.as_deref(), Some("git.example"));
    }

    #[test]
    fn request_failure_is_named_by_exit_code() {
        let err = anyhow::Error::new(crate::session::SessionError::NotLoggedIn {
            profile: "w".into(),
        });
        let e = Event::request("w", &Requester::default(), Err(&err));
        let line = serde_json::to_string(&e).unwrap();
        assert!(
            line.contains(r#""event":"request","profile":"w","ok":false,"error":"login_required","consumer":"print""#),
            "{line}"
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            /// Every event tok writes is read back by `tok stats` as it was, one per line.
            #[test]
            fn audit_lines_read_back(
                ts in any::<i64>(), kind in 0..4u8, profile in any::<String>(), ok in any::<bool>(),
                error in any::<Option<String>>(), latency_ms in any::<Option<u64>>(),
                host in any::<Option<String>>(), lock_wait_ms in any::<Option<u64>>(), pid in any::<u32>(),
            ) {
                let event = [Kind::Login, Kind::Refresh, Kind::Request, Kind::Logout][kind as usize];
                let mut e = Event::new(event, &profile, ok);
                e.ts = ts;
                e.error = error;
                e.latency_ms = latency_ms;
                e.host = host;
                e.lock_wait_ms = lock_wait_ms;
                e.pid = pid;
                let mut log = serde_json::to_string(&e).unwrap();
                log.push('\n');
                log.push_str(&log.clone());
                let back: Vec<Event> = parse(&log).collect();
                prop_assert_eq!(back, vec![e.clone(), e]);
            }
        }
    }
}
