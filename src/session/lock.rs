//! The per-profile lock: one tok process at a time refreshes, logs in or out of a profile.

use std::fs::File;
use std::time::{Duration, Instant};

use crate::lockfile::{LockError, lock_until};

use super::{Ctx, SessionError};

/// An exclusive per-profile lock across processes. Released when dropped, and by the kernel
/// when the holder dies, so a killed tok never leaves a stale lock behind.
pub struct ProfileLock {
    _file: File,
}

impl ProfileLock {
    pub fn acquire(ctx: &Ctx, profile: &str) -> Result<Self, anyhow::Error> {
        let path = ctx.paths.lock_file(profile);
        let secs = ctx.settings.lock_timeout.as_secs();
        let start = Instant::now();
        let deadline = start + ctx.settings.lock_timeout;
        let mut waited = false;
        let waiting = || {
            waited = true;
            ctx.printer.verbose(format!(
                "waiting for another tok process to finish with profile `{profile}`"
            ))
        };
        let taken = lock_until(&path, deadline, Duration::from_millis(15), waiting);
        if waited {
            // For `tok stats`: how long tok processes queue behind each other.
            ctx.note_lock_wait(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX));
        }
        match taken {
            Ok(file) => Ok(Self { _file: file }),
            Err(LockError::Busy) => Err(SessionError::Busy {
                profile: profile.into(),
                secs,
            }
            .into()),
            Err(LockError::Dir(e)) => Err(e),
            Err(LockError::Open(e)) => Err(anyhow::anyhow!(
                "cannot open lock file {}: {e}",
                path.display()
            )),
            Err(LockError::Lock(e)) => Err(anyhow::anyhow!("cannot lock {}: {e}", path.display())),
        }
    }
}
