//! Process-wide defences taken first thing in `main`, before any secret is read.

/// The caller's `RLIMIT_CORE` (soft, hard), saved before [`deny_core_dumps`] lowers it, for the
/// command `tok exec` runs.
#[cfg(unix)]
static CALLER_CORE_LIMIT: std::sync::OnceLock<(libc::rlim_t, libc::rlim_t)> =
    std::sync::OnceLock::new();

/// Keep secrets out of core dumps: `panic = "abort"` turns any panic into a SIGABRT, and a
/// core file (or a `gcore`/ptrace by another process of the same user) would hold the refresh
/// token. On Linux the process is marked non-dumpable (which also blocks ptrace attaches by
/// unprivileged processes of the same user), and the soft core size limit is 0. The hard limit
/// stays the caller's, saved, so that `tok exec` can give the command it runs the caller's
/// limits back ([`restore_caller_core_limit`]): a hard limit once lowered cannot be raised
/// again without privilege, and the command would never dump core.
pub fn deny_core_dumps() {
    #[cfg(unix)]
    {
        let mut caller = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // Failures are ignored: neither call can fail for a process lowering its own limits,
        // and a sandbox that forbids them leaves tok no worse than before.
        // SAFETY: getrlimit writes and setrlimit reads one struct we own.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_CORE, &mut caller) == 0 {
                let _ = CALLER_CORE_LIMIT.set((caller.rlim_cur, caller.rlim_max));
            }
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: caller.rlim_max,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
        }
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(PR_SET_DUMPABLE, 0) takes no pointers.
        unsafe {
            libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        }
    }
}

/// Put the caller's core limits (soft and hard, as [`deny_core_dumps`] found them) back, right
/// before `exec` replaces tok with another program: the program is the caller's, and `execve`
/// makes it dumpable again. Only `setrlimit`, so it may run between `fork` and `exec`.
#[cfg(unix)]
pub fn restore_caller_core_limit() -> std::io::Result<()> {
    let Some(&(rlim_cur, rlim_max)) = CALLER_CORE_LIMIT.get() else {
        return Ok(());
    };
    let lim = libc::rlimit { rlim_cur, rlim_max };
    // SAFETY: setrlimit reads one struct we own.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &lim) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_is_not_dumpable_afterwards() {
        let mut before = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        // SAFETY: getrlimit writes one struct we own.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut before) },
            0
        );
        super::deny_core_dumps();
        // SAFETY: prctl with PR_GET_DUMPABLE takes no pointers; getrlimit writes one struct.
        let dumpable = unsafe { libc::prctl(libc::PR_GET_DUMPABLE) };
        assert_eq!(dumpable, 0);
        let mut lim = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut lim) }, 0);
        assert_eq!((lim.rlim_cur, lim.rlim_max), (0, before.rlim_max));
        // What `tok exec` gives its command back.
        super::restore_caller_core_limit().unwrap();
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut lim) }, 0);
        assert_eq!(
            (lim.rlim_cur, lim.rlim_max),
            (before.rlim_cur, before.rlim_max)
        );
    }
}
