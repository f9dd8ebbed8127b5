//! Advisory file locks shared by tok processes: the one polling routine behind the per-profile
//! session lock and the keychain lock.
//!
//! `flock`-style locks are released by the kernel when the holder dies, so a killed tok never
//! leaves a stale lock behind. The standard library offers only a blocking `lock` or a
//! non-blocking `try_lock`; waiting with a deadline means polling.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// Why a lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process held it until the deadline.
    Busy,
    /// The directory of the lock file could not be made.
    Dir(crate::paths::PathError),
    /// The lock file could not be opened.
    Open(std::io::Error),
    /// The lock file could not be locked.
    Lock(std::io::Error),
}

/// Open (creating, 0600) the lock file at `path` and take its exclusive lock, polling every
/// `poll` until `deadline`. `on_wait` runs once, the first time the lock is found taken.
pub fn lock_until(
    path: &Path,
    deadline: Instant,
    poll: Duration,
    on_wait: impl FnOnce(),
) -> Result<File, LockError> {
    if let Some(dir) = path.parent() {
        crate::paths::ensure_private_dir(dir).map_err(LockError::Dir)?;
    }
    let file = crate::paths::open_lock_file(path).map_err(LockError::Open)?;
    let mut on_wait = Some(on_wait);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(TryLockError::WouldBlock) => {
                if Instant::now() >= deadline {
                    return Err(LockError::Busy);
                }
                if let Some(f) = on_wait.take() {
                    f();
                }
                std::thread::sleep(poll);
            }
            Err(TryLockError::Error(e)) => return Err(LockError::Lock(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_times_out_and_a_free_one_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locks/p.lock");
        let held = lock_until(&path, Instant::now(), Duration::from_millis(1), || {}).unwrap();
        let mut waited = 0;
        let r = lock_until(
            &path,
            Instant::now() + Duration::from_millis(30),
            Duration::from_millis(5),
            || waited += 1,
        );
        assert!(matches!(r, Err(LockError::Busy)));
        assert_eq!(waited, 1, "told once, however long the wait");
        drop(held);
        assert!(lock_until(&path, Instant::now(), Duration::from_millis(1), || {}).is_ok());
    }
}
