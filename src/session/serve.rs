//! The serve decision: the cached token if it lives long enough; else, under the profile lock,
//! a token a peer refreshed while we waited, a newer one in the store, or a refresh.

use crate::config::Profile;
use crate::store::memory::MemoryStore;

use super::files::{read_cache_key, write_cache};
use super::lock::ProfileLock;
use super::model::{CachedToken, Narrow, Served, Session, Source, Want};
use super::{Ctx, load_session, missing, refresh};

pub(crate) fn serve(
    ctx: &Ctx,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
) -> anyhow::Result<Served> {
    let p = &ctx.printer;
    let key = narrow.cache_key(&profile.name);
    if !narrow.is_default() {
        p.verbose(format!(
            "narrowed token (scope {}, resource {}): cache `{key}`",
            narrow.scope.as_deref().unwrap_or("as granted"),
            narrow.audience.as_deref().unwrap_or("default")
        ));
    }
    // --min-ttl, capped for a token that lives no longer than it (see `cap_min_ttl`).
    let capped = std::cell::Cell::new(None);
    let fresh = |t: &CachedToken| {
        let (min_ttl, cap) = cap_min_ttl(want.min_ttl, t.lifetime());
        if cap {
            capped.set(t.lifetime());
        }
        t.fresh_for(ctx.now(), min_ttl)
    };
    let warn_cap = |lifetime: Option<i64>| {
        if let Some(l) = lifetime {
            p.warn(format!(
                "--min-ttl {} s is not shorter than the access token's lifetime ({l} s): \
                 refreshing when a third of it is left instead",
                want.min_ttl
            ));
        }
    };
    let before = read_cache_key(&ctx.paths, profile, &key);
    if let Some(t) = &before
        && !want.force_refresh
        && fresh(t)
    {
        warn_cap(capped.get());
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
    match &before {
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
    let before_fp = before.as_ref().map(|t| t.access_token.fingerprint());
    let _lock = ProfileLock::acquire(ctx, &profile.name)?;

    // Another process may have refreshed while we waited: use its token rather than refresh
    // again, even if it lives less than --min-ttl (see PROTOCOLS: one refresh per expiry).
    let is_new = |t: &CachedToken| {
        before_fp
            .as_ref()
            .is_some_and(|fp| *fp != t.access_token.fingerprint())
    };
    let usable = |t: &CachedToken| {
        let ttl = t.ttl(ctx.now());
        (is_new(t) && ttl > 0) || (!want.force_refresh && fresh(t))
    };
    // In the cache, any token that was not there before we waited is a peer's fresh one — also
    // when there was no cached token at all (after a git `erase`, say).
    let from_peer = |t: &CachedToken| {
        let new = before_fp
            .as_ref()
            .is_none_or(|fp| *fp != t.access_token.fingerprint());
        (new && t.ttl(ctx.now()) > 0) || usable(t)
    };
    if let Some(t) = read_cache_key(&ctx.paths, profile, &key).filter(|t| from_peer(t)) {
        p.verbose(format!(
            "another tok process refreshed: using access token {}",
            t.access_token.fingerprint()
        ));
        warn_cap(capped.get());
        return Ok(Served {
            token: t,
            source: Source::Peer,
        });
    }

    let token = match &profile.workload {
        // A workload identity stores nothing: its session is made from the profile, and the
        // (empty) memory store stands in for the store it does not have.
        Some(wi) => refresh::refresh_locked(
            ctx,
            profile,
            &MemoryStore::default(),
            Session::workload(profile, wi),
            false,
            narrow,
        )?,
        None => {
            let store = ctx.store_for(&profile.name)?;
            let session = load_session(store.as_ref(), profile)?
                .ok_or_else(|| missing(ctx, profile, store.as_ref()))?;
            // The store's token is the login's or the last rotation's: a refresh that did not rotate
            // leaves it behind the cache, so only one obtained strictly later than the cached token is
            // "newer" (times are whole seconds: a login and a refresh may share one).
            let not_older = |t: &CachedToken| {
                before
                    .as_ref()
                    .is_none_or(|b| t.obtained_at > b.obtained_at)
            };
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
                warn_cap(capped.get());
                return Ok(Served {
                    token: t.clone(),
                    source: Source::Store,
                });
            }
            refresh::refresh_locked(ctx, profile, store.as_ref(), session, true, narrow)?
        }
    };
    let ttl = token.ttl(ctx.now());
    if cap_min_ttl(want.min_ttl, token.lifetime()).1 {
        warn_cap(token.lifetime());
    } else if ttl < want.min_ttl {
        p.warn(format!(
            "the provider issued an access token that lives {ttl} s, less than --min-ttl {} s",
            want.min_ttl
        ));
    }
    Ok(Served {
        token,
        source: Source::Refreshed,
    })
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
