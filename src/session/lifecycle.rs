//! The start and end of a session: saving a login, logging out, and forgetting an access token
//! a client reported as rejected.

use serde::Serialize;

use crate::audit;
use crate::config::Profile;
use crate::oauth::grant::{IdentityClaims as Claims, WorkloadIdentity};
use crate::oauth::{
    ClientAuth, DpopKey, JwsSigner, OAuthError, TokenResponse, revoke_access_token,
    revoke_refresh_token,
};
use crate::paths;
use crate::secret::ClientSecret;
use crate::store::{self, StoreKind, TokenStore};

use super::Error;
use super::files::{evict_cache, read_cache, read_state, write_cache, write_state};
use super::lock::ProfileLock;
use super::mint::exchange_locked;
use super::model::{CachedToken, Grant, Narrow, ProfileState, Session};
use super::{Ctx, load_session};

/// A client (git, docker) reports that the access token it was served was rejected. Forget it —
/// in the cache and in the stored session — so the next request refreshes; the refresh token
/// stays. With a `fingerprint`, only that token is forgotten: a token another process already
/// replaced is left alone. Returns whether a token was forgotten.
pub fn reject_access_token(
    ctx: &Ctx,
    profile: &Profile,
    fingerprint: Option<&str>,
) -> Result<bool, Error> {
    let matches = |t: &CachedToken| fingerprint.is_none_or(|f| t.access_token.fingerprint() == f);
    let _lock = ProfileLock::acquire(ctx, &profile.name)?;
    let mut forgot = false;
    let rejected = read_cache(&ctx.paths, profile).filter(|t| matches(t));
    if rejected.is_some() {
        forgot |= evict_cache(&ctx.paths, &profile.name);
    }
    if profile.workload.is_some() {
        // Nothing is stored for a workload identity: the cache was all there was.
        if forgot {
            ctx.printer
                .verbose("forgot the rejected access token; the next request exchanges again");
        }
        return Ok(forgot);
    }
    // The store may hold an older token than the rejected one (a refresh that did not rotate
    // leaves the store alone): it must not be served in its place.
    let older = |t: &CachedToken| {
        rejected
            .as_ref()
            .is_some_and(|r| t.obtained_at <= r.obtained_at)
    };
    let store = ctx.store_for(&profile.name)?;
    if let Some(mut session) = load_session(store.as_ref(), profile)?
        && session
            .access
            .as_ref()
            .is_some_and(|t| matches(t) || older(t))
    {
        session.access = None;
        store.save(&profile.name, &session.to_blob())?;
        forgot = true;
    }
    if forgot {
        ctx.printer
            .verbose("forgot the rejected access token; the next request refreshes");
    }
    Ok(forgot)
}

/// Persist the tokens of a fresh interactive login into `store`, replacing any previous session.
pub fn save_login(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    mut resp: TokenResponse,
    sent_at: i64,
    dpop_key: Option<DpopKey>,
) -> Result<CachedToken, Error> {
    let grant = Grant::interactive(resp.refresh_token.take(), dpop_key);
    save_new_session(ctx, profile, store, resp, sent_at, grant)
}

/// [`save_login`] for `--client-credentials`: the session keeps the client secret.
pub fn save_client_credentials(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    mut resp: TokenResponse,
    sent_at: i64,
    client_secret: ClientSecret,
) -> Result<CachedToken, Error> {
    // Only a login or a refresh validates ID tokens: none is kept from another grant.
    resp.id_token = None;
    save_new_session(
        ctx,
        profile,
        store,
        resp,
        sent_at,
        Grant::Confidential { client_secret },
    )
}

fn save_new_session(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    resp: TokenResponse,
    sent_at: i64,
    grant: Grant,
) -> Result<CachedToken, Error> {
    let _lock = ProfileLock::acquire_for(ctx, &profile.name, Some(store.kind()))?;
    let dpop_jkt = grant.dpop_key().map(DpopKey::thumbprint);
    let dpop_key_at = grant.dpop_key().map(JwsSigner::location);
    let token =
        CachedToken::from_response(profile, &resp, sent_at, profile.scope_string().as_deref());
    let session = Session {
        version: 1,
        issuer: profile.issuer.to_string(),
        client_id: profile.client_id.clone(),
        grant,
        access: Some(token.clone()),
        created_at: sent_at,
        refreshed_at: None,
    };
    let previous = read_state(&ctx.paths, &profile.name).store;
    let replaced = replaced_sessions(ctx, profile, store, previous);
    store.save(&profile.name, &session.to_blob())?;
    // Scoped tokens of the previous session must not outlive it.
    evict_cache(&ctx.paths, &profile.name);
    if store.kind() != StoreKind::File {
        // A file session left by an earlier fallback would shadow nothing but still hold a
        // refresh token on disk: remove it.
        let _ = store::FileStore::new(&ctx.paths).delete(&profile.name);
    }
    if let Some(old) = previous.filter(|k| *k != store.kind() && *k != StoreKind::File) {
        // The previous session lived in another store (say, the keychain before `--store
        // file`): its refresh token must not linger there.
        let gone = store::open(
            old,
            &ctx.paths,
            &ctx.printer,
            &profile.name,
            store::Access::Read,
            ctx.settings.keychain_timeout,
        )
        .and_then(|s| s.delete(&profile.name));
        if let Err(e) = gone {
            ctx.printer.warn(format!(
                "the previous session of profile `{}` may remain in the {}: {e}",
                profile.name,
                old.as_str()
            ));
        }
    }
    revoke_replaced(ctx, profile, &session, replaced);
    write_cache(&ctx.paths, &ctx.printer, &profile.name, &token);
    let state = ProfileState {
        store: Some(store.kind()),
        issuer: Some(profile.issuer.to_string()),
        logged_in_at: Some(sent_at),
        access_expires_at: token.expires_at,
        scope: token.scope.clone(),
        last_refresh: None,
        rotates: None,
        clock_skew: None,
        dpop_jkt,
        dpop_key_at,
        grant: Some(session.grant.kind()),
        moved_from: None,
    };
    write_state(&ctx.paths, &profile.name, &state);
    ctx.audit(
        profile,
        audit::Event::login(&profile.name, store.kind(), &token.access_token),
    );
    Ok(token)
}

/// The sessions a login is about to replace: the one in the target store, the file store's (an
/// earlier fallback) and the one in the store the state recorded, if another. Read before the
/// new session overwrites or deletes them, so their grants can be revoked after. A session that
/// cannot be read (another issuer, a locked keychain) is skipped with a warning.
fn replaced_sessions(
    ctx: &Ctx,
    profile: &Profile,
    target: &dyn TokenStore,
    previous: Option<StoreKind>,
) -> Vec<Session> {
    let mut found = vec![];
    let mut read = |s: &dyn TokenStore| {
        match load_session(s, profile) {
        Ok(Some(old)) => found.push(old),
        Ok(None) => {}
        Err(e) => ctx.printer.warn(format!(
            "the previous session of profile `{}` in the {} could not be read, so it is not              revoked at the provider: {e:#}",
            profile.name,
            s.describe()
        )),
    }
    };
    read(target);
    if target.kind() != StoreKind::File {
        read(&store::FileStore::new(&ctx.paths));
    }
    if let Some(old) =
        previous.filter(|k| *k != target.kind() && *k != StoreKind::File && *k != StoreKind::Auto)
        && let Ok(s) = store::open(
            old,
            &ctx.paths,
            &ctx.printer,
            &profile.name,
            store::Access::Read,
            ctx.settings.keychain_timeout,
        )
    {
        read(s.as_ref());
    }
    found
}

/// Revoke the grants of the `replaced` sessions (RFC 7009), best effort: a login must not leave
/// a refresh token alive at the provider that no store holds any more. A failure is a warning.
fn revoke_replaced(ctx: &Ctx, profile: &Profile, new: &Session, replaced: Vec<Session>) {
    let mut seen = vec![];
    for old in replaced {
        let Some(rt) = old.grant.refresh_token() else {
            continue;
        };
        let fp = rt.fingerprint();
        if new.grant.refresh_token().is_some_and(|n| n.same_as(rt)) || seen.contains(&fp) {
            continue;
        }
        seen.push(fp);
        match revoke(ctx, profile, &old) {
            Some(Ok(())) => ctx.printer.verbose(format!(
                "revoked the previous session's refresh token {} at the provider",
                rt.fingerprint()
            )),
            Some(Err(e)) => ctx.printer.warn(format!(
                "the previous session of profile `{}` was NOT revoked at the provider ({e}); its                  refresh token stays valid there until it expires",
                profile.name
            )),
            None => {}
        }
    }
}

/// What `logout` did.
#[derive(Debug, Default, Serialize)]
pub struct LogoutReport {
    pub had_session: bool,
    pub revoked: bool,
    pub revocation_error: Option<String>,
    /// The revocation failed because the server refuses to revoke for a public client.
    #[serde(skip)]
    pub public_client_refused: bool,
    /// A dynamic client registration (`tok login --resource-url`), and what became of it.
    #[serde(skip)]
    pub registration: Option<super::registration::Forgotten>,
}

/// Whether a failed revocation by a public client (no client authentication) is the server
/// refusing such clients: RFC 7009 §2.1 lets it require client authentication, and some answer
/// a bare 401 (or `invalid_client`/`unauthorized_client`). Only the user can end the grant then,
/// in the provider's account page.
pub fn refuses_public_clients(e: &OAuthError) -> bool {
    match e {
        OAuthError::BadResponse { status, .. } => matches!(status, 401 | 403),
        OAuthError::Protocol { status, error, .. } => {
            matches!(status, 401 | 403)
                || matches!(
                    error,
                    crate::oauth::ErrorCode::InvalidClient
                        | crate::oauth::ErrorCode::UnauthorizedClient
                )
        }
        _ => false,
    }
}

/// Revoke (unless `revoke` is false or the server has no endpoint), then forget everything.
/// Local data is removed even when revocation fails.
pub fn logout(ctx: &Ctx, profile: &Profile, revoke_token: bool) -> Result<LogoutReport, Error> {
    let _lock = ProfileLock::acquire(ctx, &profile.name)?;
    if let Some(wi) = &profile.workload {
        return logout_workload(ctx, profile, wi, revoke_token);
    }
    let store = ctx.store_for(&profile.name)?;
    let mut report = LogoutReport::default();
    let session = match load_session(store.as_ref(), profile) {
        Ok(s) => s,
        Err(e) => {
            ctx.printer.warn(format!("{e:#}; removing it anyway"));
            None
        }
    };
    if let Some(session) = &session {
        report.had_session = true;
        let mut revoke_token = revoke_token;
        if revoke_token {
            match super::client_auth::attach(ctx, profile, store.as_ref(), false, false) {
                Ok(()) => {}
                // A client key on a PKCS#11 token that cannot sign now (no PIN, token gone):
                // the session is still removed here; the server's copy is left to expire.
                Err(super::ClientKeyError::Token(e)) => {
                    report.revocation_error = Some(e.to_string());
                    revoke_token = false;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if revoke_token && let Some(result) = revoke(ctx, profile, session) {
            match result {
                Ok(()) => report.revoked = true,
                Err(e) => {
                    report.public_client_refused =
                        !matches!(session.grant, Grant::Confidential { .. })
                            && refuses_public_clients(&e);
                    report.revocation_error = Some(e.to_string());
                }
            }
        }
    }
    store.delete(&profile.name)?;
    report.registration = super::registration::forget(ctx, profile, store.as_ref());
    if let Some(from) = read_state(&ctx.paths, &profile.name).moved_from {
        // The store that refused a rotated refresh token still holds the spent one.
        let _ = store::open(
            from,
            &ctx.paths,
            &ctx.printer,
            &profile.name,
            store::Access::Read,
            ctx.settings.keychain_timeout,
        )
        .and_then(|s| s.delete(&profile.name));
    }
    forget_locally(ctx, profile, &report);
    Ok(report)
}

/// What every logout ends with: the token cache and profile state go, and the audit log says
/// whether the server's copy was revoked.
fn forget_locally(ctx: &Ctx, profile: &Profile, report: &LogoutReport) {
    evict_cache(&ctx.paths, &profile.name);
    let _ = paths::remove_optional(&ctx.paths.profile_state(&profile.name));
    ctx.audit(
        profile,
        audit::Event::logout(
            &profile.name,
            report.revoked,
            report.revocation_error.is_some(),
        ),
    );
}

/// Logout of a workload identity: nothing is stored, so forget the token cache and the state;
/// revoke the cached access token first when the provider has a revocation endpoint (an
/// exchanged token may be revocable; the CI identity token is not tok's to revoke).
fn logout_workload(
    ctx: &Ctx,
    profile: &Profile,
    wi: &WorkloadIdentity,
    revoke_token: bool,
) -> Result<LogoutReport, Error> {
    let mut report = LogoutReport::default();
    let cached = read_cache(&ctx.paths, profile).filter(|t| t.ttl(ctx.now()) > 0);
    report.had_session =
        cached.is_some() || read_state(&ctx.paths, &profile.name).logged_in_at.is_some();
    if revoke_token && let Some(token) = cached {
        let mut session = Session::workload(profile, wi);
        session.access = Some(token);
        match ctx.endpoints(profile).map(|ep| ep.revocation) {
            // No endpoint: the token simply expires; that is not a failure to report.
            Ok(None) => {}
            _ => match revoke(ctx, profile, &session) {
                Some(Ok(())) => report.revoked = true,
                Some(Err(e)) => report.revocation_error = Some(e.to_string()),
                None => {}
            },
        }
    }
    forget_locally(ctx, profile, &report);
    Ok(report)
}

/// The first exchange of a workload-identity profile (`tok login`): proves the setup works,
/// caches the access token and records the login (no store is involved). Returns the identity
/// token's claims for display.
pub fn login_workload(
    ctx: &Ctx,
    profile: &Profile,
    wi: &WorkloadIdentity,
) -> Result<(CachedToken, Claims), Error> {
    let _lock = ProfileLock::acquire(ctx, &profile.name)?;
    // Tokens of an earlier identity or configuration must not outlive this login.
    evict_cache(&ctx.paths, &profile.name);
    let sent_at = ctx.now();
    let (token, claims) = exchange_locked(ctx, profile, wi, &Narrow::default())?;
    let mut state = read_state(&ctx.paths, &profile.name);
    state.store = None;
    state.issuer = Some(profile.issuer.to_string());
    state.logged_in_at = Some(sent_at);
    state.rotates = None;
    state.dpop_jkt = None;
    state.dpop_key_at = None;
    state.grant = Some(Session::workload(profile, wi).grant.kind());
    write_state(&ctx.paths, &profile.name, &state);
    let mut event = audit::Event::login(&profile.name, StoreKind::Memory, &token.access_token);
    event.store = None;
    ctx.audit(profile, event);
    Ok((token, claims))
}

/// Revoke what ends `session`'s grant (RFC 7009): the refresh token; for a session without one,
/// its current access token. `None` when there is nothing to revoke.
fn revoke(ctx: &Ctx, profile: &Profile, session: &Session) -> Option<Result<(), OAuthError>> {
    let client_id = &profile.client_id;
    let access = session.access.as_ref().map(|a| &a.access_token);
    // A confidential client authenticates; a public one names itself.
    let (auth, refresh_token) = match &session.grant {
        Grant::Interactive { refresh_token, .. } => {
            (ClientAuth::None { client_id }, Some(refresh_token))
        }
        Grant::Confidential { client_secret } => (
            crate::oauth::grant::confidential(client_id, client_secret),
            None,
        ),
        Grant::AccessOnly { .. } | Grant::WorkloadIdentity(_) => {
            (ClientAuth::None { client_id }, None)
        }
    };
    if refresh_token.is_none() && access.is_none() {
        return None;
    }
    let url = match ctx.endpoints(profile) {
        Err(e) => return Some(Err(e)),
        Ok(ep) => match ep.revocation {
            Some(url) => url,
            None => {
                return Some(Err(OAuthError::Discovery(format!(
                    "{} has no revocation endpoint",
                    profile.issuer
                ))));
            }
        },
    };
    let http = ctx.http();
    Some(match (refresh_token, access) {
        (Some(rt), _) => revoke_refresh_token(http, &url, &auth, rt),
        (None, Some(at)) => revoke_access_token(http, &url, &auth, at),
        (None, None) => unreachable!("checked above"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_refusing_public_clients_is_told_apart_from_other_failures() {
        let bad = |status| OAuthError::BadResponse {
            endpoint: "https://id.example/revoke".into(),
            status,
            content_type: "text/plain".into(),
            what: "not an OAuth error response".into(),
        };
        let protocol = |status, error: &str| OAuthError::Protocol {
            endpoint: "https://id.example/revoke".into(),
            status,
            error: crate::oauth::ErrorCode::parse(error),
            description: None,
        };
        assert!(refuses_public_clients(&bad(401)));
        assert!(refuses_public_clients(&protocol(400, "invalid_client")));
        assert!(refuses_public_clients(&protocol(401, "whatever")));
        assert!(!refuses_public_clients(&bad(400)));
        assert!(!refuses_public_clients(&bad(502)));
        assert!(!refuses_public_clients(&protocol(
            400,
            "unsupported_token_type"
        )));
        assert!(!refuses_public_clients(&OAuthError::Unavailable {
            endpoint: "e".into(),
            detail: "HTTP 503".into()
        }));
    }
}
