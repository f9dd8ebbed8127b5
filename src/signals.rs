//! Deferring termination signals across the refresh's critical section.
//!
//! Between sending a refresh request and persisting its answer, dying loses the session when the
//! server rotates refresh tokens: the old one is spent, the new one only in memory. SIGKILL cannot
//! be stopped, but the usual ways a process is ended — Ctrl-C (SIGINT), `timeout`/CI cancellation
//! (SIGTERM), a closed terminal (SIGHUP) — can wait the few milliseconds it takes: while a
//! [`Deferred`] guard lives, the first such signal is recorded (with a note on stderr) instead of
//! acted on, and when the guard is dropped the recorded signal takes its default action. A second
//! signal ends tok at once, so a hung network never traps the user. Signals the process was
//! started with ignored (`nohup`) stay ignored.
//!
//! A handler (not a signal mask) is used because masks are per thread, and the HTTP client runs
//! its own threads. The handlers are signal-hook's; they are installed on the first guard and act
//! as the default action whenever no guard lives.

#[cfg(unix)]
mod imp {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::low_level::emulate_default_handler;

    const SIGNALS: [libc::c_int; 3] = [SIGINT, SIGTERM, SIGHUP];
    /// Whether a [`Deferred`] guard is alive.
    static ARMED: AtomicBool = AtomicBool::new(false);
    /// The first signal that arrived while armed (0: none).
    static PENDING: AtomicI32 = AtomicI32::new(0);
    static REGISTERED: OnceLock<()> = OnceLock::new();
    static STOP_MODE: AtomicBool = AtomicBool::new(false);
    static STOP_REQUESTED: AtomicBool = AtomicBool::new(false);

    const NOTE: &[u8] = b"tok: finishing the refresh in flight so that the session is not lost; \
        signal again to quit now\n";

    /// Runs in signal context: only atomics, write(2) and signal-hook's async-signal-safe
    /// emulation of the default action.
    fn on_signal(sig: libc::c_int) {
        if ARMED.load(Ordering::SeqCst) {
            if PENDING
                .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
            {
                unsafe {
                    libc::write(2, NOTE.as_ptr().cast(), NOTE.len());
                }
                return;
            }
            // A second signal inside the critical section: quit now, as the note says.
            let _ = emulate_default_handler(sig);
            return;
        }
        settle(sig);
    }

    /// What a signal outside the critical section does: stop a process that asked to be
    /// stopped gracefully (`--watch`, see [`super::stop`]), else the default action.
    fn settle(sig: libc::c_int) {
        if STOP_MODE.load(Ordering::SeqCst) && sig != SIGHUP {
            STOP_REQUESTED.store(true, Ordering::SeqCst);
        } else {
            let _ = emulate_default_handler(sig);
        }
    }

    /// `stop::install`: SIGINT and SIGTERM set a flag the process polls instead of ending it.
    pub fn install_stop() {
        register();
        STOP_MODE.store(true, Ordering::SeqCst);
    }

    pub fn stop_requested() -> bool {
        STOP_REQUESTED.load(Ordering::SeqCst)
    }

    fn register() {
        REGISTERED.get_or_init(|| {
            for sig in SIGNALS {
                if ignored(sig) {
                    // `nohup` and shells running background jobs start us with SIGHUP/SIGINT
                    // ignored; a handler would turn them back into fatal signals.
                    continue;
                }
                // SAFETY: `on_signal` is async-signal-safe (see there). A failure leaves the
                // signal its default action: the refresh is then simply not protected from it.
                let _ = unsafe { signal_hook::low_level::register(sig, move || on_signal(sig)) };
            }
        });
    }

    /// Whether `sig` is ignored (SIG_IGN). signal-hook offers no way to ask, hence the one
    /// read-only sigaction call.
    fn ignored(sig: libc::c_int) -> bool {
        // SAFETY: with a null new action, sigaction only reads the current one into `old`.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
        }
    }

    pub struct Deferred(());

    impl Deferred {
        pub fn new() -> Self {
            register();
            PENDING.store(0, Ordering::SeqCst);
            ARMED.store(true, Ordering::SeqCst);
            Self(())
        }
    }

    impl Drop for Deferred {
        fn drop(&mut self) {
            ARMED.store(false, Ordering::SeqCst);
            let sig = PENDING.swap(0, Ordering::SeqCst);
            if sig != 0 {
                // What arrived meanwhile now takes effect: the default action (the process
                // ends), or a graceful stop where one was asked for.
                settle(sig);
            }
        }
    }
}

/// Elsewhere (Windows) nothing is deferred: Ctrl-C ends tok at once, as README's "Platforms" says.
#[cfg(not(unix))]
mod imp {
    pub struct Deferred;
    impl Deferred {
        pub fn new() -> Self {
            Self
        }
    }
    // The end of the guard is where Unix acts; callers `drop` it explicitly to mark that point,
    // the same on every platform.
    impl Drop for Deferred {
        fn drop(&mut self) {}
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
/// For a process that runs until told to stop (`print --watch`): SIGINT and SIGTERM set a flag
/// it polls, so it finishes a write in progress and exits 0. Inside a refresh the signal waits
/// for the refresh to be stored first, as everywhere ([`Deferred`]).
#[cfg(unix)]
pub mod stop {
    pub fn install() {
        super::imp::install_stop();
    }

    pub fn requested() -> bool {
        super::imp::stop_requested()
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
