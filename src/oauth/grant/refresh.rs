//! The refresh token grant (RFC 6749 §6).

use url::Url;

use super::{Client, Request};
use crate::oauth::OAuthError;
use crate::oauth::dpop::Prover;
use crate::oauth::http::ClientAuth;
use crate::oauth::token::TokenResponse;
use crate::secret::RefreshToken;

/// RFC 6749 §6: the request exchanging a refresh token. `scope` narrows the grant; `resource`
/// is RFC 8707.
pub fn request<'a>(
    url: &'a Url,
    auth: ClientAuth<'a>,
    refresh_token: &'a RefreshToken,
    scope: Option<&'a str>,
    resource: Option<&'a str>,
) -> Request<'a> {
    let mut req = Request::grant(url, "refresh_token", auth);
    req.form.push(("refresh_token", refresh_token.expose()));
    req.optional("scope", scope).optional("resource", resource)
}

/// Send [`request`]; a DPoP-bound refresh token needs a proof from the same key (RFC 9449 §5).
pub fn refresh(
    client: &impl Client,
    url: &Url,
    auth: ClientAuth<'_>,
    refresh_token: &RefreshToken,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop: Option<&mut Prover<'_>>,
) -> Result<TokenResponse, OAuthError> {
    client
        .token(&request(url, auth, refresh_token, scope, resource), dpop)
        .map_err(dead_grant_if_bare_400)
}

/// Some servers answer a spent, replayed or revoked refresh token with a bare HTTP 400 (no
/// RFC 6749 §5.2 JSON): for a refresh that is the grant's end, as `invalid_grant` would be.
/// Waiting and trying again cannot help; a new login can.
pub fn dead_grant_if_bare_400(e: OAuthError) -> OAuthError {
    match e {
        OAuthError::BadResponse {
            endpoint,
            status: 400,
            ..
        } => OAuthError::InvalidGrant {
            endpoint,
            description: Some("HTTP 400 without an OAuth error".into()),
        },
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::{Recorder, TOKENS, pairs};
    use super::*;

    #[test]
    fn the_form_names_the_refresh_token_then_the_narrowing() {
        let url = Url::parse("https://id.example/token").unwrap();
        let rt = RefreshToken::new("rt-1");
        let client = Recorder::answering(TOKENS);
        let auth = ClientAuth::None { client_id: "cli" };
        let resp = refresh(
            &client,
            &url,
            auth,
            &rt,
            Some("a b"),
            Some("https://api/"),
            None,
        );
        assert_eq!(resp.unwrap().access_token.expose(), "at");
        let sent = client.only();
        assert_eq!(sent.url, "https://id.example/token");
        assert_eq!(
            sent.form,
            pairs(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "rt-1"),
                ("scope", "a b"),
                ("resource", "https://api/"),
            ])
        );
        assert_eq!(
            (sent.basic, sent.client_id.as_str(), sent.dpop),
            (None, "cli", false)
        );
        let auth = ClientAuth::None { client_id: "cli" };
        refresh(&client, &url, auth, &rt, None, None, None).unwrap();
        assert_eq!(
            client.only().form,
            pairs(&[("grant_type", "refresh_token"), ("refresh_token", "rt-1")])
        );
    }

    #[test]
    fn a_bare_400_on_a_refresh_is_a_dead_grant_and_nothing_else_is() {
        let bad = |status| OAuthError::BadResponse {
            endpoint: "https://id.example/token".into(),
            status,
            content_type: "text/plain".into(),
            what: "not an OAuth error response".into(),
        };
        match dead_grant_if_bare_400(bad(400)) {
            OAuthError::InvalidGrant {
                endpoint,
                description,
            } => {
                assert_eq!(endpoint, "https://id.example/token");
                assert!(description.unwrap().contains("HTTP 400"));
            }
            other => panic!("{other:?}"),
        }
        for status in [401, 403, 404, 200, 302] {
            assert!(
                matches!(
                    dead_grant_if_bare_400(bad(status)),
                    OAuthError::BadResponse { .. }
                ),
                "{status}"
            );
        }
        let protocol = OAuthError::Protocol {
            endpoint: "e".into(),
            status: 400,
            error: crate::oauth::token::ErrorCode::parse("invalid_scope"),
            description: None,
        };
        assert!(matches!(
            dead_grant_if_bare_400(protocol),
            OAuthError::Protocol { .. }
        ));
    }
}
