//! ID tokens in a session: validated (OIDC Core §3.1.3.7, and §12.2 on a refresh) against the
//! provider's JWKS before a login or a refresh keeps one. The JOSE work is `oauth::jose`'s; this
//! file brings it the endpoints, the key set (cached on disk, fetched again once on an unknown
//! key) and what the session expects.

use crate::config::Profile;
use crate::oauth::{
    IdClaims as Claims, IdExpect as Expect, IdRequested as Requested, IdTokenError, OAuthError,
    TokenResponse, check_authentication, decode_unverified, jwks, validate_id_token,
};

use super::Ctx;
use super::model::CachedToken;

/// What the profile's authorization parameters ask of the authentication (`acr_values`,
/// `max_age`).
pub(crate) fn requested(profile: &Profile) -> Requested<'_> {
    let param = |k: &str| {
        profile
            .auth_params
            .iter()
            .find(|(key, v)| key == k && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    };
    Requested {
        acr_values: param("acr_values"),
        max_age: param("max_age").and_then(|v| v.parse().ok()),
    }
}

/// Validate the ID token of `resp`, if it has one. `nonce` is the one the login sent (`None`
/// for the device flow and refreshes); `refresh` says the response renews a session, whose ID
/// token (if it had one) is `previous`. When the
/// profile asks for `acr_values` or `max_age`, a login's ID token must meet them (and be there
/// to show it), and so must a refreshed one that reports a new sign-in.
pub(crate) fn validate(
    ctx: &Ctx,
    profile: &Profile,
    resp: &TokenResponse,
    nonce: Option<&str>,
    refresh: bool,
    previous: Option<&CachedToken>,
) -> Result<(), OAuthError> {
    let asked = requested(profile);
    let Some(id) = &resp.id_token else {
        if !refresh && !asked.is_none() {
            let claim = if asked.acr_values.is_some() {
                "acr"
            } else {
                "auth_time"
            };
            return Err(IdTokenError::Unmet {
                claim,
                why: "the server sent no ID token to show it".into(),
            }
            .into());
        }
        return Ok(());
    };
    let ep = ctx.endpoints(profile)?;
    let previous: Option<Claims> = previous
        .and_then(|p| p.id_token.as_ref())
        .and_then(|t| decode_unverified(t.expose()).ok());
    let want = Expect {
        issuer: &profile.issuer_text,
        client_id: &profile.client_id,
        nonce,
        access_token: Some(resp.access_token.expose()),
        now: ctx.now(),
        previous: previous.as_ref(),
    };
    let mut unreachable = None;
    let checked = validate_id_token(
        id.expose(),
        &want,
        None,
        ep.id_token_algs.as_deref(),
        |refetch| {
            let uri = ep.jwks.as_ref().ok_or_else(|| {
                IdTokenError::Jwks("the provider's discovery document names no jwks_uri".into())
            })?;
            ctx.printer.verbose(format!(
                "{} the provider's JWKS{}",
                if refetch { "fetching" } else { "reading" },
                if refetch { " again (unknown key)" } else { "" }
            ));
            jwks(&ctx.paths, ctx.http(), uri, refetch).map_err(|e| {
                let what = e.to_string();
                unreachable = Some(e);
                IdTokenError::Jwks(what)
            })
        },
    );
    match checked {
        Ok(c) => {
            // §12.2 keeps a refreshed token's auth_time; one that appears is a new sign-in.
            let new_sign_in = !refresh
                || c.auth_time.is_some()
                    && previous.as_ref().is_none_or(|p| p.auth_time != c.auth_time);
            if new_sign_in {
                check_authentication(&c, &asked, ctx.now())?;
            }
            ctx.printer.verbose(format!(
                "ID token {} valid (sub {:?}, expires at {})",
                id.fingerprint(),
                crate::oauth::sanitize(&c.sub),
                crate::time::rfc3339(c.exp)
            ));
            Ok(())
        }
        // The network failed, not the token: that error, with its own class.
        Err(IdTokenError::Jwks(_)) if unreachable.is_some() => Err(unreachable.expect("checked")),
        Err(e) => Err(e.into()),
    }
}

/// OIDC Core §3.1.3.7: a login whose ID token does not validate stores nothing. One that
/// cannot be checked (no key set published) is not kept, and the login goes on — unless the
/// login asked for `acr_values` or `max_age`: then only a checked token shows they were met.
pub(crate) fn check_login(
    ctx: &Ctx,
    profile: &Profile,
    resp: &mut TokenResponse,
    nonce: Option<&str>,
) -> Result<(), OAuthError> {
    match validate(ctx, profile, resp, nonce, false, None) {
        Err(OAuthError::IdToken(e @ crate::oauth::IdTokenError::Jwks(_)))
            if requested(profile).is_none() =>
        {
            ctx.printer.warn(format!("the ID token was not kept: {e}"));
            resp.id_token = None;
            Ok(())
        }
        other => other,
    }
}
