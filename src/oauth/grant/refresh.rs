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
    request_dpop(http, url, &form, auth, dpop).map_err(dead_grant_if_bare_400)
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
    use super::*;

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
            error: "invalid_scope".into(),
            description: None,
        };
        assert!(matches!(
            dead_grant_if_bare_400(protocol),
            OAuthError::Protocol { .. }
        ));
    }
}
