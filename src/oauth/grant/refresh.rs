//! The refresh token grant (RFC 6749 §6).

use url::Url;

use crate::oauth::OAuthError;
use crate::oauth::dpop::Prover;
use crate::oauth::http::{ClientAuth, Http};
use crate::oauth::token::{TokenResponse, request_dpop};
use crate::secret::RefreshToken;

/// RFC 6749 §6: exchange a refresh token. `scope` narrows the grant; `resource` is RFC 8707;
/// a DPoP-bound refresh token needs a proof from the same key (RFC 9449 §5).
pub fn refresh(
    http: &Http,
    url: &Url,
    auth: &ClientAuth<'_>,
    refresh_token: &RefreshToken,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop: Option<&mut Prover<'_>>,
) -> Result<TokenResponse, OAuthError> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose()),
    ];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    if let Some(r) = resource {
        form.push(("resource", r));
    }
    request_dpop(http, url, &form, auth, dpop)
}
