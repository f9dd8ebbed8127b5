//! Where tok keeps its files. Every directory tok creates is 0700 and every file 0600.
//!
//! A directory tok reuses must be its user's and writable by nobody else (else
//! [`PathError::Unsafe`], exit 8 like a config file others could write): `$XDG_RUNTIME_DIR` may be a shared `/tmp`, where another
//! user could pre-create `tok/` and plant a token cache. Files are opened without following
//! symlinks.
//!
//! | what                         | where (Linux)                                   |
//! |------------------------------|-------------------------------------------------|
//! | config                       | `$XDG_CONFIG_HOME/tok/config.toml`              |
//! | access-token cache           | `$XDG_RUNTIME_DIR/tok/`, else `/run/user/UID/tok/` when it is ours, else `$XDG_CACHE_HOME/tok/run/` |
//! | locks                        | `$XDG_STATE_HOME/tok/locks/`                    |
//! | locks of per-user stores     | `$HOME/.local/state/tok/locks/` (whatever `XDG_STATE_HOME` says) |
//! | locks of file-store sessions | `$XDG_DATA_HOME/tok/locks/` (beside `sessions/`) |
//! | discovery cache              | `$XDG_CACHE_HOME/tok/discovery/`                |
//! | profile state (no secrets)   | `$XDG_STATE_HOME/tok/profiles/`                 |
//! | file store sessions          | `$XDG_DATA_HOME/tok/sessions/`                  |

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What can go wrong with tok's directories and private files.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// A directory tok keeps files in that another user could have written.
    #[error("refusing {}: {why}", path.display())]
    Unsafe { path: PathBuf, why: String },
    #[error("cannot find a home directory; set HOME")]
    NoHome,
    /// An I/O failure on `path`. The `io::Error` is printed in the message, not kept as a
    /// `source`, so a warning that prints this error alone still names the cause.
    #[error("cannot {doing} {}: {err}", path.display())]
    Io {
        doing: &'static str,
        path: PathBuf,
        err: std::io::Error,
    },
    #[error("no randomness available: {0}")]
    Random(getrandom::Error),
}

impl PathError {
    pub fn io(doing: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        move |err| Self::Io {
            doing,
            path: path.to_path_buf(),
            err,
        }
    }
}

/// The resolved directories of one tok invocation.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub cache_dir: PathBuf,
    pub runtime_dir: PathBuf,
    pub state_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Where the locks of per-user stores (keychain, keyutils) live: derived from the home
    /// directory alone, so that processes with different `XDG_STATE_HOME` (a sandboxed IDE, a
    /// service unit) that reach the same keychain item meet on the same lock.
    pub user_state_dir: PathBuf,
}

impl Paths {
    pub fn discover() -> Result<Self, PathError> {
        let dirs = directories::ProjectDirs::from("", "", "tok").ok_or(PathError::NoHome)?;
        let cache_dir = dirs.cache_dir().to_path_buf();
        let paths = Self {
            config_dir: dirs.config_dir().to_path_buf(),
            runtime_dir: dirs
                .runtime_dir()
                .map(Path::to_path_buf)
                .or_else(user_runtime_dir)
                .unwrap_or_else(|| cache_dir.join("run")),
            state_dir: dirs
                .state_dir()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dirs.data_local_dir().join("state")),
            data_dir: dirs.data_local_dir().to_path_buf(),
            user_state_dir: user_state_dir().unwrap_or_else(|| dirs.data_local_dir().join("state")),
            cache_dir,
        };
        paths.check_existing()?;
        Ok(paths)
    }

    /// Refuse now, before any file in them is read, the directories tok already has that
    /// another user could have written.
    fn check_existing(&self) -> Result<(), PathError> {
        for root in [
            &self.runtime_dir,
            &self.state_dir,
            &self.data_dir,
            &self.cache_dir,
            &self.user_state_dir,
        ] {
            for sub in ["", "tokens", "locks", "profiles", "sessions", "discovery"] {
                let dir = root.join(sub);
                if fs::symlink_metadata(&dir).is_ok() {
                    check_private_dir(&dir)?;
                }
            }
        }
        Ok(())
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
    pub fn token_cache(&self, key: &str) -> PathBuf {
        self.runtime_dir.join("tokens").join(format!("{key}.json"))
    }
    /// Locks live beside the profile state, not in the runtime directory: every process that
    /// can reach the session (cron without XDG_RUNTIME_DIR, a sudo shell, an IDE) must meet on
    /// the same lock, or two of them could refresh with one refresh token.
    pub fn lock_file(&self, profile: &str) -> PathBuf {
        self.state_dir.join("locks").join(format!("{profile}.lock"))
    }
    /// The lock beside the file store's sessions (`$XDG_DATA_HOME/tok/locks/`): processes that
    /// reach one file-store session through different `XDG_STATE_HOME`s meet on it.
    pub fn session_lock_file(&self, profile: &str) -> PathBuf {
        self.data_dir.join("locks").join(format!("{profile}.lock"))
    }
    /// The lock of a session in a per-user store (keychain, keyutils): its scope is the user's,
    /// like the store's (see [`Paths::user_state_dir`]).
    pub fn user_lock_file(&self, name: &str) -> PathBuf {
        self.user_state_dir
            .join("locks")
            .join(format!("{name}.lock"))
    }
    pub fn discovery_cache(&self, issuer: &str) -> PathBuf {
        self.cache_dir
            .join("discovery")
            .join(format!("{}.json", crate::secret::fingerprint(issuer)))
    }
    pub fn profile_state(&self, profile: &str) -> PathBuf {
        self.state_dir
            .join("profiles")
            .join(format!("{profile}.json"))
    }
}

/// `$HOME/.local/state/tok` on Linux: the XDG default, ignoring `XDG_STATE_HOME`, which
/// sandboxes and service units redirect while the keychain stays the user's one. Elsewhere the
/// platform's state directory (no `XDG_STATE_HOME` to differ there).
fn user_state_dir() -> Option<PathBuf> {
    let base = directories::BaseDirs::new()?;
    if cfg!(target_os = "linux") {
        Some(base.home_dir().join(".local/state/tok"))
    } else {
        directories::ProjectDirs::from("", "", "tok").map(|d| d.data_local_dir().join("state"))
    }
}

/// Without `$XDG_RUNTIME_DIR`: `/run/user/UID/tok` when `/run/user/UID` exists and is ours
/// alone (systemd-logind's per-user tmpfs, wiped at logout), else `None`.
fn user_runtime_dir() -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        let dir = PathBuf::from(format!("/run/user/{uid}"));
        let m = fs::symlink_metadata(&dir).ok()?;
        (m.is_dir() && m.uid() == uid && m.mode() & 0o022 == 0).then(|| dir.join("tok"))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// `dir` is a real directory (not a symlink) owned by this user and writable by no one else.
pub fn check_private_dir(dir: &Path) -> Result<(), PathError> {
    let unsafe_dir = |why: String| PathError::Unsafe {
        path: dir.to_path_buf(),
        why,
    };
    let m = fs::symlink_metadata(dir).map_err(PathError::io("inspect", dir))?;
    if !m.is_dir() {
        return Err(unsafe_dir("not a directory (a symlink?)".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        if m.uid() != uid {
            return Err(unsafe_dir(format!(
                "it belongs to uid {}, not to you (uid {uid})",
                m.uid()
            )));
        }
        if m.mode() & 0o022 != 0 {
            return Err(unsafe_dir(format!(
                "others can write to it (mode {:o})",
                m.mode() & 0o7777
            )));
        }
    }
    Ok(())
}

/// Create `dir` and its missing parents with mode 0700, then check it and its ancestors up to
/// tok's own directory (the nearest one named `tok`) with [`check_private_dir`]: a directory
/// that already existed is trusted only if it is ours alone.
pub fn ensure_private_dir(dir: &Path) -> Result<(), PathError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(PathError::io("create directory", dir))?;
    for d in dir.ancestors() {
        check_private_dir(d)?;
        if d.file_name().is_some_and(|n| n == "tok") || d == dir && !has_tok_ancestor(dir) {
            break;
        }
    }
    Ok(())
}

fn has_tok_ancestor(dir: &Path) -> bool {
    dir.ancestors()
        .any(|d| d.file_name().is_some_and(|n| n == "tok"))
}

/// Read a private file without following a symlink in its last component: `Ok(None)` when it
/// does not exist.
pub fn read_private(path: &Path) -> std::io::Result<Option<zeroize::Zeroizing<Vec<u8>>>> {
    use std::io::Read;
    let mut o = fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    let mut f = match o.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    f.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Write `bytes` to `path` atomically: a 0600 temp file in the same directory, fsync, rename,
/// fsync the directory. Readers see the old or the new content, never a torn file; a crash at
/// any moment leaves one of the two.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> Result<(), PathError> {
    write_private(path, bytes, true)
}

/// Like [`write_private_atomic`] (readers never see a torn file) but without the fsyncs, for
/// files whose loss in a crash costs nothing but a refresh: the token cache and the profile
/// state. Each fsync costs milliseconds on a real disk; the refresh token itself (the store)
/// is always written durably.
pub fn write_private_replace(path: &Path, bytes: &[u8]) -> Result<(), PathError> {
    write_private(path, bytes, false)
}

fn write_private(path: &Path, bytes: &[u8], durable: bool) -> Result<(), PathError> {
    ensure_private_dir(path.parent().unwrap_or(Path::new(".")))?;
    replace_private(path, bytes, durable)
}

/// [`write_private_atomic`] into a directory the user named (`print --output`): it is theirs,
/// so it is neither created nor checked; the file itself is 0600 from its first byte.
pub fn write_user_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), PathError> {
    replace_private(path, bytes, true)
}

/// Temp file (0600) beside `path`, write, (fsync), rename, (fsync the directory).
fn replace_private(path: &Path, bytes: &[u8], durable: bool) -> Result<(), PathError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let mut rnd = [0u8; 6];
    getrandom::fill(&mut rnd).map_err(PathError::Random)?;
    let tmp = dir.join(format!(
        ".{name}.{}.tmp",
        rnd.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ));
    let result = (|| -> Result<(), PathError> {
        let mut f = private_file_options()
            .open(&tmp)
            .map_err(PathError::io("create", &tmp))?;
        f.write_all(bytes)
            .and_then(|_| if durable { f.sync_all() } else { Ok(()) })
            .map_err(PathError::io("write", &tmp))?;
        fs::rename(&tmp, path).map_err(PathError::io("replace", path))?;
        if durable && let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Options for a new file readable only by its owner.
pub fn private_file_options() -> fs::OpenOptions {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Open (creating, 0600) a lock file. Its content is never read: only `flock` on it matters.
pub fn open_lock_file(path: &Path) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// Read a file that may not exist: `Ok(None)` when it does not.
/// (Follows symlinks: for the user's own files, such as a dotfile-managed docker config.)
pub fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, PathError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(PathError::io("read", path)(e)),
    }
}

/// Remove a file that may not exist.
pub fn remove_optional(path: &Path) -> Result<bool, PathError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(PathError::io("remove", path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/c.json");
        write_private_atomic(&p, b"one").unwrap();
        write_private_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
            let d = fs::metadata(p.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(d & 0o777, 0o700);
        }
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}
