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
        let deadline = Instant::now() + ctx.settings.lock_timeout;
        let waiting = || {
            ctx.printer.verbose(format!(
                "waiting for another tok process to finish with profile `{profile}`"
            ))
        };
        match lock_until(&path, deadline, Duration::from_millis(15), waiting) {
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
