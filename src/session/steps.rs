//! The steps every way to the next token shares (see [`super::refresh`] and [`super::mint`]):
//! the timed send, the short code of a failure, and the record of an attempt in the profile
//! state and the audit log.

use std::time::Instant;

use url::Url;

use crate::audit;
use crate::config::Profile;
use crate::oauth::OAuthError;

use super::Ctx;
use super::files::write_state;
use super::model::{ProfileState, RefreshRecord};

/// `RefreshRecord::error` of a refresh whose request was sent but whose answer never arrived.
pub(crate) const INTERRUPTED: &str = "interrupted";

/// When and where a request went, and how long its answer took.
pub(super) struct Sent {
    pub url: Url,
    pub sent_at: i64,
    pub latency_ms: u64,
}

/// Step 1 of every way to the next token: send by `f`, timed.
pub(super) fn timed<T>(ctx: &Ctx, url: Url, f: impl FnOnce(&Url) -> T) -> (T, Sent) {
    let sent_at = ctx.now();
    let started = Instant::now();
    let result = f(&url);
    let sent = Sent {
        url,
        sent_at,
        latency_ms: started.elapsed().as_millis() as u64,
    };
    (result, sent)
}

/// The short code of a failed token request, as the state and the audit log keep it.
pub(super) fn oauth_code(e: &OAuthError) -> String {
    match e {
        OAuthError::InvalidGrant { .. } => "invalid_grant".to_string(),
        OAuthError::Protocol { error, .. } => error.as_str().to_string(),
        OAuthError::Unavailable { .. } => "unavailable".into(),
        OAuthError::Interrupted { .. } => INTERRUPTED.into(),
        OAuthError::BadResponse { .. } => "bad_response".into(),
        _ => "error".into(),
    }
}

/// Step 3 of every way to the next token: `last` into the profile state and the audit log,
/// naming the grant unless it is the refresh token's. Returns the state as it was before.
pub(super) fn record_attempt(
    ctx: &Ctx,
    profile: &Profile,
    mut state: ProfileState,
    last: RefreshRecord,
    grant: Option<&str>,
) -> ProfileState {
    let before = state.clone();
    state.last_refresh = Some(last);
    write_state(&ctx.paths, &profile.name, &state);
    let last = state.last_refresh.as_ref().expect("just set");
    ctx.audit(
        profile,
        match grant {
            None => audit::Event::refresh(&profile.name, &last.into()),
            Some(g) => audit::Event::exchange(&profile.name, &last.into(), g),
        },
    );
    before
}
