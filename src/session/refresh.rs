//! Getting the next access token with the profile lock held, in three steps kept apart:
//! **send** the grant's request, **persist** what came back (a rotated refresh token durably,
//! before anything else), then **record** it (token cache, profile state, audit log). On failure
//! the stored session is left exactly as it was.

use url::Url;

use crate::config::Profile;
use crate::oauth::{DpopKey, OAuthError, TokenResponse};
use crate::secret::RefreshToken;
use crate::store::{self, StoreKind, TokenStore};

use super::Error;
use super::files::{evict_cache, read_state, write_cache, write_state_durably};
use super::model::{
    CachedToken, DEFAULT_MIN_TTL, Grant, Narrow, ProfileState, RefreshRecord, Session, clock_skew,
};
use super::steps::{Sent, oauth_code, record_attempt, timed};
use super::{Ctx, SessionError, load_session, mint};

pub(crate) use super::steps::INTERRUPTED;

/// A new access token for `session`, by the one match on what the session holds.
pub(crate) fn refresh_locked(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: Session,
    may_retry: bool,
    narrow: &Narrow,
) -> Result<CachedToken, Error> {
    super::client_auth::attach(ctx, profile, store, false, false)?;
    match &session.grant {
        Grant::Interactive { .. } => {
            refresh_interactive(ctx, profile, store, session, may_retry, narrow)
        }
        Grant::Confidential { client_secret } => {
            mint::client_credentials_locked(ctx, profile, store, &session, client_secret, narrow)
        }
        Grant::AccessOnly { .. } => Err(SessionError::Expired {
            profile: profile.name.clone(),
            detail: Some("the provider issued no refresh token".into()),
        }
        .into()),
        Grant::WorkloadIdentity(wi) => {
            mint::exchange_locked(ctx, profile, wi, narrow).map(|(t, _)| t)
        }
    }
}

/// Step 1: send the refresh request.
fn send(
    ctx: &Ctx,
    profile: &Profile,
    url: Url,
    refresh_token: &RefreshToken,
    dpop_key: Option<&DpopKey>,
    narrow: &Narrow,
) -> (Result<TokenResponse, OAuthError>, Sent) {
    ctx.printer.verbose(format!(
        "refreshing with refresh token {} at {}{}",
        refresh_token.fingerprint(),
        crate::oauth::endpoint_name(&url),
        if dpop_key.is_some() {
            " (with a DPoP proof)"
        } else {
            ""
        }
    ));
    timed(ctx, url, |url| {
        ctx.token_endpoint()
            .refresh(profile, url, refresh_token, narrow, dpop_key)
    })
}

/// What step 2 stored.
struct Persisted {
    token: CachedToken,
    rotated: bool,
    /// The store the session had to move to (a refused rotated token lands in the file store).
    moved_to: Option<StoreKind>,
}

/// Step 2: persist the answer. The old refresh token may already be dead on the server, so a
/// rotated one is stored durably before the access token is handed to anyone.
fn persist(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: Session,
    mut resp: TokenResponse,
    sent_at: i64,
    narrow: &Narrow,
) -> Result<Persisted, Error> {
    let old = session
        .grant
        .refresh_token()
        .expect("only interactive sessions refresh");
    let rotated = resp.refresh_token.as_ref().is_some_and(|n| !n.same_as(old));
    let next = resp.refresh_token.take().unwrap_or_else(|| old.duplicate());
    let old_scope = match &narrow.scope {
        Some(s) => Some(s.clone()),
        None => session.access.as_ref().and_then(|a| a.scope.clone()),
    };
    // The ID token this refresh renews: the newest of the store's and the cache's.
    let cached = narrow
        .is_default()
        .then(|| super::files::read_cache(&ctx.paths, profile))
        .flatten();
    let previous = [session.access.as_ref(), cached.as_ref()]
        .into_iter()
        .flatten()
        .filter(|t| t.id_token.is_some())
        .max_by_key(|t| t.id_expires_at);
    // OIDC Core §12.2: a renewed ID token must validate and keep `iss`, `sub` and `aud`. One
    // that does not is dropped, not fatal: the rotated refresh token must still be kept.
    if let Err(e) = super::idtoken::validate(ctx, profile, &resp, None, true, previous) {
        ctx.printer
            .warn(format!("the ID token of the refresh was not kept: {e:#}"));
        resp.id_token = None;
    }
    let token = CachedToken::from_response(profile, &resp, sent_at, old_scope.as_deref())
        .keeping_id_of(previous);
    let dpop_key = match session.grant {
        Grant::Interactive { dpop_key, .. } => dpop_key,
        Grant::Confidential { .. } | Grant::AccessOnly { .. } | Grant::WorkloadIdentity(_) => None,
    };
    let new = Session {
        grant: Grant::Interactive {
            refresh_token: next,
            dpop_key,
        },
        // A narrowed token never replaces the session's default access token; after a rotation
        // the old default token is dropped (the provider may revoke it with the old grant).
        access: if narrow.is_default() {
            Some(token.clone())
        } else if rotated {
            None
        } else {
            session.access
        },
        refreshed_at: Some(sent_at),
        ..session
    };
    let mut moved_to = None;
    // The store is written only when the refresh token rotated (durably). Otherwise the stored
    // refresh token is still the live one and the new access token lives in the token cache: a
    // rewrite would cost a keychain round trip (or fsyncs) for nothing.
    if rotated {
        moved_to = save_rotated(ctx, profile, store, &new)?;
    }
    Ok(Persisted {
        token,
        rotated,
        moved_to,
    })
}

/// Step 3 after a success: the token cache, then the profile state and the audit log.
fn record_success(
    ctx: &Ctx,
    profile: &Profile,
    narrow: &Narrow,
    sent: &Sent,
    server_date: Option<i64>,
    done: &Persisted,
) {
    let p = &ctx.printer;
    p.verbose(format!(
        "refreshed in {} ms: access token {}{}",
        sent.latency_ms,
        done.token.access_token.fingerprint(),
        if done.rotated {
            ", refresh token rotated"
        } else {
            ""
        }
    ));
    if done.rotated {
        // No RFC promises that access tokens outlive the refresh token they came from: after a
        // rotation, the session's other cached tokens (default or narrowed) are dropped.
        evict_cache(&ctx.paths, &profile.name);
    }
    write_cache(&ctx.paths, p, &narrow.cache_key(&profile.name), &done.token);
    let mut state = read_state(&ctx.paths, &profile.name);
    if let Some(kind) = done.moved_to {
        state.store = Some(kind);
    }
    state.clock_skew = clock_skew(server_date, ctx.now());
    if let Some(skew) = state.clock_skew
        && skew.abs() > DEFAULT_MIN_TTL
    {
        p.warn(format!(
            "the clock of {} is {} s {} this machine's; expiry is counted from \
             expires_in and is unaffected, but check the system clock",
            sent.url.host_str().unwrap_or("the provider"),
            skew.abs(),
            if skew > 0 { "ahead of" } else { "behind" }
        ));
    }
    if narrow.is_default() {
        state.access_expires_at = done.token.expires_at;
        state.scope = done.token.scope.clone();
    }
    state.rotates = Some(done.rotated || state.rotates == Some(true));
    record(
        ctx,
        profile,
        state,
        RefreshRecord {
            at: sent.sent_at,
            ok: true,
            error: None,
            latency_ms: sent.latency_ms,
            rotated: done.rotated,
        },
    );
}

/// Step 3 after a failure: the profile state and the audit log name what went wrong.
fn record_failure(ctx: &Ctx, profile: &Profile, sent: &Sent, e: &OAuthError) -> ProfileState {
    let code = oauth_code(e);
    let state = read_state(&ctx.paths, &profile.name);
    record(
        ctx,
        profile,
        state,
        RefreshRecord {
            at: sent.sent_at,
            ok: false,
            error: Some(code),
            latency_ms: sent.latency_ms,
            rotated: false,
        },
    )
}

/// Write `last` into the state and the audit log; returns the state as it was before.
fn record(ctx: &Ctx, profile: &Profile, state: ProfileState, last: RefreshRecord) -> ProfileState {
    record_attempt(ctx, profile, state, last, None)
}

fn refresh_interactive(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: Session,
    may_retry: bool,
    narrow: &Narrow,
) -> Result<CachedToken, Error> {
    let Grant::Interactive {
        refresh_token: rt,
        dpop_key,
    } = &session.grant
    else {
        unreachable!("refresh_locked matched Interactive");
    };
    let url = ctx.token_endpoint().url(profile)?;
    // A key on a PKCS#11 token logs in (asking for its PIN) before anything is sent: a token
    // that cannot sign leaves the session as it was, with no request made.
    if let Some(key) = dpop_key {
        key.unlock(&ctx.pin)?;
    }
    // From here until the answer is stored, Ctrl-C and SIGTERM wait (see crate::signals).
    let deferred = crate::signals::Deferred::new();
    let (result, sent) = send(ctx, profile, url, rt, dpop_key.as_ref(), narrow);
    match result {
        Ok(resp) => {
            let delay = ctx.settings.test_delay_after_response;
            if !delay.is_zero() {
                // Test only: hold the crash window open (see ENV_TEST_DELAY_AFTER_RESPONSE_MS).
                std::thread::sleep(delay);
            }
            let server_date = resp.server_date;
            let granted = resp.scope.clone();
            // Persisted whatever the scope: a rotated refresh token must not be lost.
            let done = persist(ctx, profile, store, session, resp, sent.sent_at, narrow)?;
            drop(deferred);
            check_narrowed_scope(ctx, profile, narrow, granted.as_deref(), &done)?;
            record_success(ctx, profile, narrow, &sent, server_date, &done);
            Ok(done.token)
        }
        Err(e) => {
            let before = record_failure(ctx, profile, &sent, &e);
            explain_failure(ctx, profile, store, &session, before, e, may_retry, narrow)
        }
    }
}

/// A down-scoped token must not do more than asked: wider than the `--scope` asked for is an
/// error (the token is neither served nor cached); narrower is a warning.
fn check_narrowed_scope(
    ctx: &Ctx,
    profile: &Profile,
    narrow: &Narrow,
    granted: Option<&str>,
    done: &Persisted,
) -> Result<(), Error> {
    use super::model::{ScopeGrant, compare_scope};
    let Some(asked) = narrow.scope.as_deref() else {
        return Ok(());
    };
    match compare_scope(asked, granted) {
        ScopeGrant::AsAsked => Ok(()),
        ScopeGrant::Narrower { missing } => {
            ctx.printer.warn(format!(
                "the provider granted profile `{}` scope `{}`, without `{}` asked for",
                profile.name,
                crate::output::one_line(granted.unwrap_or_default()),
                missing.join(" ")
            ));
            Ok(())
        }
        ScopeGrant::Wider { .. } => {
            if done.rotated {
                // As after any rotation: tokens of the old refresh token are not served again.
                evict_cache(&ctx.paths, &profile.name);
            }
            Err(super::SessionError::WiderScope {
                profile: profile.name.clone(),
                asked: asked.to_string(),
                granted: crate::output::one_line(granted.unwrap_or_default()),
            }
            .into())
        }
    }
}

/// After a failed refresh: retry once when the store holds another refresh token than the one
/// refused (a login replaced the session meanwhile), else say what most likely happened.
#[allow(clippy::too_many_arguments)]
fn explain_failure(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: &Session,
    before: ProfileState,
    e: OAuthError,
    may_retry: bool,
    narrow: &Narrow,
) -> Result<CachedToken, Error> {
    let p = &ctx.printer;
    let rt = session
        .grant
        .refresh_token()
        .expect("only interactive sessions refresh");
    if let OAuthError::InvalidGrant { description, .. } = &e {
        // Re-read before concluding: a login may have replaced the session meanwhile.
        if may_retry
            && let Some(current) = load_session(store, profile)?
            && let Some(now_rt) = current.grant.refresh_token()
            && !now_rt.same_as(rt)
        {
            p.verbose("the stored refresh token changed meanwhile; retrying with it");
            return refresh_locked(ctx, profile, store, current, false, narrow);
        }
        evict_cache(&ctx.paths, &profile.name);
        let lost_in_flight = before
            .last_refresh
            .as_ref()
            .filter(|r| r.error.as_deref() == Some(INTERRUPTED))
            .filter(|_| before.rotates != Some(false));
        let detail = match lost_in_flight {
            Some(r) => Some(format!(
                "the refresh at {} was cut off after it was sent; the provider {} \
                 refresh tokens, so it had probably spent the old one and refused it \
                 again now",
                crate::time::rfc3339(r.at),
                if before.rotates == Some(true) {
                    "rotates"
                } else {
                    "may rotate"
                }
            )),
            None => description.clone(),
        };
        return Err(SessionError::Expired {
            profile: profile.name.clone(),
            detail,
        }
        .into());
    }
    if let OAuthError::Interrupted { .. } = &e
        && before.rotates == Some(true)
    {
        p.warn(format!(
            "the refresh was cut off after it was sent; the provider rotates refresh \
             tokens, so the session of profile `{}` may be lost (tok does not resend \
             it: a replay would revoke the session for certain)",
            profile.name
        ));
    }
    Err(e.into())
}

/// Keep a just-rotated refresh token, whatever it takes: the old one is dead at the provider.
/// If the store refuses (a keychain that locked or hung meanwhile, a full disk), fall back to
/// the 0600 file store rather than lose the session, and say so loudly. Returns the store kind
/// the session moved to, if it moved.
pub(crate) fn save_rotated(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: &Session,
) -> Result<Option<StoreKind>, Error> {
    let blob = session.to_blob();
    let err = match store.save_rotated(&profile.name, &blob) {
        Ok(()) => return Ok(None),
        Err(e) => e,
    };
    let file = store::FileStore::new(&ctx.paths);
    if store.kind() != StoreKind::File && file.save_rotated(&profile.name, &blob).is_ok() {
        // Where the live session is, durably, before anything else: the refusing store still
        // holds the spent refresh token, and the state must send every later run to the file.
        let mut state = read_state(&ctx.paths, &profile.name);
        state.store = Some(StoreKind::File);
        state.moved_from = Some(store.kind());
        if let Err(e) = write_state_durably(&ctx.paths, &profile.name, &state) {
            ctx.printer
                .warn(format!("could not record that the session moved: {e:#}"));
        }
        ctx.printer.warn(moved_to_file_warning(
            &store.describe(),
            &err,
            &file.path_for(&profile.name),
            &profile.name,
        ));
        return Ok(Some(StoreKind::File));
    }
    Err(SessionError::Expired {
        profile: profile.name.clone(),
        detail: Some(format!(
            "the provider rotated the refresh token and it could not be stored: {err}"
        )),
    }
    .into())
}

/// The warning when the store refused a rotated refresh token and the file store took it.
pub(crate) fn moved_to_file_warning(
    store: &str,
    err: &store::StoreError,
    file: &std::path::Path,
    profile: &str,
) -> String {
    format!(
        "the {store} did not accept the rotated refresh token ({err}); to keep the session it is \
         now in {} (mode 0600). Run `tok login -p {profile}` once the keychain works again to \
         move it back",
        file.display()
    )
}
