//! An RFC 7512 `pkcs11:` URI (`--dpop-key`, the profile's `dpop_key`): typed by a user or pasted
//! from a tool's listing, and written into config files and status lines.
//!
//! Checks: parsing never panics; a URI naming `pin-value` or `pin-source` as an attribute is
//! always refused (a PIN never comes from a URI); every text attribute of an accepted URI is
//! free of control characters (it reaches terminals and one-line errors); an error message is
//! one short line that never repeats the input's values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{Pkcs11Uri, Pkcs11UriError};

/// Whether `text` names a PIN attribute in its path or query, as the RFC's grammar splits them.
fn names_a_pin(text: &str) -> bool {
    let Some(rest) = text.get(7..) else {
        return false;
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    path.split(';')
        .chain(query.split('&'))
        .filter_map(|a| a.split_once('=').map(|(name, _)| name))
        .any(|name| name == "pin-value" || name == "pin-source")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Pkcs11Uri::parse(text) {
        Ok(uri) => {
            assert!(!names_a_pin(text), "a URI with a PIN was accepted");
            for value in [
                &uri.token,
                &uri.manufacturer,
                &uri.serial,
                &uri.model,
                &uri.object,
                &uri.slot_description,
                &uri.slot_manufacturer,
                &uri.library_manufacturer,
                &uri.library_description,
                &uri.library_version,
                &uri.module_path,
                &uri.module_name,
            ]
            .into_iter()
            .flatten()
            {
                assert!(!value.chars().any(char::is_control), "{value:?}");
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n') && message.len() < 160, "{message}");
            if let Pkcs11UriError::PinInUri(name) = &e {
                assert!(name == "pin-value" || name == "pin-source", "{name}");
            }
        }
    }
});
