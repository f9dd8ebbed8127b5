//! Deferring termination signals across the refresh's critical section.
//!
//! Between sending a refresh request and persisting its answer, dying loses the session when the
//! server rotates refresh tokens: the old one is spent, the new one only in memory. SIGKILL cannot
//! be stopped, but the usual ways a process is ended — Ctrl-C (SIGINT), `timeout`/CI cancellation
//! (SIGTERM), a closed terminal (SIGHUP) — can wait the few milliseconds it takes: while a
//! [`Deferred`] guard lives, the first such signal is recorded (with a note on stderr) instead of
//! acted on, and when the guard is dropped the previous handlers are restored and the recorded
//! signal is raised again. A second signal ends tok at once, so a hung network never traps the
//! user.
//!
//! A handler (not a signal mask) is used because masks are per thread, and the HTTP client runs
//! its own threads.

#[cfg(unix)]
mod imp {
    use std::sync::atomic::{AtomicI32, Ordering};

    const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];
    static PENDING: AtomicI32 = AtomicI32::new(0);

    const NOTE: &[u8] = b"tok: finishing the refresh in flight so that the session is not lost; \
        signal again to quit now\n";

    extern "C" fn record(sig: libc::c_int) {
        // Only async-signal-safe calls here: an atomic, write(2), signal(2), raise(3).
        if PENDING
            .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            // SAFETY: write(2) of a static buffer to stderr.
            unsafe {
                libc::write(2, NOTE.as_ptr().cast(), NOTE.len());
            }
        } else {
            // A second signal: the user insists. Die now, as they would have without tok's help.
            // SAFETY: resetting to the default action and raising are async-signal-safe.
            unsafe {
                libc::signal(sig, libc::SIG_DFL);
                libc::raise(sig);
            }
        }
    }

    pub struct Deferred {
        old: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl Deferred {
        pub fn new() -> Self {
            let mut old = Vec::with_capacity(SIGNALS.len());
            for sig in SIGNALS {
                // SAFETY: plain sigaction calls with zeroed, then filled structs; the handler
                // only touches an atomic.
                unsafe {
                    let mut act: libc::sigaction = std::mem::zeroed();
                    act.sa_sigaction = record as *const () as libc::sighandler_t;
                    libc::sigemptyset(&mut act.sa_mask);
                    act.sa_flags = libc::SA_RESTART;
                    let mut prev: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(sig, &act, &mut prev) == 0 {
                        old.push((sig, prev));
                    }
                }
            }
            Self { old }
        }
    }

    impl Drop for Deferred {
        fn drop(&mut self) {
            for (sig, prev) in &self.old {
                // SAFETY: restores the action saved in `new`.
                unsafe {
                    libc::sigaction(*sig, prev, std::ptr::null_mut());
                }
            }
            let sig = PENDING.swap(0, Ordering::SeqCst);
            if sig != 0 {
                // SAFETY: re-raise what arrived meanwhile, now under the original disposition.
                unsafe {
                    libc::raise(sig);
                }
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    pub struct Deferred;
    impl Deferred {
        pub fn new() -> Self {
            Self
        }
    }
}

/// While alive, SIGINT, SIGTERM and SIGHUP wait; see the module docs.
pub use imp::Deferred;

impl Default for Deferred {
    fn default() -> Self {
        Self::new()
    }
}

/// SIGINT and SIGTERM as a request to stop at the next safe point, for long-running commands
/// (`tok print --watch`): a write in progress is finished first. Installed once; a [`Deferred`]
/// guard taken meanwhile restores this handler and re-raises what it held back, so a signal that
/// arrives during a refresh lands here too.
#[cfg(unix)]
pub mod stop {
    use std::sync::atomic::{AtomicBool, Ordering};

    static REQUESTED: AtomicBool = AtomicBool::new(false);

    extern "C" fn request(_: libc::c_int) {
        REQUESTED.store(true, Ordering::SeqCst);
    }

    /// Route SIGINT and SIGTERM to [`requested`] from now on.
    pub fn install() {
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: a plain sigaction call with a zeroed, then filled struct; the handler only
            // stores to an atomic.
            unsafe {
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = request as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut act.sa_mask);
                act.sa_flags = libc::SA_RESTART;
                libc::sigaction(sig, &act, std::ptr::null_mut());
            }
        }
    }

    /// Whether SIGINT or SIGTERM arrived since [`install`].
    pub fn requested() -> bool {
        REQUESTED.load(Ordering::SeqCst)
    }
}

#[cfg(not(unix))]
pub mod stop {
    /// Ctrl-C ends the process as usual where there are no Unix signals.
    pub fn install() {}
    pub fn requested() -> bool {
        false
    }
}
