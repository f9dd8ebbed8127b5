//! Who may have written the config file: OpenSSH's rule for its own config, since the file
//! decides token endpoints and which hosts get tokens.

use std::path::Path;

use super::ConfigError;

/// Refuse a config file (it decides token endpoints and which hosts get tokens), or its
/// directory, that another user could have written, with OpenSSH's rule for its own config:
/// owned by this user or root; not writable by others; group-writable only when the group is
/// the owner's own primary group with no other members. A missing file passes. On Windows the
/// file has the ACL of the user's profile directory, and this checks nothing.
pub fn check_writers(file: &Path) -> Result<(), ConfigError> {
    #[cfg(not(unix))]
    let _ = file;
    #[cfg(unix)]
    {
        if std::fs::metadata(file).is_err() {
            return Ok(());
        }
        let dir = file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        for path in [dir, file] {
            check_one_writer(path)?;
        }
    }
    Ok(())
}

/// Refuse a file a profile trusts — its `ca_file` (decides which servers receive the refresh
/// token) or a workload identity `file:PATH` (the identity tok exchanges) — that another user
/// could have written, by the config file's rule: `key` names it in the message.
pub fn check_trusted_file(profile: &str, key: &str, file: &Path) -> Result<(), ConfigError> {
    check_writers(file).map_err(|e| match e {
        ConfigError::Unsafe { path, why, fix } => ConfigError::Unsafe {
            why: if path == file {
                format!("it is the {key} of profile `{profile}`, and {why}")
            } else {
                format!("it holds the {key} of profile `{profile}`, and {why}")
            },
            path,
            fix,
        },
        other => other,
    })
}

/// Refuse a private key file of a profile (`key` names it) that another user could have
/// written (the config file's rule) or can read: OpenSSH's rule for its keys, no permission
/// for group or others.
pub fn check_private_file(profile: &str, key: &str, file: &Path) -> Result<(), ConfigError> {
    check_trusted_file(profile, key, file)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata(file)
            && m.mode() & 0o077 != 0
        {
            return Err(ConfigError::Readable {
                path: file.to_path_buf(),
                why: format!(
                    "it is the {key} of profile `{profile}`, and others can read it (mode {:o})",
                    m.mode() & 0o7777
                ),
            });
        }
    }
    Ok(())
}

#[cfg(unix)]
fn check_one_writer(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::metadata(path) else {
        return Ok(());
    };
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    let refuse = |why: String, fix: String| ConfigError::Unsafe {
        path: path.to_path_buf(),
        why,
        fix,
    };
    if m.uid() != uid && m.uid() != 0 {
        return Err(refuse(
            format!(
                "it belongs to uid {}, not to you (uid {uid}) or root",
                m.uid()
            ),
            format!(
                "move it aside, or have it given to you (`chown {uid} {}`)",
                path.display()
            ),
        ));
    }
    if m.mode() & 0o002 != 0 {
        return Err(refuse(
            format!("any user can write to it (mode {:o})", m.mode() & 0o7777),
            format!("run `chmod go-w {}`", path.display()),
        ));
    }
    if m.mode() & 0o020 != 0 && !group_is_only(m.gid(), m.uid()) {
        return Err(refuse(
            format!(
                "group {} can write to it (mode {:o}) and may have other members",
                m.gid(),
                m.mode() & 0o7777
            ),
            format!("run `chmod g-w {}`", path.display()),
        ));
    }
    Ok(())
}

/// Whether `gid` is the primary group of `uid` and lists no other member (OpenSSH's test for
/// a group-writable file that is still private).
#[cfg(unix)]
fn group_is_only(gid: u32, uid: u32) -> bool {
    use std::ffi::CStr;
    let mut buf = vec![0 as libc::c_char; 64 * 1024];
    // SAFETY: both calls write only into the structs and the buffer passed with its length;
    // the returned pointers point into `buf`, which outlives their use below.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut found = std::ptr::null_mut();
        if libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) != 0
            || found.is_null()
            || pwd.pw_gid != gid
        {
            return false;
        }
        let owner = CStr::from_ptr(pwd.pw_name).to_bytes().to_vec();
        let mut gbuf = vec![0 as libc::c_char; 64 * 1024];
        let mut grp: libc::group = std::mem::zeroed();
        let mut gfound = std::ptr::null_mut();
        if libc::getgrgid_r(gid, &mut grp, gbuf.as_mut_ptr(), gbuf.len(), &mut gfound) != 0
            || gfound.is_null()
        {
            return false;
        }
        let mut member = grp.gr_mem;
        while !member.is_null() && !(*member).is_null() {
            if CStr::from_ptr(*member).to_bytes() != owner.as_slice() {
                return false;
            }
            member = member.add(1);
        }
        true
    }
}
