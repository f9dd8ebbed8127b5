//! A profile's client authentication without a shared secret: `client_auth` with
//! `private_key_jwt` (RFC 7523 §2.2) and its `client_key`, or mutual TLS (RFC 8705) with
//! `client_cert` and `client_key`. The key files are checked (private to the user), not read.

use url::Url;

use super::{ConfigError, ProfileConfig, writers};

/// The mutual TLS files' and the private_key_jwt key's checks, and the private_key_jwt
/// settings; `network` already holds the client certificate.
pub(super) fn checked(
    name: &str,
    raw: &ProfileConfig,
    issuer: &Url,
    network: &crate::oauth::Network,
) -> Result<Option<crate::oauth::PrivateKeyJwt>, ConfigError> {
    check_client_cert(name, issuer, network)?;
    let pk = private_key_jwt(raw).map_err(|(key, message)| ConfigError::Invalid {
        profile: name.to_string(),
        key,
        message,
    })?;
    if let Some(file) = pk.as_ref().and_then(|p| p.key_file.as_ref()) {
        writers::check_private_file(name, "client_key", file)?;
    }
    Ok(pk)
}

/// `client_auth` and the keys that go with it; a refusal names its key.
fn private_key_jwt(
    raw: &ProfileConfig,
) -> Result<Option<crate::oauth::PrivateKeyJwt>, (&'static str, String)> {
    use crate::oauth::{AssertionAudience as Audience, KeyAlg as Alg, PrivateKeyJwt};
    match raw.client_auth.as_deref() {
        Some("private_key_jwt") => {}
        // Mutual TLS, none, or a value `client_cert` refuses by name.
        _ => return Ok(None),
    }
    let alg = match raw.client_key_alg.as_deref() {
        None => Alg::default(),
        Some(a) => {
            Alg::parse(a).ok_or(("client_key_alg", "must be ES256, EdDSA or RS256".into()))?
        }
    };
    let aud = match raw.client_assertion_aud.as_deref() {
        None => Audience::default(),
        Some(a) => Audience::parse(a).ok_or((
            "client_assertion_aud",
            "must be \"issuer\" or \"token-endpoint\"".into(),
        ))?,
    };
    let token_key = token_client_key(raw);
    if let Some(uri) = &token_key {
        use crate::oauth::{Pkcs11ObjectType as ObjectType, Pkcs11Uri};
        let parsed = Pkcs11Uri::parse(uri).map_err(|e| {
            let m = format!("is not a PKCS#11 URI tok can use: {e}");
            ("client_key", m)
        })?;
        if parsed.object_type.is_some_and(|t| t != ObjectType::Private) {
            let m = "is not a PKCS#11 URI tok can use: it must name a private key (`type=private`)";
            return Err(("client_key", m.into()));
        }
        if alg != Alg::ES256 {
            let m = "must be ES256 for a key on a PKCS#11 token (P-256)";
            return Err(("client_key_alg", m.into()));
        }
    } else if let Some(f) = &raw.client_key
        && !f.is_absolute()
    {
        return Err(("client_key", "must be an absolute path".into()));
    }
    if raw.workload_identity.is_some() && raw.client_key.is_none() {
        let m = "is needed with `workload_identity` (nothing is stored for such a profile)";
        return Err(("client_key", m.into()));
    }
    if raw.workload_identity.is_some() && raw.exchange.as_deref() == Some("client-assertion") {
        let m = "client-assertion presents the CI token as the client's assertion: with \
                 `client_auth = \"private_key_jwt\"`, use token-exchange or jwt-bearer";
        return Err(("exchange", m.into()));
    }
    if alg == Alg::RS256 && raw.client_key.is_none() {
        let m = "RS256 keys cannot be generated: give one as `client_key` (a PKCS#8 PEM file)";
        return Err(("client_key_alg", m.into()));
    }
    Ok(Some(PrivateKeyJwt {
        key_file: raw.client_key.clone().filter(|_| token_key.is_none()),
        token_key,
        alg,
        aud,
    }))
}

/// `client_key` when it names a key on a PKCS#11 token (`pkcs11:…`) rather than a file.
pub(super) fn token_client_key(raw: &ProfileConfig) -> Option<String> {
    let text = raw.client_key.as_ref()?.to_str()?;
    text.starts_with("pkcs11:").then(|| text.to_string())
}

/// A client certificate needs TLS, and its key must be private to the user.
fn check_client_cert(
    name: &str,
    issuer: &Url,
    network: &crate::oauth::Network,
) -> Result<(), ConfigError> {
    let Some(cc) = &network.trust.client_cert else {
        return Ok(());
    };
    if issuer.scheme() != "https" {
        return Err(ConfigError::Invalid {
            profile: name.to_string(),
            key: "client_cert",
            message: "needs an https issuer (mutual TLS)".into(),
        });
    }
    if cc.is_on_token() {
        // Not a file: the key stays on its token (its module is checked in keys.rs).
        return Ok(());
    }
    writers::check_private_file(name, "client_key", &cc.key)
}

/// `client_cert`, `client_key` and `client_auth` (RFC 8705). The files are not read here.
pub(super) fn client_cert(
    raw: &ProfileConfig,
) -> Result<Option<crate::oauth::ClientCert>, (&'static str, String)> {
    use crate::oauth::{CertMethod as Method, ClientCert};
    let method = match raw.client_auth.as_deref() {
        None | Some("none") => None,
        // The client's key signs assertions: no certificate goes with it.
        Some("private_key_jwt") if raw.client_cert.is_some() => {
            let m = "is for mutual TLS: with `client_auth = \"private_key_jwt\"`, remove it";
            return Err(("client_cert", m.into()));
        }
        Some("private_key_jwt") => return Ok(None),
        Some(m) => Some(Method::from_name(m).ok_or_else(|| {
            let m = crate::output::one_line(m);
            let want = "\"private_key_jwt\", \"tls_client_auth\", \"self_signed_tls_client_auth\" or \"none\"";
            ("client_auth", format!("must be {want}, not {m:?}"))
        })?),
    };
    for (key, p) in [
        ("client_cert", &raw.client_cert),
        ("client_key", &raw.client_key),
    ] {
        if let Some(p) = p
            && !p.is_absolute()
            && !(key == "client_key" && token_client_key(raw).is_some())
        {
            return Err((key, format!("must be an absolute path: {}", p.display())));
        }
    }
    match (&raw.client_cert, &raw.client_key) {
        (Some(cert), Some(key)) => Ok(Some(ClientCert {
            cert: cert.clone(),
            key: key.clone(),
            method: method.unwrap_or(Method::Pki),
        })),
        (None, None) if method.is_some() => {
            Err(("client_auth", "needs `client_cert` and `client_key`".into()))
        }
        (None, None) => Ok(None),
        (Some(_), None) => Err(("client_cert", "needs `client_key` (its private key)".into())),
        (None, Some(_)) => Err(("client_key", "needs `client_cert` (its certificate)".into())),
    }
}
