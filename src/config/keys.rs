//! A DPoP key on a PKCS#11 token (RFC 7512 URI) and the module that reaches it (also the
//! client key's, when `client_key` is a `pkcs11:` URI), checked when the profile is read (the client's own key and certificate: `client_auth.rs`).

use std::path::PathBuf;

use super::{ConfigError, ProfileConfig, writers};

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
        let parsed = crate::oauth::Pkcs11Uri::parse(uri)
            .map_err(|e| invalid("dpop_key", format!("is not a PKCS#11 URI tok can use: {e}")))?;
        uri_module = parsed.module_path.map(PathBuf::from);
    }
    // The client's own key on a token (`client_key = "pkcs11:…"`, checked in client_auth.rs).
    if uri_module.is_none()
        && let Some(uri) = super::client_auth::token_client_key(raw)
    {
        uri_module = crate::oauth::Pkcs11Uri::parse(&uri)
            .ok()
            .and_then(|p| p.module_path.map(PathBuf::from));
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
