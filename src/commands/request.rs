//! A token request on behalf of a known requester, recorded in the audit log here, where the
//! requester is known (`print`, `exec`, a helper and the host it serves), and where a failure is
//! named by the class [`crate::error::classify`] gives it.

use crate::audit::{Event, Requester};
use crate::config::Profile;
use crate::error::classify;
use crate::session::{self, Ctx, Narrow, Served, Want};

/// Serve an access token for `profile` to `who`, and record the request.
pub fn token(
    ctx: &Ctx,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
    who: &Requester,
) -> anyhow::Result<Served> {
    let mut lock_wait_ms = None;
    let served = session::access_token_for(ctx, profile, want, narrow, &mut lock_wait_ms);
    record(ctx, profile, who, served.map_err(Into::into), lock_wait_ms)
}

/// Record the request of `who` for a token of `profile`, served or not, and how long it waited
/// for the profile lock, if it did.
pub fn record(
    ctx: &Ctx,
    profile: &Profile,
    who: &Requester,
    served: anyhow::Result<Served>,
    lock_wait_ms: Option<u64>,
) -> anyhow::Result<Served> {
    let outcome = match &served {
        Ok(s) => Ok((s.source.into(), &s.token.access_token)),
        Err(e) => Err(classify(e).0.name()),
    };
    let mut event = Event::request(&profile.name, who, outcome);
    event.lock_wait_ms = lock_wait_ms;
    ctx.audit(profile, event);
    served
}
