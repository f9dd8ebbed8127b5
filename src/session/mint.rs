//! The ways to the next token other than a refresh token, with the profile lock held, in the
//! same three steps as `super::refresh`: **send** the grant's request, **persist** what must
//! outlive the process, **record** the attempt (token cache, profile state, audit log) —
//! successes and failures alike. The client credentials grant keeps its token in the session;
//! a workload identity stores nothing.

use crate::config::Profile;
use crate::oauth::OAuthError;
use crate::oauth::grant::{CiEnv, IdentityClaims as Claims, WorkloadIdentity};
use crate::secret::ClientSecret;
use crate::store::TokenStore;

use super::Ctx;
use super::Error;
use super::files::{read_state, write_cache};
use super::model::{CachedToken, Grant, Narrow, RefreshRecord, Session, clock_skew};
use super::steps::{oauth_code, record_attempt, timed};

/// The `grant` the audit log and `tok stats` name a client credentials attempt by.
pub(crate) const CLIENT_CREDENTIALS: &str = "client_credentials";

/// A workload identity exchange with the lock held: a fresh identity token from the CI
/// platform, presented at the token endpoint; the access token goes to the cache like a
/// refreshed one, and the attempt is recorded as an exchange (state, audit log). Nothing is
/// stored: a refresh token in the answer is dropped unread, since the next token comes from the
/// next identity token. Returns the identity token's claims too, for `login` to show.
pub(crate) fn exchange_locked(
    ctx: &Ctx,
    profile: &Profile,
    wi: &WorkloadIdentity,
    narrow: &Narrow,
) -> Result<(CachedToken, Claims), Error> {
    // A `private_key_jwt` client's key is a file (a workload identity stores nothing).
    super::client_auth::attach(
        ctx,
        profile,
        &crate::store::MemoryStore::default(),
        false,
        false,
    )?;
    let endpoint = ctx.token_endpoint();
    let url = endpoint.url(profile)?;
    let ci = CiEnv {
        actions_url: ctx.settings.actions_id_token_url.as_deref(),
        actions_request_token: ctx.settings.actions_id_token_request_token.as_ref(),
        vars: &ctx.settings.named_vars,
    };
    ctx.printer.verbose(format!(
        "exchanging the {} identity ({}) at {}",
        wi.source,
        wi.method.as_str(),
        crate::oauth::endpoint_name(&url)
    ));
    let now = ctx.now();
    let (result, sent) = timed(ctx, url, |url| {
        endpoint.workload_exchange(profile, url, wi, &ci, narrow, now)
    });
    let (sent_at, latency_ms) = (sent.sent_at, sent.latency_ms);
    let mut state = read_state(&ctx.paths, &profile.name);
    let (mut resp, claims) = match result {
        Ok(r) => r,
        Err(e) => {
            let rec = RefreshRecord {
                at: sent_at,
                ok: false,
                error: Some(exchange_failure_code(&e)),
                latency_ms,
                rotated: false,
            };
            record_attempt(ctx, profile, state, rec, Some(wi.method.as_str()));
            return Err(e);
        }
    };
    if resp.refresh_token.take().is_some() {
        ctx.printer
            .verbose("ignored the refresh token in the answer: a workload identity has no refresh");
    }
    let scope = narrow.scope.clone().or_else(|| profile.scope_string());
    // Only a login or a refresh validates ID tokens: none is kept from another grant.
    let token = CachedToken::from_response(profile, &resp, sent_at, scope.as_deref()).without_id();
    ctx.printer.verbose(format!(
        "exchanged in {latency_ms} ms: access token {}",
        token.access_token.fingerprint()
    ));
    write_cache(
        &ctx.paths,
        &ctx.printer,
        &narrow.cache_key(&profile.name),
        &token,
    );
    if narrow.is_default() {
        state.access_expires_at = token.expires_at;
        state.scope = token.scope.clone();
    }
    state.clock_skew = clock_skew(resp.server_date, ctx.now());
    let rec = RefreshRecord {
        at: sent_at,
        ok: true,
        error: None,
        latency_ms,
        rotated: false,
    };
    record_attempt(ctx, profile, state, rec, Some(wi.method.as_str()));
    Ok((token, claims))
}

/// The error code of a failed exchange, for the state and the audit log: the provider's
/// `error`, or what kept tok from asking.
fn exchange_failure_code(e: &Error) -> String {
    use crate::oauth::grant::WorkloadError as W;
    let first: &(dyn std::error::Error + 'static) = e.inner();
    for cause in std::iter::successors(Some(first), |c| c.source()) {
        if let Some(w) = cause.downcast_ref::<W>() {
            return match w {
                W::Refused { error, .. } => error.clone(),
                W::Expired { .. } => "identity_expired".into(),
                W::CiUnreachable(_) | W::Ci { .. } => "ci_unavailable".into(),
                W::BadUrl { .. } => "no_identity".into(),
                W::NoActionsPermission { .. }
                | W::NoSource
                | W::VarUnset { .. }
                | W::File { .. }
                | W::NotAJwt { .. } => "no_identity".into(),
            };
        }
        if let Some(o) = cause.downcast_ref::<OAuthError>() {
            return oauth_code(o);
        }
    }
    "error".into()
}

/// The client credentials grant (RFC 6749 §4.4) with the lock held: a new token for the
/// session's confidential client. The default token is kept in the session like a refreshed
/// one; every attempt, failed or not, is recorded.
pub(super) fn client_credentials_locked(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: &Session,
    secret: &ClientSecret,
    narrow: &Narrow,
) -> Result<CachedToken, Error> {
    let endpoint = ctx.token_endpoint();
    let url = endpoint.url(profile)?;
    ctx.printer.verbose(format!(
        "minting a client-credentials token at {}",
        crate::oauth::endpoint_name(&url)
    ));
    // Step 1: send.
    let (result, sent) = timed(ctx, url, |url| {
        endpoint.client_credentials(profile, url, secret, narrow)
    });
    let record = |ok: bool, error: Option<String>| RefreshRecord {
        at: sent.sent_at,
        ok,
        error,
        latency_ms: sent.latency_ms,
        rotated: false,
    };
    let resp = match result {
        Ok(resp) => resp,
        Err(e) => {
            let state = read_state(&ctx.paths, &profile.name);
            let rec = record(false, Some(oauth_code(&e)));
            record_attempt(ctx, profile, state, rec, Some(CLIENT_CREDENTIALS));
            return Err(e.into());
        }
    };
    // Step 2: persist the default token in the session.
    let scope = narrow.scope.clone().or_else(|| profile.scope_string());
    // Only a login or a refresh validates ID tokens: none is kept from another grant.
    let token =
        CachedToken::from_response(profile, &resp, sent.sent_at, scope.as_deref()).without_id();
    if narrow.is_default() {
        let new = Session {
            version: session.version,
            issuer: session.issuer.clone(),
            client_id: session.client_id.clone(),
            grant: Grant::Confidential {
                client_secret: secret.duplicate(),
            },
            access: Some(token.clone()),
            created_at: session.created_at,
            refreshed_at: Some(sent.sent_at),
        };
        store.save(&profile.name, &new.to_blob())?;
    }
    // Step 3: record.
    ctx.printer.verbose(format!(
        "minted in {} ms: access token {}",
        sent.latency_ms,
        token.access_token.fingerprint()
    ));
    write_cache(
        &ctx.paths,
        &ctx.printer,
        &narrow.cache_key(&profile.name),
        &token,
    );
    let mut state = read_state(&ctx.paths, &profile.name);
    if narrow.is_default() {
        state.access_expires_at = token.expires_at;
        state.scope = token.scope.clone();
    }
    state.clock_skew = clock_skew(resp.server_date, ctx.now());
    record_attempt(
        ctx,
        profile,
        state,
        record(true, None),
        Some(CLIENT_CREDENTIALS),
    );
    Ok(token)
}
