//! AWS STS `AssumeRoleWithWebIdentity`: the session's token exchanged for temporary AWS keys.
//!
//! The Query API call is unsigned (the web identity token is the credential), sent as a form,
//! and answered in XML. The answer is read by [`parse`], a small pure function rather than an
//! XML crate: the shape is fixed (three leaves under `Credentials`, or `Error/Code` and
//! `Message`), AWS never sends namespace prefixes, CDATA or entities beyond the five predefined
//! ones and character references there, and a pure function of a string is what the fuzz
//! targets can drive. Anything else is refused as an unusable answer, never guessed at.

use url::Url;

use super::OAuthError;
use super::http::{Http, endpoint_name};
use crate::secret::{AccessToken, CloudCredential};

/// The STS API version of the Query API call.
pub const VERSION: &str = "2011-06-15";

/// The global STS endpoint, used when no region is named.
pub const GLOBAL_ENDPOINT: &str = "https://sts.amazonaws.com/";

/// What to ask STS for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: String,
    /// `DurationSeconds` (900 to 43200); STS's default (one hour) when `None`.
    pub duration: Option<u32>,
}

/// Temporary AWS credentials, as STS states them.
#[derive(Debug)]
pub struct AwsCredentials {
    pub access_key_id: CloudCredential,
    pub secret_access_key: CloudCredential,
    pub session_token: CloudCredential,
    /// Unix seconds.
    pub expiration: i64,
}

/// An error code STS answered with. The four a web identity federation meets have their own
/// variants (and so their own messages and exit codes); the rest are kept by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsCode {
    /// The token's issuer is not an identity provider of the account, or its signature,
    /// audience or thumbprint does not match.
    InvalidIdentityToken,
    /// The token had expired when STS read it.
    ExpiredToken,
    /// The role's trust policy does not let this token assume it.
    AccessDenied,
    /// The identity provider is known but a claim (audience, subject condition) was refused.
    IdpRejectedClaim,
    /// STS could not reach the identity provider's keys; it may work later.
    IdpCommunication,
    /// Throttling or a service failure: it may work later.
    Unavailable(String),
    /// Anything else, by name.
    Other(String),
}

impl StsCode {
    pub fn parse(code: &str) -> Self {
        match code {
            "InvalidIdentityToken" => Self::InvalidIdentityToken,
            "ExpiredTokenException" | "ExpiredToken" => Self::ExpiredToken,
            "AccessDenied" | "AccessDeniedException" => Self::AccessDenied,
            "IDPRejectedClaim" => Self::IdpRejectedClaim,
            "IDPCommunicationError" => Self::IdpCommunication,
            "Throttling" | "ThrottlingException" | "ServiceUnavailable" | "InternalFailure" => {
                Self::Unavailable(code.into())
            }
            other => Self::Other(other.into()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidIdentityToken => "InvalidIdentityToken",
            Self::ExpiredToken => "ExpiredTokenException",
            Self::AccessDenied => "AccessDenied",
            Self::IdpRejectedClaim => "IDPRejectedClaim",
            Self::IdpCommunication => "IDPCommunicationError",
            Self::Unavailable(c) | Self::Other(c) => c,
        }
    }
}

/// Why no AWS credentials came back.
#[derive(Debug, thiserror::Error)]
pub enum StsError {
    /// STS refused the call with an error code.
    #[error("AWS STS at {endpoint} refused to assume role {role_arn}: {}{}", .code.as_str(), msg(.message))]
    Refused {
        endpoint: String,
        role_arn: String,
        code: StsCode,
        /// STS's message, made one line and free of held tokens.
        message: Option<String>,
    },
    /// The answer was not the XML STS sends.
    #[error("AWS STS at {endpoint} sent an unusable answer (HTTP {status}): {what}")]
    BadAnswer {
        endpoint: String,
        status: u16,
        what: &'static str,
    },
    /// The request did not get an answer.
    #[error(transparent)]
    Http(#[from] OAuthError),
}

fn msg(m: &Option<String>) -> String {
    m.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
}

/// The STS endpoint: `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL` (the SDKs' convention),
/// then the profile's `aws_sts_endpoint`, then the regional endpoint of `region`, else the
/// global one. Each candidate must be `https://` (plain http only on loopback).
pub fn endpoint(
    env_sts: Option<&str>,
    env_any: Option<&str>,
    profile: Option<&str>,
    region: Option<&str>,
) -> Result<Url, String> {
    let chosen = env_sts
        .or(env_any)
        .or(profile)
        .map(str::to_string)
        .or_else(|| region.map(|r| format!("https://sts.{r}.amazonaws.com/")))
        .unwrap_or_else(|| GLOBAL_ENDPOINT.into());
    if let Some(r) = region
        && !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!("invalid region {r:?}"));
    }
    crate::url_policy::check_url(&chosen)
}

/// The form of the call (unsigned: the token is the credential).
pub fn form<'a>(req: &'a AssumeRole, token: &'a str, duration: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", VERSION),
        ("RoleArn", req.role_arn.as_str()),
        ("RoleSessionName", req.session_name.as_str()),
        ("WebIdentityToken", token),
    ];
    if req.duration.is_some() {
        form.push(("DurationSeconds", duration));
    }
    form
}

/// Call STS with `token` and read its answer.
pub fn assume_role(
    http: &Http,
    url: &Url,
    req: &AssumeRole,
    token: &AccessToken,
) -> Result<AwsCredentials, StsError> {
    let duration = req.duration.map(|d| d.to_string()).unwrap_or_default();
    // The boundary: the web identity token leaves tok here, in the form body.
    let resp = http.post_query(url, &form(req, token.expose(), &duration))?;
    let body = String::from_utf8_lossy(&resp.body.0);
    let endpoint = endpoint_name(url);
    match parse(&body) {
        Ok(Answer::Credentials(c)) if resp.status == 200 => Ok(c),
        Ok(Answer::Error { code, message }) => Err(StsError::Refused {
            endpoint,
            role_arn: req.role_arn.clone(),
            code: StsCode::parse(&code),
            message: message.map(|m| crate::output::one_line(&m)),
        }),
        Ok(Answer::Credentials(_)) => Err(StsError::BadAnswer {
            endpoint,
            status: resp.status,
            what: "credentials with an error status",
        }),
        Err(what) if resp.status >= 500 || resp.status == 429 => {
            Err(StsError::Http(OAuthError::Unavailable {
                endpoint,
                detail: format!("HTTP {} ({what})", resp.status),
            }))
        }
        Err(what) => Err(StsError::BadAnswer {
            endpoint,
            status: resp.status,
            what,
        }),
    }
}

/// What an STS answer says.
#[derive(Debug)]
pub enum Answer {
    Credentials(AwsCredentials),
    Error {
        code: String,
        message: Option<String>,
    },
}

/// Read an `AssumeRoleWithWebIdentityResponse` or an `ErrorResponse`.
pub fn parse(xml: &str) -> Result<Answer, &'static str> {
    if let Some(error) = element(xml, "Error") {
        let code = element(error, "Code")
            .map(text)
            .transpose()?
            .filter(|c| !c.is_empty() && c.len() <= 100)
            .ok_or("an error without a code")?;
        let message = element(error, "Message").map(text).transpose()?;
        return Ok(Answer::Error { code, message });
    }
    let result = element(xml, "AssumeRoleWithWebIdentityResult").ok_or("not an STS answer")?;
    let creds = element(result, "Credentials").ok_or("no Credentials")?;
    let leaf = |name: &'static str| -> Result<String, &'static str> {
        let v = text(element(creds, name).ok_or(name)?)?;
        if v.is_empty()
            || v.bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(name);
        }
        Ok(v)
    };
    let expiration = crate::time::parse_rfc3339(&leaf("Expiration")?).ok_or("Expiration")?;
    Ok(Answer::Credentials(AwsCredentials {
        access_key_id: CloudCredential::new(leaf("AccessKeyId")?),
        secret_access_key: CloudCredential::new(leaf("SecretAccessKey")?),
        session_token: CloudCredential::new(leaf("SessionToken")?),
        expiration,
    }))
}

/// The content of the first element `name` in `xml` (start tag with or without attributes).
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}");
    let mut from = 0;
    loop {
        let at = from + xml.get(from..)?.find(&open)?;
        let after = at + open.len();
        let rest = xml.get(after..)?;
        match rest.bytes().next()? {
            b'>' => {
                let inner = &rest[1..];
                let end = inner.find(&format!("</{name}>"))?;
                return Some(&inner[..end]);
            }
            b' ' | b'\t' | b'\r' | b'\n' => {
                let gt = rest.find('>')?;
                if rest[..gt].ends_with('/') {
                    return Some("");
                }
                let inner = &rest[gt + 1..];
                let end = inner.find(&format!("</{name}>"))?;
                return Some(&inner[..end]);
            }
            // `<CodeX>` is another element: look further.
            _ => from = after,
        }
    }
}

/// The text of a leaf element: the five predefined entities and character references decoded;
/// markup inside (a child element, CDATA, a comment) is refused.
fn text(raw: &str) -> Result<String, &'static str> {
    if raw.contains('<') {
        return Err("markup inside a value");
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp + 1..];
        let semi = tail.find(';').filter(|&i| i <= 10).ok_or("a bad entity")?;
        let c = match &tail[..semi] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            num => {
                let n = if let Some(hex) = num.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = num.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                n.and_then(char::from_u32).ok_or("a bad entity")?
            }
        };
        out.push(c);
        rest = &tail[semi + 1..];
    }
    out.push_str(rest);
    Ok(out.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY&amp;</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>SourceIdentityValue</SourceIdentity>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#;

    #[test]
    fn the_documented_answer_gives_the_three_keys_and_the_expiration() {
        let Ok(Answer::Credentials(c)) = parse(OK) else {
            panic!("not parsed")
        };
        assert_eq!(c.access_key_id.expose(), "ASgeIAIOSFODNN7EXAMPLE");
        assert_eq!(
            c.secret_access_key.expose(),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY&"
        );
        assert_eq!(
            c.session_token.expose(),
            "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE"
        );
        assert_eq!(c.expiration, 1_414_191_623);
        assert!(!format!("{c:?}").contains("wJalr"), "Debug is redacted");
    }

    #[test]
    fn an_error_answer_gives_its_code_and_message() {
        let xml = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>
  <Message>No OpenIDConnect provider found in your account for https://id.example.com/</Message></Error>
  <RequestId>x</RequestId></ErrorResponse>"#;
        let Ok(Answer::Error { code, message }) = parse(xml) else {
            panic!("not parsed")
        };
        assert_eq!(StsCode::parse(&code), StsCode::InvalidIdentityToken);
        assert!(message.unwrap().starts_with("No OpenIDConnect provider"));
        for (c, want) in [
            ("ExpiredTokenException", StsCode::ExpiredToken),
            ("AccessDenied", StsCode::AccessDenied),
            ("IDPRejectedClaim", StsCode::IdpRejectedClaim),
            ("Throttling", StsCode::Unavailable("Throttling".into())),
        ] {
            assert_eq!(StsCode::parse(c), want);
            assert_eq!(StsCode::parse(want.as_str()), want);
        }
    }

    #[test]
    fn anything_else_is_refused_not_guessed() {
        for bad in [
            "",
            "<html>502 Bad Gateway</html>",
            "{\"Credentials\":{}}",
            // A missing leaf, a leaf with markup, whitespace inside a key, a bad date.
            &OK.replace("<AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>", ""),
            &OK.replace("ASgeIAIOSFODNN7EXAMPLE", "<![CDATA[x]]>"),
            &OK.replace("ASgeIAIOSFODNN7EXAMPLE", "AS IA"),
            &OK.replace("2014-10-24T23:00:23Z", "tomorrow"),
            &OK.replace("&amp;", "&bogus;"),
            "<Error><Code></Code></Error>",
        ] {
            assert!(parse(bad).is_err(), "accepted: {bad}");
        }
    }

    #[test]
    fn elements_are_matched_by_whole_name() {
        assert_eq!(element("<CodeX>a</CodeX><Code>b</Code>", "Code"), Some("b"));
        assert_eq!(element("<Code a=\"1\">b</Code>", "Code"), Some("b"));
        assert_eq!(element("<Code/>", "Code"), None);
        assert_eq!(text("a&#x41;&#66;&lt;").unwrap(), "aAB<");
    }

    #[test]
    fn the_endpoint_follows_the_sdks_order() {
        let e = |a, b, c, d| endpoint(a, b, c, d).map(|u| u.to_string());
        let (sts, any, prof) = (
            Some("http://127.0.0.1:1/"),
            Some("http://127.0.0.1:2/"),
            Some("https://sts.example.com/"),
        );
        assert_eq!(
            e(sts, any, prof, Some("eu-west-1")).unwrap(),
            "http://127.0.0.1:1/"
        );
        assert_eq!(e(None, any, prof, None).unwrap(), "http://127.0.0.1:2/");
        assert_eq!(
            e(None, None, prof, None).unwrap(),
            "https://sts.example.com/"
        );
        assert_eq!(
            e(None, None, None, Some("eu-west-1")).unwrap(),
            "https://sts.eu-west-1.amazonaws.com/"
        );
        assert_eq!(e(None, None, None, None).unwrap(), GLOBAL_ENDPOINT);
        assert!(e(Some("http://sts.example.com/"), None, None, None).is_err());
        assert!(e(None, None, None, Some("eu/../x")).is_err());
    }

    #[test]
    fn the_form_names_the_query_api_fields() {
        let req = AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            session_name: "s".into(),
            duration: Some(900),
        };
        let f = form(&req, "tkn", "900");
        assert!(f.contains(&("Action", "AssumeRoleWithWebIdentity")));
        assert!(f.contains(&("Version", "2011-06-15")));
        assert!(f.contains(&("DurationSeconds", "900")));
        let req = AssumeRole {
            duration: None,
            ..req
        };
        assert!(
            !form(&req, "tkn", "")
                .iter()
                .any(|(k, _)| *k == "DurationSeconds")
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn escape(s: &str) -> String {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&apos;")
        }

        /// What STS may send as a key: no whitespace, no control character.
        fn key() -> impl Strategy<Value = String> {
            "[^\\s\\p{Cc}]{1,40}"
        }

        proptest! {
            /// `parse(render(x)) == x`: any three keys, escaped as XML escapes them, and any
            /// expiration from 1970 to 9999 come back exactly. See: issue 24.
            #[test]
            fn an_answer_reads_back_as_rendered(
                id in key(), secret in key(), session in key(), exp in 0i64..253_402_300_799,
            ) {
                let xml = format!(
                    "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
                     <SessionToken>{}</SessionToken><SecretAccessKey>{}</SecretAccessKey>\
                     <Expiration>{}</Expiration><AccessKeyId>{}</AccessKeyId>\
                     </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                    escape(&session), escape(&secret), crate::time::rfc3339(exp), escape(&id)
                );
                let Ok(Answer::Credentials(c)) = parse(&xml) else {
                    panic!("not read back: {xml}");
                };
                prop_assert_eq!(c.access_key_id.expose(), id.as_str());
                prop_assert_eq!(c.secret_access_key.expose(), secret.as_str());
                prop_assert_eq!(c.session_token.expose(), session.as_str());
                prop_assert_eq!(c.expiration, exp);
            }
        }
    }
}
