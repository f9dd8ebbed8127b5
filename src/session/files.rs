//! The two files beside each session: the token cache (access token only, 0600, in the runtime
//! directory, so `print` answers without the keychain, TLS or discovery) and the profile state
//! (no secrets: which store, last refresh, expiry, so `status` answers without the keychain).

use crate::config::Profile;
use crate::output::Printer;
use crate::paths::{self, Paths};

use super::Error;
use super::model::{CachedToken, ProfileState};

/// Read the profile state; a missing or unreadable file is an empty state.
pub fn read_state(paths: &Paths, profile: &str) -> ProfileState {
    paths::read_private(&paths.profile_state(profile))
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

pub(crate) fn write_state(paths: &Paths, profile: &str, state: &ProfileState) {
    if let Ok(b) = serde_json::to_vec_pretty(state) {
        let _ = paths::write_private_replace(&paths.profile_state(profile), &b);
    }
}

/// [`write_state`] with fsyncs, for a state that says where the live session is (after a
/// fallback to the file store): losing it in a crash would send the next run to a spent token.
pub(crate) fn write_state_durably(
    paths: &Paths,
    profile: &str,
    state: &ProfileState,
) -> Result<(), Error> {
    let b = serde_json::to_vec_pretty(state).map_err(std::io::Error::from)?;
    Ok(paths::write_private_atomic(
        &paths.profile_state(profile),
        &b,
    )?)
}

/// Read the token cache of `profile`, if it holds a token for the configured issuer and client.
pub fn read_cache(paths: &Paths, profile: &Profile) -> Option<CachedToken> {
    read_cache_key(paths, profile, &profile.name)
}

/// Read the token cache under `key` (the profile, or a narrowed token's key).
pub(crate) fn read_cache_key(paths: &Paths, profile: &Profile, key: &str) -> Option<CachedToken> {
    let bytes = paths::read_private(&paths.token_cache(key)).ok()??;
    let t: CachedToken = serde_json::from_slice(&bytes).ok()?;
    t.belongs_to(profile).then_some(t)
}

/// Write the token cache under `key`. A failure costs only speed (the next `print` reads the
/// store), so it is reported with `-v` and not returned.
pub(crate) fn write_cache(paths: &Paths, printer: &Printer, key: &str, token: &CachedToken) {
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(token).expect("a token serializes"));
    if let Err(e) = paths::write_private_replace(&paths.token_cache(key), &bytes) {
        printer.verbose(format!("could not write the token cache: {e:#}"));
    }
}

/// Drop the cached access tokens, the default and the scoped ones (the session and its refresh
/// token stay).
pub fn evict_cache(paths: &Paths, profile: &str) -> bool {
    let default = paths.token_cache(profile);
    if let Some(dir) = default.parent()
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        let prefix = format!("{profile}+");
        for e in entries.flatten() {
            if e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    paths::remove_optional(&default).unwrap_or(false)
}
