//! The audit log: one JSON line per login, refresh, token request and logout, in
//! `$XDG_STATE_HOME/tok/audit.jsonl` (0600), so that a user can answer "how often did my
//! refreshes fail, and why?" from their own machine (`tok stats`).
//!
//! - Tokens never appear; an event names a token only by its short SHA-256 fingerprint
//!   ([`crate::secret::fingerprint`]).
//! - One `write(2)` with `O_APPEND` per event: concurrent tok processes interleave whole lines.
//! - Size-bounded: when the file would grow past [`MAX_BYTES`] it is renamed to `audit.jsonl.1`
//!   (replacing the previous generation), so the log never takes more than about twice that.
//! - `audit = false` at the top of the config file turns it off (every `Profile` carries it; `session::Ctx::audit`).
//! - Failing to write the log never fails the command that is being logged.
//! - The log owns its record types: the session converts into them, so its format never pins
//!   the core's types, and a line a newer tok wrote (a new consumer, grant, event or source
//!   name) is read and counted under its name, or as `other`, never dropped.

use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::paths::{self, Paths};
use crate::secret::AccessToken;
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

/// Who asked for an access token: `print` (scripts, cargo, curl), `exec`, or a helper
/// protocol, named by its row of the protocol table. Any name reads back: a newer tok's
/// consumer is counted under its own name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Consumer(Cow<'static, str>);

impl Consumer {
    /// `tok print`.
    pub const PRINT: Consumer = Consumer::new("print");
    /// `tok exec`: a command run with the token in its environment.
    pub const EXEC: Consumer = Consumer::new("exec");

    /// The consumer called `name` in the log (a protocol's table row).
    pub const fn new(name: &'static str) -> Self {
        Self(Cow::Borrowed(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Consumer {
    fn default() -> Self {
        Self::PRINT
    }
}

/// Who asked for an access token, as recorded in `request` events: known to the command that
/// serves it (`print`, `exec`, a helper and the host it names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requester {
    pub consumer: Consumer,
    /// The host the token is for (git/docker), when known.
    pub host: Option<String>,
}

impl Requester {
    pub fn new(consumer: Consumer) -> Self {
        Self {
            consumer,
            host: None,
        }
    }
}

/// Where a served access token came from (the session's answer, in the log's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The token cache, no lock, no network.
    Cache,
    /// Another process refreshed while this one waited for the lock.
    Peer,
    /// The session in the store had a newer token than the cache.
    Store,
    /// This process refreshed.
    Refreshed,
    /// A source a newer tok names.
    #[serde(other)]
    Other,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cache => "cache",
            Source::Peer => "peer",
            Source::Store => "store",
            Source::Refreshed => "refreshed",
            Source::Other => "other",
        }
    }
}

/// One attempt at the next token (a refresh or an exchange), as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Unix seconds.
    pub at: i64,
    pub ok: bool,
    /// The OAuth `error` (or tok's short code) of a failure.
    pub error: Option<String>,
    pub latency_ms: u64,
    pub rotated: bool,
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
    /// An event a newer tok writes: counted among the events, never dropped.
    #[serde(other)]
    Other,
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

    /// A refresh attempt.
    pub fn refresh(profile: &str, r: &Attempt) -> Self {
        Self {
            ts: r.at,
            error: r.error.clone(),
            latency_ms: Some(r.latency_ms),
            rotated: Some(r.rotated),
            ..Self::new(Kind::Refresh, profile, r.ok)
        }
    }

    /// A workload identity exchange, counted like a refresh and named by its method.
    pub fn exchange(profile: &str, r: &Attempt, method: &str) -> Self {
        Self {
            grant: Some(method.to_string()),
            ..Self::refresh(profile, r)
        }
    }

    /// A token request and its outcome: where the token came from, or the name of the
    /// failure's class (the exit code's name, `login_required`, …).
    pub fn request(
        profile: &str,
        who: &Requester,
        result: Result<(Source, &AccessToken), &str>,
    ) -> Self {
        let mut e = Self {
            consumer: Some(who.consumer.clone()),
            host: who.host.clone(),
            ..Self::new(Kind::Request, profile, result.is_ok())
        };
        match result {
            Ok((source, token)) => {
                e.source = Some(source);
                e.token_fp = Some(token.fingerprint());
            }
            Err(code) => e.error = Some(code.to_string()),
        }
        e
    }

    /// A logout: whether the provider revoked the session, and whether revoking failed.
    pub fn logout(profile: &str, revoked: bool, revocation_failed: bool) -> Self {
        Self {
            revoked: Some(revoked),
            error: revocation_failed.then(|| "revocation_failed".into()),
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
            consumer: Consumer::new("git"),
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
        assert_eq!(ev[1].consumer, Some(Consumer::new("git")));
        assert_eq!(ev[1].source, Some(Source::Cache));
        assert_eq!(ev[1].host.as_deref(), Some("git.example"));
    }

    #[test]
    fn request_failure_is_named_by_its_code() {
        let e = Event::request("w", &Requester::default(), Err("login_required"));
        let line = serde_json::to_string(&e).unwrap();
        assert!(
            line.contains(r#""event":"request","profile":"w","ok":false,"error":"login_required","consumer":"print""#),
            "{line}"
        );
    }

    /// Issue 18 item 8: a line a newer tok wrote, with a consumer, grant, event and source this
    /// tok does not know, is read, not dropped.
    #[test]
    fn a_newer_toks_names_are_read_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        std::fs::create_dir_all(&p.state_dir).unwrap();
        let lines = [
            r#"{"ts":1,"event":"request","profile":"w","ok":true,"source":"mirror","consumer":"aws","pid":1}"#,
            r#"{"ts":2,"event":"refresh","profile":"w","ok":true,"latency_ms":3,"rotated":false,"grant":"ciba","pid":1}"#,
            r#"{"ts":3,"event":"rotate_key","profile":"w","ok":true,"pid":1,"key_id":"k1"}"#,
        ];
        std::fs::write(log_path(&p), lines.join("\n") + "\n").unwrap();
        let ev = read(&p);
        assert_eq!(ev.len(), 3, "{ev:?}");
        assert_eq!(ev[0].consumer.as_ref().map(Consumer::as_str), Some("aws"));
        assert_eq!(ev[0].source, Some(Source::Other));
        assert_eq!(ev[1].grant.as_deref(), Some("ciba"));
        assert_eq!(ev[2].event, Kind::Other);
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
