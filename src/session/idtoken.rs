//! ID tokens in a session: validated (OIDC Core §3.1.3.7, and §12.2 on a refresh) against the
//! provider's JWKS before a login or a refresh keeps one. The JOSE work is `oauth::jose`'s; this
//! file brings it the endpoints, the key set (cached on disk, fetched again once on an unknown
//! key) and what the session expects.

use crate::config::Profile;
use crate::oauth::jose::{self, Claims, Expect, IdTokenError};
use crate::oauth::token::TokenResponse;
use crate::oauth::{OAuthError, discovery};

use super::Ctx;
use super::model::CachedToken;

/// Validate the ID token of `resp`, if it has one. `nonce` is the one the login sent (`None`
/// for the device flow and refreshes); `previous` holds the ID token a refresh renews.
pub(crate) fn validate(
    ctx: &Ctx,
    profile: &Profile,
    resp: &TokenResponse,
    nonce: Option<&str>,
    previous: Option<&CachedToken>,
) -> Result<(), OAuthError> {
    let Some(id) = &resp.id_token else {
        return Ok(());
    };
    let ep = ctx.endpoints(profile)?;
    let previous: Option<Claims> = previous
        .and_then(|p| p.id_token.as_ref())
        .and_then(|t| jose::decode_unverified(t.expose()).ok());
    let want = Expect {
        issuer: &profile.issuer_text,
        client_id: &profile.client_id,
        nonce,
        access_token: Some(resp.access_token.expose()),
        now: ctx.now(),
        previous: previous.as_ref(),
    };
    let mut unreachable = None;
    let checked = jose::validate(
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
            discovery::jwks(&ctx.paths, ctx.http(), uri, refetch).map_err(|e| {
                let what = e.to_string();
                unreachable = Some(e);
                IdTokenError::Jwks(what)
            })
        },
    );
    match checked {
        Ok(c) => {
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
