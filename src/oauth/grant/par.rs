//! Pushed authorization requests (RFC 9126): the authorization request's parameters go to the
//! server directly (client authentication as at the token endpoint, a DPoP proof when the
//! session is DPoP-bound), and the browser is sent with only `client_id` and the `request_uri`
//! the server answered.

use url::Url;

use super::{Client, Request};
use crate::oauth::OAuthError;
use crate::oauth::dpop::Prover;
use crate::oauth::http::ClientAuth;
use crate::oauth::token::{error_response, parse_expires_in};

/// What the push endpoint answered.
#[derive(Debug)]
pub struct Pushed {
    /// The URL the browser opens: the authorization endpoint with `client_id` and
    /// `request_uri` only.
    pub url: Url,
    /// How long the `request_uri` may be used, in seconds.
    pub expires_in: i64,
}

/// Push the parameters of `authorization_url` (built as for a browser) to `par_url`.
pub fn push(
    client: &impl Client,
    par_url: &Url,
    authorization_url: &Url,
    client_id: &str,
    dpop: Option<&mut Prover<'_>>,
) -> Result<Pushed, OAuthError> {
    let params: Vec<(String, String)> = authorization_url
        .query_pairs()
        .filter(|(k, _)| k != "client_id")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let req = Request {
        url: par_url,
        form: params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        auth: ClientAuth::None { client_id },
    };
    let resp = client.post_dpop(&req, dpop)?;
    if !matches!(resp.status, 200 | 201) {
        return Err(error_response(par_url, &resp));
    }
    let bad = |what: String| OAuthError::BadResponse {
        endpoint: crate::oauth::http::endpoint_name(par_url),
        status: resp.status,
        content_type: resp.content_type.clone(),
        what,
    };
    let body: serde_json::Value =
        serde_json::from_slice(&resp.body.0).map_err(|_| bad("not JSON".into()))?;
    let request_uri = body["request_uri"]
        .as_str()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad("no request_uri".into()))?;
    let expires_in = parse_expires_in(&body["expires_in"]).map_err(bad)?;
    let mut url = authorization_url.clone();
    url.set_query(None);
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri);
    Ok(Pushed { url, expires_in })
}

#[cfg(test)]
mod tests {
    use super::super::fake::{Recorder, pairs};
    use super::*;

    #[test]
    fn the_parameters_are_pushed_and_the_browser_gets_only_the_reference() {
        let client = Recorder::answering(
            r#"{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}"#,
        );
        let par = Url::parse("https://id.example/par").unwrap();
        let auth = Url::parse(
            "https://id.example/auth?response_type=code&client_id=c&state=s&code_challenge=x",
        )
        .unwrap();
        let pushed = push(&client, &par, &auth, "c", None).unwrap();
        let sent = client.only();
        assert_eq!(sent.url, "https://id.example/par");
        assert_eq!(
            sent.form,
            pairs(&[
                ("response_type", "code"),
                ("state", "s"),
                ("code_challenge", "x"),
            ])
        );
        assert_eq!(sent.client_id, "c");
        assert_eq!(
            pushed.url.as_str(),
            "https://id.example/auth?client_id=c&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc"
        );
        assert_eq!(pushed.expires_in, 60);
    }
}
