//! Dynamic client registration (RFC 7591) of tok as a native public client, and its deletion
//! (RFC 7592 §2.3). The registration asks for what tok will do and nothing more:
//! `application_type=native`, the loopback redirect URI (without a port when any port will do:
//! RFC 8252 §7.3 has the server ignore it), no client authentication, the authorization code
//! (with PKCE), refresh and — when the server offers it — device grants, `response_types=code`.

use serde::Deserialize;
use url::Url;

use super::OAuthError;
use super::http::{Http, Response, endpoint_name};
use super::redirect::RedirectUri;
use super::resource::ResourceError;
use crate::secret::RegistrationToken;

/// RFC 8628's grant type.
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the server registered.
#[derive(Debug)]
pub struct Registered {
    pub client_id: String,
    /// RFC 7592: where the registration is read or deleted, and the bearer credential for it.
    pub management: Option<Management>,
    /// The client authentication the server registered, when it is not `none` (it made tok a
    /// confidential client, which tok cannot be: it has no secret to keep).
    pub confidential: Option<String>,
}

/// The RFC 7592 handle on a registration.
#[derive(Debug)]
pub struct Management {
    pub registration_client_uri: Url,
    pub registration_access_token: RegistrationToken,
}

/// The redirect URI registered for `r`: without a port when any free port is used.
pub fn registered_redirect_uri(r: &RedirectUri) -> String {
    if r.port == 0 {
        let origin = r.origin(0);
        format!("{}{}", origin.trim_end_matches(":0"), r.path)
    } else {
        r.with_port(r.port)
    }
}

/// The client metadata tok registers (RFC 7591 §2).
pub fn client_metadata(
    redirect: &RedirectUri,
    device: bool,
    scope: Option<&str>,
) -> serde_json::Value {
    let mut grants = vec!["authorization_code", "refresh_token"];
    if device {
        grants.push(DEVICE_GRANT);
    }
    let mut m = serde_json::json!({
        "client_name": "tok",
        "application_type": "native",
        "redirect_uris": [registered_redirect_uri(redirect)],
        "token_endpoint_auth_method": "none",
        "grant_types": grants,
        "response_types": ["code"],
    });
    if let Some(s) = scope {
        m["scope"] = s.into();
    }
    m
}

/// Register at `endpoint` with `metadata`.
pub fn register(
    http: &Http,
    endpoint: &Url,
    metadata: &serde_json::Value,
) -> Result<Registered, ResourceError> {
    let resp = http.registration(endpoint, Some(metadata), "")?;
    parse_response(endpoint, &resp)
}

/// RFC 7591 §3.2: `201` with the client's metadata, or §3.2.2's error JSON.
pub fn parse_response(endpoint: &Url, resp: &Response) -> Result<Registered, ResourceError> {
    let name = endpoint_name(endpoint);
    let bad = |what: &str| OAuthError::BadResponse {
        endpoint: name.clone(),
        status: resp.status,
        content_type: resp.content_type.clone(),
        what: what.into(),
    };
    if resp.status == 429 || resp.status >= 500 {
        return Err(OAuthError::Unavailable {
            endpoint: name,
            detail: format!("HTTP {}", resp.status),
        }
        .into());
    }
    #[derive(Deserialize)]
    struct Answer {
        client_id: Option<String>,
        registration_access_token: Option<RegistrationToken>,
        registration_client_uri: Option<String>,
        token_endpoint_auth_method: Option<String>,
        error: Option<String>,
        error_description: Option<String>,
    }
    let a: Answer = resp
        .body
        .object()
        .map_err(|_| bad("not a registration response"))?;
    if !matches!(resp.status, 200 | 201) {
        return match a.error {
            Some(e) => Err(ResourceError::RegistrationRefused {
                endpoint: name,
                error: super::sanitize(&e),
                description: a.error_description.as_deref().map(super::sanitize),
            }),
            None => Err(bad("no error code").into()),
        };
    }
    let client_id = a
        .client_id
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| bad("no client_id"))?;
    let management = match (a.registration_client_uri, a.registration_access_token) {
        (Some(uri), Some(token)) if !token.is_empty() => Some(Management {
            registration_client_uri: crate::url_policy::check_url(&uri)
                .map_err(|e| bad(&format!("registration_client_uri {e}")))?,
            registration_access_token: token,
        }),
        _ => None,
    };
    Ok(Registered {
        client_id,
        management,
        confidential: a
            .token_endpoint_auth_method
            .filter(|m| m != "none")
            .map(|m| super::sanitize(&m)),
    })
}

/// RFC 7592 §2.3: delete the registration. `204` (or `200`, or a `404`/`401`: it is gone
/// already) is success.
pub fn delete(http: &Http, m: &Management) -> Result<(), OAuthError> {
    let url = &m.registration_client_uri;
    let resp = http.registration(url, None, m.registration_access_token.expose())?;
    match resp.status {
        200 | 204 | 404 => Ok(()),
        status => Err(OAuthError::BadResponse {
            endpoint: endpoint_name(url),
            status,
            content_type: resp.content_type.clone(),
            what: "the registration was not deleted".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Response {
        Response::json(status, body)
    }

    fn endpoint() -> Url {
        Url::parse("https://id.example/reg").unwrap()
    }

    #[test]
    fn tok_registers_as_a_native_public_client() {
        let m = client_metadata(&RedirectUri::default(), true, Some("openid offline_access"));
        assert_eq!(
            m,
            serde_json::json!({
                "client_name": "tok",
                "application_type": "native",
                "redirect_uris": ["http://127.0.0.1/callback"],
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token", DEVICE_GRANT],
                "response_types": ["code"],
                "scope": "openid offline_access",
            })
        );
        let fixed: RedirectUri = "http://[::1]:8400/cb".parse().unwrap();
        let m = client_metadata(&fixed, false, None);
        assert_eq!(
            m["redirect_uris"],
            serde_json::json!(["http://[::1]:8400/cb"])
        );
        assert_eq!(
            m["grant_types"],
            serde_json::json!(["authorization_code", "refresh_token"])
        );
        assert!(m.get("scope").is_none());
    }

    #[test]
    fn a_registration_keeps_its_management_handle_redacted() {
        let r = parse_response(
            &endpoint(),
            &answer(
                201,
                r#"{"client_id":"dyn-1","registration_access_token":"rat-secret","registration_client_uri":"https://id.example/reg/dyn-1"}"#,
            ),
        )
        .unwrap();
        assert_eq!(r.client_id, "dyn-1");
        let m = r.management.as_ref().unwrap();
        assert_eq!(
            m.registration_client_uri.as_str(),
            "https://id.example/reg/dyn-1"
        );
        assert!(!format!("{r:?}").contains("rat-secret"));
        assert_eq!(r.confidential, None);
        let r = parse_response(
            &endpoint(),
            &answer(
                201,
                r#"{"client_id":"dyn-2","client_secret":"s","token_endpoint_auth_method":"client_secret_basic"}"#,
            ),
        )
        .unwrap();
        assert_eq!(r.confidential.as_deref(), Some("client_secret_basic"));
    }

    #[test]
    fn a_refusal_is_named_with_its_code() {
        let e = parse_response(
            &endpoint(),
            &answer(
                400,
                r#"{"error":"invalid_redirect_uri","error_description":"only https\nplease"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "https://id.example/reg refused to register tok (invalid_redirect_uri: only https please)"
        );
        for (status, body) in [(400, "<html>"), (201, "{}"), (201, r#"{"client_id":" "}"#)] {
            let e = parse_response(&endpoint(), &answer(status, body)).unwrap_err();
            assert!(
                matches!(e, ResourceError::OAuth(OAuthError::BadResponse { .. })),
                "{e}"
            );
        }
        let e = parse_response(&endpoint(), &answer(503, "")).unwrap_err();
        assert!(matches!(
            e,
            ResourceError::OAuth(OAuthError::Unavailable { .. })
        ));
    }
}
