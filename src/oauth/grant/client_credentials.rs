//! The client credentials grant (RFC 6749 §4.4): a confidential client asks for a token for
//! itself, authenticated with its secret.

use url::Url;

use super::{Client, Request};
use crate::oauth::OAuthError;
use crate::oauth::http::ClientAuth;
use crate::oauth::token::TokenResponse;
use crate::secret::ClientSecret;

/// One token request with `scope` and RFC 8707 `resource`, authenticated by HTTP Basic.
pub fn request<'a>(
    url: &'a Url,
    client_id: &'a str,
    secret: &'a ClientSecret,
    scope: Option<&'a str>,
    resource: Option<&'a str>,
) -> Request<'a> {
    // A `private_key_jwt` client holds no secret: its assertion is added by the HTTP client.
    let auth = confidential(client_id, secret);
    Request::grant(url, "client_credentials", auth)
        .optional("scope", scope)
        .optional("resource", resource)
}

/// Send [`request`].
pub fn client_credentials(
    client: &impl Client,
    url: &Url,
    client_id: &str,
    secret: &ClientSecret,
    scope: Option<&str>,
    resource: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    client.token(&request(url, client_id, secret, scope, resource), None)
}

/// How a confidential client authenticates: HTTP Basic with its secret; a `private_key_jwt`
/// or mutual TLS client keeps no secret (an empty one) and names itself (`client_id` in the
/// form), and the HTTP client then adds its assertion or presents its certificate.
pub fn confidential<'a>(
    client_id: &'a str,
    secret: &'a crate::secret::ClientSecret,
) -> ClientAuth<'a> {
    if secret.is_empty() {
        ClientAuth::None { client_id }
    } else {
        ClientAuth::Basic { client_id, secret }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::{Recorder, TOKENS, pairs};
    use super::*;

    #[test]
    fn the_client_authenticates_with_basic_and_the_secret_stays_out_of_the_form() {
        let url = Url::parse("https://id.example/token").unwrap();
        let secret = ClientSecret::new("s3cret");
        let client = Recorder::answering(TOKENS);
        client_credentials(&client, &url, "svc", &secret, Some("api"), None).unwrap();
        let sent = client.only();
        assert_eq!(
            sent.form,
            pairs(&[("grant_type", "client_credentials"), ("scope", "api")])
        );
        assert_eq!(sent.basic.as_deref(), Some("svc"));
        assert!(!format!("{sent:?}").contains("s3cret"));
        let req = request(&url, "svc", &secret, None, Some("https://api/"));
        assert_eq!(req.field("resource"), Some("https://api/"));
        assert!(matches!(req.auth, ClientAuth::Basic { secret: s, .. } if s.expose() == "s3cret"));
    }
}
