//! The per-profile lock: one tok process at a time refreshes, logs in or out of a profile.
//!
//! Its scope must match the store's: the lock lives with what it guards. A session in the file
//! store lives under `$XDG_DATA_HOME`, so a lock beside it (`Paths::session_lock_file`) is taken
//! by every process that reaches it, whatever its `XDG_STATE_HOME` (which is where the profile
//! state saying which store holds the session lives: processes with another one cannot know,
//! so they all take it). A session in a per-user store (the keychain, keyutils) is reachable by
//! every process of the user whatever its XDG directories, so it also takes a per-user lock
//! (`Paths::user_lock_file`). The lock beside the profile state is taken last. Always in that
//! order (per-user, session, state), so two processes never wait for each other crosswise.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::lockfile::{LockError, lock_until};
use crate::store::StoreKind;

use super::{Ctx, Error, SessionError};

/// An exclusive per-profile lock across processes. Released when dropped, and by the kernel
/// when the holder dies, so a killed tok never leaves a stale lock behind.
pub struct ProfileLock {
    _files: Vec<File>,
}

impl ProfileLock {
    pub fn acquire(ctx: &Ctx, profile: &str) -> Result<Self, Error> {
        Self::acquire_for(ctx, profile, None)
    }

    /// [`ProfileLock::acquire`] for a login about to write the session into `target` as well.
    pub fn acquire_for(ctx: &Ctx, profile: &str, target: Option<StoreKind>) -> Result<Self, Error> {
        Self::acquire_noting_wait(ctx, profile, target, &mut None)
    }

    /// [`ProfileLock::acquire_for`], setting `waited_ms` to how long it waited for another
    /// process when it did, whether it then got the lock or not (for the audit log's `request`
    /// event: how long tok processes queue behind each other).
    pub fn acquire_noting_wait(
        ctx: &Ctx,
        profile: &str,
        target: Option<StoreKind>,
        waited_ms: &mut Option<u64>,
    ) -> Result<Self, Error> {
        // `auto` resolves to the keychain or keyutils first: treat it as per user.
        let per_user = |k: StoreKind| {
            matches!(
                k,
                StoreKind::Keychain | StoreKind::Keyutils | StoreKind::Auto
            )
        };
        let start = Instant::now();
        let deadline = start + ctx.settings.lock_timeout;
        let mut waited = false;
        let mut paths = vec![];
        if per_user(ctx.store_choice(profile).0) || target.is_some_and(per_user) {
            paths.push(ctx.paths.user_lock_file(profile));
        }
        paths.push(ctx.paths.session_lock_file(profile));
        paths.push(ctx.paths.lock_file(profile));
        let paths = lock_order(paths);
        let mut files = Vec::with_capacity(paths.len());
        let mut result = Ok(());
        for path in &paths {
            match take(ctx, profile, path, deadline, &mut waited) {
                Ok(f) => files.push(f),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if waited {
            *waited_ms = Some(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX));
        }
        result?;
        Ok(Self { _files: files })
    }
}

/// The lock files in the order given, each once: when two of them are one file (no
/// `XDG_STATE_HOME`, say) it is locked once, since a second open file description of the same
/// file would wait for the first, held by this very process.
fn lock_order(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::with_capacity(paths.len());
    for p in paths {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

fn take(
    ctx: &Ctx,
    profile: &str,
    path: &Path,
    deadline: Instant,
    waited: &mut bool,
) -> Result<File, Error> {
    let secs = ctx.settings.lock_timeout.as_secs();
    let waiting = || {
        *waited = true;
        ctx.printer.verbose(format!(
            "waiting for another tok process to finish with profile `{profile}`"
        ))
    };
    match lock_until(path, deadline, Duration::from_millis(15), waiting) {
        Ok(file) => Ok(file),
        Err(LockError::Busy) => Err(SessionError::Busy {
            profile: profile.into(),
            secs,
        }
        .into()),
        Err(LockError::Dir(e)) => Err(e.into()),
        Err(LockError::Open(error)) => Err(SessionError::LockFile {
            path: path.to_path_buf(),
            error,
        }
        .into()),
        Err(LockError::Lock(error)) => Err(SessionError::Lock {
            path: path.to_path_buf(),
            error,
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lock_file_is_taken_once_in_order() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            lock_order(vec![p("/u/l"), p("/d/l"), p("/u/l")]),
            [p("/u/l"), p("/d/l")]
        );
        assert_eq!(
            lock_order(vec![p("/d/l"), p("/s/l")]),
            [p("/d/l"), p("/s/l")]
        );
    }
}
