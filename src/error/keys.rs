//! The exit codes and hints of keys that live outside tok's memory: a PKCS#11 token's key
//! (its URI, module, PIN) and a signer that could not sign.

use super::{Code, Known};

/// The arm of [`super::map`] for these keys' errors.
pub(super) fn map(e: Known<'_>) -> (Code, Option<String>) {
    match e {
        Known::Pkcs11(e) => pkcs11(e),
        Known::Pkcs11Uri(e) => (Code::Usage, Some(uri_hint(e))),
        Known::Sign(e) => sign(e),
        _ => unreachable!("error::map sends only the keys' errors here"),
    }
}

/// How to look at a token from outside tok, for hints.
const LIST_OBJECTS: &str = "`pkcs11-tool --module MODULE --list-slots` and `pkcs11-tool --module MODULE -O` list the tokens and their objects";

fn pkcs11(e: &crate::oauth::Pkcs11Error) -> (Code, Option<String>) {
    use crate::oauth::Pkcs11Error as P;
    match e {
        P::Uri { problem, .. } => (Code::Usage, Some(uri_hint(problem))),
        P::NoModule { .. } => (
            Code::Usage,
            Some("name the PKCS#11 module with --pkcs11-module PATH (e.g. /usr/lib/softhsm/libsofthsm2.so), the profile's `pkcs11_module`, or the URI's `?module-path=`".into()),
        ),
        P::Module { .. } => (
            Code::Config,
            Some("check the module path: a PKCS#11 shared library readable by you (`--pkcs11-module` or the profile's `pkcs11_module`)".into()),
        ),
        P::NoToken { .. } => (
            Code::Config,
            Some(format!("check `token=` in the URI and that the token is present; {LIST_OBJECTS}")),
        ),
        P::NoKey { .. } => (
            Code::Config,
            Some(format!("check `object=`/`id=` in the URI, or make the key with `tok login … --generate-key`; {LIST_OBJECTS}")),
        ),
        P::Ambiguous { .. } => (
            Code::Config,
            Some(format!("name one key with `object=` (its label) or `id=`; {LIST_OBJECTS}")),
        ),
        P::NotP256 { .. } => (
            Code::Config,
            Some("tok signs with ES256: use a P-256 (secp256r1) EC key whose public key object is on the token".into()),
        ),
        P::PinIncorrect { .. } => (
            Code::Denied,
            Some("type the user PIN again (each wrong PIN counts toward the token's lock-out)".into()),
        ),
        P::PinLocked { .. } => (
            Code::Denied,
            Some("the token's security officer must unlock (reset) the user PIN".into()),
        ),
        P::PinNeeded { .. } => (
            Code::LoginRequired,
            Some("run the command at a terminal to type the PIN, or pipe it: `printf '%s\\n' \"$PIN\" | tok print -p NAME --pin-stdin`".into()),
        ),
        P::OtherKey { .. } => (
            Code::LoginRequired,
            Some("the session's tokens are bound to the key it was made with; run `tok login -p NAME` again".into()),
        ),
        P::Exists { .. } => (
            Code::Usage,
            Some("use the existing key (drop --generate-key), or name a new one with another `object=`".into()),
        ),
        P::Token { .. } => (
            Code::Failure,
            Some(format!("check that the token is present and working; {LIST_OBJECTS}")),
        ),
    }
}

pub(super) fn sign(e: &crate::oauth::SignError) -> (Code, Option<String>) {
    use crate::oauth::SignError as S;
    match e {
        S::Unavailable { .. } | S::Failed { .. } => (
            Code::Failure,
            Some(format!(
                "check that the key's token is present and working; {LIST_OBJECTS}"
            )),
        ),
    }
}

fn uri_hint(e: &crate::oauth::UriError) -> String {
    use crate::oauth::UriError as U;
    match e {
        U::PinInUri(_) => "remove `pin-value`/`pin-source` from the URI: tok asks for the PIN at the terminal, or reads it with --pin-stdin".into(),
        U::NotPkcs11
        | U::NoEquals(_)
        | U::Unknown(_)
        | U::Duplicate(_)
        | U::BadEncoding(_)
        | U::BadText(_)
        | U::BadValue(_) => "write the key as an RFC 7512 URI, e.g. `pkcs11:token=NAME;object=LABEL;type=private` (percent-encode `;`, `?`, `%` and spaces)".into(),
    }
}
