//! The per-profile lock: one tok process at a time refreshes, logs in or out of a profile.
//!
//! Its scope must match the store's: a session in the file store lives under the XDG
//! directories, so its lock lives beside the profile state; a session in a per-user store (the
//! keychain, keyutils) is reachable by every process of the user whatever its `XDG_STATE_HOME`,
//! so it also takes a per-user lock (`Paths::user_lock_file`). The per-user lock is taken first,
//! always in that order, so two processes never wait for each other crosswise.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::lockfile::{LockError, lock_until};
use crate::store::StoreKind;

use super::{Ctx, SessionError};

/// An exclusive per-profile lock across processes. Released when dropped, and by the kernel
/// when the holder dies, so a killed tok never leaves a stale lock behind.
pub struct ProfileLock {
    _user: Option<File>,
    _file: File,
}

impl ProfileLock {
    pub fn acquire(ctx: &Ctx, profile: &str) -> Result<Self, anyhow::Error> {
        Self::acquire_for(ctx, profile, None)
    }

    /// [`ProfileLock::acquire`] for a login about to write the session into `target` as well.
    pub fn acquire_for(
        ctx: &Ctx,
        profile: &str,
        target: Option<StoreKind>,
    ) -> Result<Self, anyhow::Error> {
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
        // Without XDG_STATE_HOME both locks are one file: flock it once (a second open file
        // description of the same file would wait for the first, held by this very process).
        let distinct = ctx.paths.user_lock_file(profile) != ctx.paths.lock_file(profile);
        let user = if distinct
            && (per_user(ctx.store_choice(profile).0) || target.is_some_and(per_user))
        {
            Some(take(
                ctx,
                profile,
                &ctx.paths.user_lock_file(profile),
                deadline,
                &mut waited,
            )?)
        } else {
            None
        };
        let file = take(
            ctx,
            profile,
            &ctx.paths.lock_file(profile),
            deadline,
            &mut waited,
        );
        if waited {
            // For `tok stats`: how long tok processes queue behind each other.
            ctx.note_lock_wait(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX));
        }
        let file = file?;
        Ok(Self {
            _user: user,
            _file: file,
        })
    }
}

fn take(
    ctx: &Ctx,
    profile: &str,
    path: &Path,
    deadline: Instant,
    waited: &mut bool,
) -> Result<File, anyhow::Error> {
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
        Err(LockError::Open(e)) => Err(anyhow::anyhow!(
            "cannot open lock file {}: {e}",
            path.display()
        )),
        Err(LockError::Lock(e)) => Err(anyhow::anyhow!("cannot lock {}: {e}", path.display())),
    }
}
