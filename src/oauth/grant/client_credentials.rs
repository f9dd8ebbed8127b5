//! The client credentials grant (RFC 6749 §4.4): a confidential client asks for a token for
//! itself, authenticated with its secret.

use url::Url;

use crate::oauth::OAuthError;
use crate::oauth::http::{ClientAuth, Http};
use crate::oauth::token::{self, TokenResponse};
use crate::secret::ClientSecret;

/// One token request with `scope` and RFC 8707 `resource`, authenticated by HTTP Basic.
pub fn client_credentials(
    http: &Http,
    url: &Url,
    client_id: &str,
    secret: &ClientSecret,
    scope: Option<&str>,
    resource: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    if let Some(r) = resource {
        form.push(("resource", r));
    }
    token::request(http, url, &form, &ClientAuth::Basic { client_id, secret })
}
