//! One file per grant. Each builds its request as a value ([`Request`]: the endpoint, the form,
//! how the client authenticates) without sending it, and sends it through a [`Client`] — the
//! HTTP client in the binary, a recording fake in the unit tests — as oauth2-rs separates
//! `prepare_request` from its `HttpClient`. So every grant is tested on its exact form without
//! a server. The grants: the authorization code with PKCE, the device authorization grant,
//! refresh, client credentials, and the workload identity exchange (a CI job's identity token
//! for an access token). Where tokens are kept is not their concern (see `crate::session`).

mod authorization_code;
mod client_credentials;
mod device;
mod par;
mod refresh;
mod workload_identity;

pub use authorization_code::{
    Exchange as CodeExchange, Party, authorization_url, exchange as exchange_code,
};
pub use client_credentials::{client_credentials, confidential};
pub use device::{
    DeviceAuthorization, SystemClock, initial_interval as initial_device_interval,
    parse_device_authorization, poll as poll_device, poll_until, start as start_device,
};
pub use par::push as push_authorization;
pub use refresh::refresh;
pub use workload_identity::{
    CiEnv, Claims as IdentityClaims, Exchange as IdentityExchange, JWT_TOKEN_TYPE,
    Method as ExchangeMethod, Source as IdentitySource, WorkloadError, WorkloadIdentity,
    exchange as exchange_identity, fetch as fetch_identity, github_answer,
    refusal as workload_refusal,
};

use url::Url;

use super::OAuthError;
use super::dpop::Prover;
use super::http::{ClientAuth, Http, Response};
use super::token::{self, TokenResponse};

/// One form POST a grant makes (always `POST`, `application/x-www-form-urlencoded`, `Accept:
/// application/json`). A public client ([`ClientAuth::None`]) is named by a `client_id` field
/// the HTTP layer appends; a confidential one by HTTP Basic (RFC 6749 §2.3.1).
pub struct Request<'a> {
    pub url: &'a Url,
    /// The form fields in the order they are sent. Values may be secrets (a refresh token, a
    /// code): the form lives only as long as the request.
    pub form: Vec<(&'a str, &'a str)>,
    pub auth: ClientAuth<'a>,
}

impl<'a> Request<'a> {
    /// A request with the field `grant_type` first.
    pub fn grant(url: &'a Url, grant_type: &'a str, auth: ClientAuth<'a>) -> Self {
        Self {
            url,
            form: vec![("grant_type", grant_type)],
            auth,
        }
    }

    /// Add `name` when `value` is given (optional parameters: `scope`, `resource`).
    pub fn optional(mut self, name: &'a str, value: Option<&'a str>) -> Self {
        if let Some(v) = value {
            self.form.push((name, v));
        }
        self
    }

    /// The value of the field `name`, if sent (tests).
    #[cfg(test)]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// What sends a grant's [`Request`].
pub trait Client {
    /// Send `req` to a token endpoint and parse the answer, with a DPoP proof from `dpop` (and
    /// one retry with the server's nonce, RFC 9449 §8).
    fn token(
        &self,
        req: &Request<'_>,
        dpop: Option<&mut Prover<'_>>,
    ) -> Result<TokenResponse, OAuthError>;

    /// Send `req` to another endpoint (device authorization) and return the raw answer.
    fn post(&self, req: &Request<'_>) -> Result<Response, OAuthError>;

    /// [`Client::post`] with a DPoP proof when `dpop` is given (RFC 9126 §2 with RFC 9449).
    fn post_dpop(
        &self,
        req: &Request<'_>,
        dpop: Option<&mut Prover<'_>>,
    ) -> Result<Response, OAuthError>;
}

impl Client for Http {
    fn token(
        &self,
        req: &Request<'_>,
        dpop: Option<&mut Prover<'_>>,
    ) -> Result<TokenResponse, OAuthError> {
        token::request_dpop(self, req.url, &req.form, &req.auth, dpop)
    }

    fn post(&self, req: &Request<'_>) -> Result<Response, OAuthError> {
        self.post_form(req.url, &req.form, &req.auth, None)
    }

    fn post_dpop(
        &self,
        req: &Request<'_>,
        dpop: Option<&mut Prover<'_>>,
    ) -> Result<Response, OAuthError> {
        token::send_dpop(self, req.url, &req.form, &req.auth, dpop)
    }
}

/// A [`Client`] that records every request's form and answers from a script (unit tests).
#[cfg(test)]
pub mod fake {
    use std::cell::RefCell;

    use super::*;

    /// One request as it would have gone out.
    #[derive(Debug, PartialEq, Eq)]
    pub struct Sent {
        pub url: String,
        pub form: Vec<(String, String)>,
        /// `None` for a public client, else the Basic client id.
        pub basic: Option<String>,
        /// Every public client names itself.
        pub client_id: String,
        pub dpop: bool,
    }

    #[derive(Default)]
    pub struct Recorder {
        pub sent: RefCell<Vec<Sent>>,
        /// The body answered (HTTP 200, JSON).
        pub body: String,
    }

    impl Recorder {
        pub fn answering(body: &str) -> Self {
            Self {
                sent: RefCell::default(),
                body: body.into(),
            }
        }

        fn record(&self, req: &Request<'_>, dpop: bool) -> Response {
            let (basic, client_id) = match &req.auth {
                ClientAuth::None { client_id } => (None, client_id.to_string()),
                ClientAuth::Jwt(a) => (None, a.client_id.to_string()),
                ClientAuth::Basic { client_id, .. } => {
                    (Some(client_id.to_string()), client_id.to_string())
                }
            };
            self.sent.borrow_mut().push(Sent {
                url: req.url.to_string(),
                form: req
                    .form
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                basic,
                client_id,
                dpop,
            });
            Response::json(200, &self.body)
        }

        /// The one request sent.
        pub fn only(&self) -> Sent {
            let mut sent = self.sent.borrow_mut();
            assert_eq!(sent.len(), 1, "{sent:?}");
            sent.pop().expect("one request")
        }
    }

    impl Client for Recorder {
        fn token(
            &self,
            req: &Request<'_>,
            dpop: Option<&mut Prover<'_>>,
        ) -> Result<TokenResponse, OAuthError> {
            let resp = self.record(req, dpop.is_some());
            token::parse_token_response(req.url, &resp)
        }

        fn post(&self, req: &Request<'_>) -> Result<Response, OAuthError> {
            Ok(self.record(req, false))
        }

        fn post_dpop(
            &self,
            req: &Request<'_>,
            dpop: Option<&mut Prover<'_>>,
        ) -> Result<Response, OAuthError> {
            Ok(self.record(req, dpop.is_some()))
        }
    }

    /// `[("a", "1"), …]` as owned pairs, for comparing with [`Sent::form`].
    pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub const TOKENS: &str = r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#;
}
