//! Process-wide defences taken first thing in `main`, before any secret is read.

/// Keep secrets out of core dumps: `panic = "abort"` turns any panic into a SIGABRT, and a
/// core file (or a `gcore`/ptrace by another process of the same user) would hold the refresh
/// token. On Linux the process is marked non-dumpable (which also blocks ptrace attaches by
/// unprivileged processes of the same user) and the core size limit, soft and hard, is 0.
pub fn deny_core_dumps() {
    #[cfg(target_os = "linux")]
    {
        // Failures are ignored: neither call can fail for a process lowering its own limits,
        // and a sandbox that forbids them leaves tok no worse than before.
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads one struct we own; prctl(PR_SET_DUMPABLE, 0) takes no
        // pointers.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        }
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads one struct we own.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &none);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_is_not_dumpable_afterwards() {
        super::deny_core_dumps();
        // SAFETY: prctl with PR_GET_DUMPABLE takes no pointers; getrlimit writes one struct.
        let dumpable = unsafe { libc::prctl(libc::PR_GET_DUMPABLE) };
        assert_eq!(dumpable, 0);
        let mut lim = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut lim) }, 0);
        assert_eq!((lim.rlim_cur, lim.rlim_max), (0, 0));
    }
}
