//! The keys and certificates a profile names: a client certificate and its key for mutual TLS
//! (RFC 8705), a DPoP key on a PKCS#11 token (RFC 7512 URI) and the module that reaches it.
//! Checked when the profile is read; the files are not read here.

use std::path::PathBuf;

use url::Url;

use super::{ConfigError, ProfileConfig, writers};

/// A client certificate needs TLS, and its key must be private to the user.
pub(super) fn check_client_cert(
    name: &str,
    issuer: &Url,
    network: &crate::oauth::http::Network,
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
    writers::check_private_file(name, "client_key", &cc.key)
}

/// `client_cert`, `client_key` and `client_auth` (RFC 8705). The files are not read here.
pub(super) fn client_cert(
    raw: &ProfileConfig,
) -> Result<Option<crate::oauth::mtls::ClientCert>, (&'static str, String)> {
    use crate::oauth::mtls::{ClientCert, Method};
    let method = match raw.client_auth.as_deref() {
        None => None,
        Some(m) => Some(Method::from_name(m).ok_or_else(|| {
            let m = crate::output::one_line(m);
            let want = "\"tls_client_auth\" or \"self_signed_tls_client_auth\"";
            ("client_auth", format!("must be {want}, not {m:?}"))
        })?),
    };
    for (key, p) in [
        ("client_cert", &raw.client_cert),
        ("client_key", &raw.client_key),
    ] {
        if let Some(p) = p
            && !p.is_absolute()
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

/// `dpop_key` (a `pkcs11:` URI tok can use) and `pkcs11_module` (absolute, and not writable by
/// others: a module is code tok loads, which would run as the user).
pub(super) fn token_key(name: &str, raw: &ProfileConfig) -> Result<Option<String>, ConfigError> {
    let invalid = |key: &'static str, message: String| ConfigError::Invalid {
        profile: name.to_string(),
        key,
        message,
    };
    let mut uri_module = None;
    if let Some(uri) = &raw.dpop_key {
        let parsed = crate::oauth::pkcs11::Pkcs11Uri::parse(uri)
            .map_err(|e| invalid("dpop_key", format!("is not a PKCS#11 URI tok can use: {e}")))?;
        uri_module = parsed.module_path.map(PathBuf::from);
    }
    // The module tok will load: the profile's, else the URI's `module-path`.
    if let Some(module) = raw.pkcs11_module.as_ref().or(uri_module.as_ref()) {
        if !module.is_absolute() {
            return Err(invalid("pkcs11_module", "must be an absolute path".into()));
        }
        writers::check_trusted_file(name, "pkcs11_module", module)?;
    }
    Ok(raw.dpop_key.clone())
}
