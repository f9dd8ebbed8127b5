//! What goes over the wire, without the HTTP crate: a response as tok reads it (its body
//! redacted and zeroized), how a client authenticates a form POST, and how an endpoint is
//! named in errors and DPoP proofs. `oauth::http` sends; these are its values.

use url::Url;

use super::client_assertion::Asserter;

/// A response as tok needs it: status, a few headers, and the capped body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    /// The `Date` header as unix seconds, for clock-skew estimates.
    pub date: Option<i64>,
    pub retry_after: Option<u64>,
    pub dpop_nonce: Option<String>,
    /// Every `WWW-Authenticate` header, in order (RFC 9110 §11.6.1; RFC 9728 §5.1).
    pub www_authenticate: Vec<String>,
    /// Response body. Debug output of this struct would print it, so it is redacted.
    pub body: Body,
}

#[cfg(test)]
impl Response {
    /// A JSON answer with `status` and `body` and no headers (the unit tests' server).
    pub fn json(status: u16, body: &str) -> Self {
        Response {
            status,
            content_type: "application/json".into(),
            date: None,
            retry_after: None,
            dpop_nonce: None,
            www_authenticate: vec![],
            body: Body(body.as_bytes().to_vec()),
        }
    }
}

/// A response body; it may hold tokens, so its Debug output is only its length, and it is
/// zeroized when dropped (a token response's raw bytes would otherwise linger in freed memory).
pub struct Body(pub Vec<u8>);

impl Drop for Body {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl Body {
    /// The body read as a JSON object with `T`'s fields. serde's derived structs also take an
    /// array of the fields in order (`["at","x"]`), which no protocol tok speaks allows (RFC
    /// 6749 §5.1: the parameters sit at the top level of a JSON object); such an array passed
    /// as named fields, and its second element was shown as an `error_description` (found by
    /// the fuzz target `token_response`).
    pub fn object<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        if self.0.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(serde::de::Error::custom("not a JSON object"));
        }
        serde_json::from_slice(&self.0)
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Body({} bytes)", self.0.len())
    }
}

/// Client authentication for token requests (RFC 6749 §2.3).
pub enum ClientAuth<'a> {
    /// A public client: `client_id` in the form.
    None { client_id: &'a str },
    /// A confidential client: HTTP Basic (`client_secret_basic`).
    Basic {
        client_id: &'a str,
        secret: &'a crate::secret::ClientSecret,
    },
    /// `private_key_jwt`: a fresh signed assertion in the form (RFC 7523 §2.2).
    Jwt(&'a Asserter),
}

/// How errors name an endpoint: scheme, host and path, never a query, fragment or credentials.
/// Also a DPoP proof's `htu` (RFC 9449 §4.3), which is the same cut.
pub fn endpoint_name(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}
