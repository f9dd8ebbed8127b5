//! Token revocation (RFC 7009).

use url::Url;

use super::OAuthError;
use super::http::{ClientAuth, Http};
use crate::secret::RefreshToken;

/// Revoke a refresh token (which, on most servers, ends the whole grant). 200 means done, even
/// for a token the server no longer knows (§2.2).
pub fn revoke_refresh_token(
    http: &Http,
    url: &Url,
    auth: &ClientAuth<'_>,
    token: &RefreshToken,
) -> Result<(), OAuthError> {
    let form = [
        ("token", token.expose()),
        ("token_type_hint", "refresh_token"),
    ];
    let resp = http.post_form(url, &form, auth, None)?;
    if resp.status == 200 {
        Ok(())
    } else {
        Err(super::token::error_response(url, &resp))
    }
}
