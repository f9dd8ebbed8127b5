//! The serve decision: the cached token if it lives long enough; else, under the profile lock,
//! a token a peer refreshed while we waited, a newer one in the store, or a refresh.

use crate::config::Profile;
use crate::oauth::grant::WorkloadIdentity;
use crate::store::MemoryStore;

use super::Error;
use super::files::{read_cache_key, write_cache};
use super::lock::ProfileLock;
use super::model::{CachedToken, Narrow, Served, Session, Source, TokenKind, Want};
use super::{Ctx, SessionError, load_session, missing, refresh};

pub(crate) fn serve(
    ctx: &Ctx,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
    lock_wait_ms: &mut Option<u64>,
) -> Result<Served, Error> {
    let p = &ctx.printer;
    let key = narrow.cache_key(&profile.name);
    explain_narrow(ctx, narrow, &key);
    let min_ttl = MinTtl::new(want.min_ttl, want.token);
    let before = read_cache_key(&ctx.paths, profile, &key);
    if let Some(t) = &before
        && !want.force_refresh
        && min_ttl.fresh(t, ctx.now())
    {
        min_ttl.warn_if_capped(ctx);
        p.verbose(format!(
            "cache hit: access token {} valid for {}",
            t.access_token.fingerprint(),
            ttl_text(t, ctx.now())
        ));
        return Ok(Served {
            token: t.clone(),
            source: Source::Cache,
        });
    }
    explain_miss(ctx, before.as_ref(), want);
    let before_fp = before.as_ref().map(|t| t.access_token.fingerprint());
    let _lock = ProfileLock::acquire_noting_wait(ctx, &profile.name, None, lock_wait_ms)?;

    // Another process may have refreshed while we waited: use its token rather than refresh
    // again, even if it lives less than --min-ttl (see PROTOCOLS: one refresh per expiry).
    let is_new = |t: &CachedToken| {
        before_fp
            .as_ref()
            .is_some_and(|fp| *fp != t.access_token.fingerprint())
    };
    let usable = |t: &CachedToken| {
        let ttl = t.ttl_kind(want.token, ctx.now());
        (is_new(t) && ttl > 0) || (!want.force_refresh && min_ttl.fresh(t, ctx.now()))
    };
    // In the cache, any token that was not there before we waited is a peer's fresh one — also
    // when there was no cached token at all (after a git `erase`, say).
    let from_peer = |t: &CachedToken| {
        let new = before_fp
            .as_ref()
            .is_none_or(|fp| *fp != t.access_token.fingerprint());
        (new && t.ttl_kind(want.token, ctx.now()) > 0) || usable(t)
    };
    if let Some(t) = read_cache_key(&ctx.paths, profile, &key).filter(|t| from_peer(t)) {
        p.verbose(format!(
            "another tok process refreshed: using access token {}",
            t.access_token.fingerprint()
        ));
        min_ttl.warn_if_capped(ctx);
        return Ok(Served {
            token: t,
            source: Source::Peer,
        });
    }

    let served = match &profile.workload {
        Some(wi) => exchanged(ctx, profile, wi, narrow)?,
        None => stored_or_refreshed(ctx, profile, narrow, before.as_ref(), &usable)?,
    };
    if served.source != Source::Refreshed {
        min_ttl.warn_if_capped(ctx);
        return Ok(served);
    }
    let ttl = served.token.ttl_kind(want.token, ctx.now());
    if want.token == TokenKind::Id && ttl <= 0 {
        // Never an expired ID token: the provider did not renew it on refresh.
        return Err(SessionError::NoIdToken {
            profile: profile.name.clone(),
            held: served.token.id_token.is_some(),
        }
        .into());
    }
    let lifetime = served.token.lifetime_kind(want.token);
    if cap_min_ttl(want.min_ttl, lifetime).1 {
        min_ttl.warn(ctx, lifetime);
    } else if ttl < want.min_ttl {
        p.warn(format!(
            "the provider issued {} that lives {ttl} s, less than --min-ttl {} s",
            match want.token {
                TokenKind::Access => "an access token",
                TokenKind::Id => "an ID token",
            },
            want.min_ttl
        ));
    }
    Ok(served)
}

/// With the lock held, for a workload identity: it stores nothing, so its session is made
/// from the profile, and the (empty) memory store stands in for the store it does not have.
fn exchanged(
    ctx: &Ctx,
    profile: &Profile,
    wi: &WorkloadIdentity,
    narrow: &Narrow,
) -> Result<Served, Error> {
    let session = Session::workload(profile, wi);
    let store = MemoryStore::default();
    Ok(Served {
        token: refresh::refresh_locked(ctx, profile, &store, session, false, narrow)?,
        source: Source::Refreshed,
    })
}

/// Which cache a narrowed request uses (`-v`).
fn explain_narrow(ctx: &Ctx, narrow: &Narrow, key: &str) {
    if !narrow.is_default() {
        ctx.printer.verbose(format!(
            "narrowed token (scope {}, resource {}): cache `{key}`",
            narrow.scope.as_deref().unwrap_or("as granted"),
            narrow.audience.as_deref().unwrap_or("default")
        ));
    }
}

/// Why the cached token will not do (`-v`).
fn explain_miss(ctx: &Ctx, before: Option<&CachedToken>, want: Want) {
    let p = &ctx.printer;
    match before {
        Some(t) if want.force_refresh => p.verbose(format!(
            "--force-refresh: replacing access token {}",
            t.access_token.fingerprint()
        )),
        Some(t) => p.verbose(format!(
            "access token {} has {} left, less than --min-ttl {} s",
            t.access_token.fingerprint(),
            ttl_text(t, ctx.now()),
            want.min_ttl
        )),
        None => p.verbose("no cached access token"),
    }
}

/// With the lock held, for a stored session: a newer access token in the store if it will do
/// (it is cached on the way), else a refresh.
fn stored_or_refreshed(
    ctx: &Ctx,
    profile: &Profile,
    narrow: &Narrow,
    before: Option<&CachedToken>,
    usable: &dyn Fn(&CachedToken) -> bool,
) -> Result<Served, Error> {
    let p = &ctx.printer;
    let store = ctx.store_for(&profile.name)?;
    let session = load_session(store.as_ref(), profile)?
        .ok_or_else(|| missing(ctx, profile, store.as_ref()))?;
    // The store's token is the login's or the last rotation's: a refresh that did not rotate
    // leaves it behind the cache, so only one obtained strictly later than the cached token is
    // "newer" (times are whole seconds: a login and a refresh may share one).
    let not_older = |t: &CachedToken| before.is_none_or(|b| t.obtained_at > b.obtained_at);
    if let Some(t) = session
        .access
        .as_ref()
        .filter(|t| narrow.is_default() && not_older(t) && usable(t))
    {
        p.verbose(format!(
            "the {} holds a newer access token {}",
            store.describe(),
            t.access_token.fingerprint()
        ));
        write_cache(&ctx.paths, p, &profile.name, t);
        return Ok(Served {
            token: t.clone(),
            source: Source::Store,
        });
    }
    let token = refresh::refresh_locked(ctx, profile, store.as_ref(), session, true, narrow)?;
    Ok(Served {
        token,
        source: Source::Refreshed,
    })
}

/// `--min-ttl` as applied to each token looked at, capped for a token that lives no longer
/// than it (see [`cap_min_ttl`]); remembers a cap so that it is said once.
struct MinTtl {
    asked: i64,
    kind: TokenKind,
    capped: std::cell::Cell<Option<i64>>,
}

impl MinTtl {
    fn new(asked: i64, kind: TokenKind) -> Self {
        Self {
            asked,
            kind,
            capped: std::cell::Cell::new(None),
        }
    }

    fn fresh(&self, t: &CachedToken, now: i64) -> bool {
        let lifetime = t.lifetime_kind(self.kind);
        let (min_ttl, cap) = cap_min_ttl(self.asked, lifetime);
        if cap {
            self.capped.set(lifetime);
        }
        t.fresh_kind(self.kind, now, min_ttl)
    }

    fn warn_if_capped(&self, ctx: &Ctx) {
        self.warn(ctx, self.capped.get());
    }

    fn warn(&self, ctx: &Ctx, lifetime: Option<i64>) {
        if let Some(l) = lifetime {
            ctx.printer.warn(format!(
                "--min-ttl {} s is not shorter than the {} lifetime ({l} s): \
                 refreshing when a third of it is left instead",
                self.asked,
                match self.kind {
                    TokenKind::Access => "access token's",
                    TokenKind::Id => "ID token's",
                }
            ));
        }
    }
}

/// The `min_ttl` to apply to a token that lives `lifetime` seconds in all: when `min_ttl` is not
/// shorter than that, every token would be due the moment it is issued, and each call would
/// refresh (N callers, N refreshes, each rotating the refresh token); then a third of the
/// lifetime, as `--watch` does. Also whether it was capped (to warn).
pub fn cap_min_ttl(min_ttl: i64, lifetime: Option<i64>) -> (i64, bool) {
    match lifetime {
        Some(l) if l > 0 && min_ttl >= l => (l / 3, true),
        _ => (min_ttl, false),
    }
}

fn ttl_text(t: &CachedToken, now: i64) -> String {
    match t.expires_at {
        None => "an unknown time".into(),
        Some(e) => format!("{} s", e - now),
    }
}
