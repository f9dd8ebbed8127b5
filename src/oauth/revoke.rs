//! Token revocation (RFC 7009).

use url::Url;

use super::OAuthError;
use super::http::{ClientAuth, Http};
use crate::secret::{AccessToken, RefreshToken};

/// Revoke a refresh token (which, on most servers, ends the whole grant). 200 means done, even
/// for a token the server no longer knows (§2.2).
pub fn revoke_refresh_token(
    http: &Http,
    url: &Url,
    auth: &ClientAuth<'_>,
    token: &RefreshToken,
) -> Result<(), OAuthError> {
    revoke(http, url, auth, token.expose(), "refresh_token")
}

/// Revoke an access token: for sessions without a refresh token (client credentials).
pub fn revoke_access_token(
    http: &Http,
    url: &Url,
    auth: &ClientAuth<'_>,
    token: &AccessToken,
) -> Result<(), OAuthError> {
    revoke(http, url, auth, token.expose(), "access_token")
}

fn revoke(
    http: &Http,
    url: &Url,
    auth: &ClientAuth<'_>,
    token: &str,
    hint: &str,
) -> Result<(), OAuthError> {
    let form = [("token", token), ("token_type_hint", hint)];
    let resp = http.post_form(url, &form, auth, None)?;
    if resp.status == 200 {
        Ok(())
    } else {
        Err(super::token::error_response(url, &resp))
    }
}
