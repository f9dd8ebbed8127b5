//! Keys that never leave a hardware token, through PKCS#11 (a smart card, a YubiKey's
//! `ykcs11`, a TPM's `tpm2-pkcs11`, SoftHSM2 in tests): load the module, open a session on the
//! token a `pkcs11:` URI (RFC 7512) names, log in with the PIN, find the EC private key and its
//! public point, and sign with `CKM_ECDSA` over a SHA-256 digest. The private key stays on the
//! token: tok holds a session handle and an object handle, never the key. A key tok generates
//! is made on the token with `CKA_SENSITIVE` and without `CKA_EXTRACTABLE`.

mod uri;

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use sha2::{Digest, Sha256};

use crate::secret::Pin;
pub use uri::{ObjectType, Pkcs11Uri, UriError};

/// The DER of the P-256 curve's OID (1.2.840.10045.3.1.7): `CKA_EC_PARAMS` of an ES256 key.
const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Where a token's PIN comes from. Never argv, the environment or a file.
pub enum PinSource {
    /// Read once before (`--pin-stdin`).
    Given(Pin),
    /// Ask the person at the terminal, naming the token; `None` when nobody can be asked.
    Ask(fn(&str) -> Option<Pin>),
    /// No terminal and no PIN given: a token that needs a PIN cannot be used.
    Unavailable,
}

/// What went wrong with a PKCS#11 key. Names the key by its URI and the token by its label;
/// never holds the PIN.
#[derive(Debug, thiserror::Error)]
pub enum Pkcs11Error {
    /// Not echoed: a refused URI may hold a PIN (`pin-value`).
    #[error("the key is not a usable PKCS#11 URI: {problem}")]
    Uri { problem: UriError },
    #[error("no PKCS#11 module is named for `{key}`")]
    NoModule { key: String },
    #[error("cannot load the PKCS#11 module {}: {detail}", module.display())]
    Module { module: PathBuf, detail: String },
    #[error("no token matches `{key}` in the PKCS#11 module {}", module.display())]
    NoToken { key: String, module: PathBuf },
    #[error("no EC private key matches `{key}` on the token `{token}`")]
    NoKey { key: String, token: String },
    #[error("more than one private key matches `{key}` on the token `{token}`")]
    Ambiguous { key: String, token: String },
    #[error("the key `{key}` is not a P-256 key with its public key on the token")]
    NotP256 { key: String },
    #[error("the token `{token}` refused the PIN")]
    PinIncorrect { token: String },
    #[error("the PIN of the token `{token}` is locked")]
    PinLocked { token: String },
    #[error("the token `{token}` needs its PIN and there is no terminal to ask it on")]
    PinNeeded { token: String },
    #[error("the key `{key}` on the token `{token}` is not the key this session is bound to")]
    OtherKey { key: String, token: String },
    #[error("a key matching `{key}` already exists on the token `{token}`")]
    Exists { key: String, token: String },
    #[error("the token `{token}` failed ({op}): {detail}")]
    Token {
        token: String,
        op: &'static str,
        detail: String,
    },
}

/// A key found (or made) on a token, with a logged-in session to sign with.
pub struct TokenKey {
    session: Session,
    key: ObjectHandle,
    /// The uncompressed public point's coordinates.
    pub x: [u8; 32],
    pub y: [u8; 32],
    /// The token's label (`CKA_LABEL` of the token), for `tok status` and errors.
    pub token: String,
    uri: String,
}

/// `TokenKey(token `LABEL`)`: the token's label; the key never leaves the token.
impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenKey(token `{}`)", self.token)
    }
}

impl TokenKey {
    /// Find the EC private key `uri_text` names through `module`, logging in with `pin`.
    pub fn open(module: &Path, uri_text: &str, pin: &PinSource) -> Result<Self, Pkcs11Error> {
        let uri = parse(uri_text)?;
        let (session, token) = session(module, uri_text, &uri, pin, false)?;
        let found = session
            .find_objects(&private_template(&uri))
            .map_err(|e| fail(&token, "find the key", e))?;
        let key = match found.as_slice() {
            [] => {
                return Err(Pkcs11Error::NoKey {
                    key: uri_text.into(),
                    token,
                });
            }
            [one] => *one,
            _ => {
                return Err(Pkcs11Error::Ambiguous {
                    key: uri_text.into(),
                    token,
                });
            }
        };
        let (x, y) = public_point(&session, key, uri_text, &token)?;
        Ok(TokenKey {
            session,
            key,
            x,
            y,
            token,
            uri: uri_text.into(),
        })
    }

    /// Generate a P-256 key pair on the token, named by the URI's `object` (label) and `id`:
    /// `CKA_TOKEN`, `CKA_PRIVATE`, `CKA_SENSITIVE`, not `CKA_EXTRACTABLE`.
    pub fn generate(module: &Path, uri_text: &str, pin: &PinSource) -> Result<Self, Pkcs11Error> {
        let uri = parse(uri_text)?;
        if uri.object.is_none() && uri.id.is_none() {
            return Err(Pkcs11Error::Uri {
                problem: UriError::BadValue("object".into()),
            });
        }
        let (session, token) = session(module, uri_text, &uri, pin, true)?;
        let existing = session
            .find_objects(&private_template(&uri))
            .map_err(|e| fail(&token, "look for the key", e))?;
        if !existing.is_empty() {
            return Err(Pkcs11Error::Exists {
                key: uri_text.into(),
                token,
            });
        }
        let mut id = uri.id.clone().unwrap_or_default();
        if id.is_empty() {
            id = vec![0; 16];
            getrandom::fill(&mut id).expect("the OS random source is available");
        }
        let mut names = vec![Attribute::Id(id)];
        if let Some(label) = &uri.object {
            names.push(Attribute::Label(label.as_bytes().to_vec()));
        }
        let mut public = vec![
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(P256_PARAMS.to_vec()),
        ];
        public.extend(names.iter().cloned());
        let mut private = vec![
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ];
        private.extend(names);
        let (_, key) = session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(|e| fail(&token, "generate a key pair", e))?;
        let (x, y) = public_point(&session, key, uri_text, &token)?;
        Ok(TokenKey {
            session,
            key,
            x,
            y,
            token,
            uri: uri_text.into(),
        })
    }

    /// ES256: `CKM_ECDSA` over the SHA-256 digest of `input`; the token answers `R || S`.
    pub fn sign(&self, input: &[u8]) -> Result<Vec<u8>, super::signer::SignError> {
        let digest = Sha256::digest(input);
        let sig = self
            .session
            .sign(&Mechanism::Ecdsa, self.key, &digest)
            .map_err(|e| super::signer::SignError::Failed {
                key: self.uri.clone(),
                reason: ck_detail(&e),
            })?;
        if sig.len() != 64 {
            return Err(super::signer::SignError::Failed {
                key: self.uri.clone(),
                reason: format!("the token answered a {}-byte signature", sig.len()),
            });
        }
        Ok(sig)
    }
}

impl TokenKey {
    /// The public point's coordinates, base64url (the JWK's `x`, `y`).
    fn coordinates(&self) -> (String, String) {
        (
            URL_SAFE_NO_PAD.encode(self.x),
            URL_SAFE_NO_PAD.encode(self.y),
        )
    }
}

impl super::signer::JwsSigner for TokenKey {
    fn alg(&self) -> &'static str {
        "ES256"
    }
    fn public_jwk(&self) -> serde_json::Value {
        let (x, y) = self.coordinates();
        super::signer::p256_jwk(&x, &y)
    }
    fn thumbprint(&self) -> String {
        let (x, y) = self.coordinates();
        super::signer::p256_thumbprint(&x, &y)
    }
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, super::signer::SignError> {
        TokenKey::sign(self, signing_input)
    }
    fn location(&self) -> String {
        format!("{}, token `{}`", self.uri, self.token)
    }
}

fn parse(uri_text: &str) -> Result<Pkcs11Uri, Pkcs11Error> {
    let uri = Pkcs11Uri::parse(uri_text).map_err(|problem| Pkcs11Error::Uri { problem })?;
    if uri.object_type.is_some_and(|t| t != ObjectType::Private) {
        return Err(Pkcs11Error::Uri {
            problem: UriError::BadValue("type".into()),
        });
    }
    Ok(uri)
}

/// The module to load for `uri_text`: the one tok was told (`--pkcs11-module`, the profile's
/// `pkcs11_module`), else the URI's `module-path`.
pub fn module_for(uri_text: &str, told: Option<&Path>) -> Result<PathBuf, Pkcs11Error> {
    if let Some(m) = told {
        return Ok(m.to_path_buf());
    }
    match parse(uri_text)?.module_path {
        Some(p) => Ok(PathBuf::from(p)),
        None => Err(Pkcs11Error::NoModule {
            key: uri_text.into(),
        }),
    }
}

fn private_template(uri: &Pkcs11Uri) -> Vec<Attribute> {
    let mut t = vec![
        Attribute::Class(ObjectClass::PRIVATE_KEY),
        Attribute::KeyType(KeyType::EC),
    ];
    if let Some(label) = &uri.object {
        t.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        t.push(Attribute::Id(id.clone()));
    }
    t
}

/// Load the module, find the token the URI names, open a session on it and log in.
fn session(
    module: &Path,
    uri_text: &str,
    uri: &Pkcs11Uri,
    pin: &PinSource,
    write: bool,
) -> Result<(Session, String), Pkcs11Error> {
    let module_error = |detail: String| Pkcs11Error::Module {
        module: module.to_path_buf(),
        detail,
    };
    let ctx = Pkcs11::new(module).map_err(|e| module_error(ck_detail(&e)))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(module_error(ck_detail(&e))),
    }
    let slots = ctx
        .get_slots_with_token()
        .map_err(|e| module_error(ck_detail(&e)))?;
    let (slot, info) = slots
        .into_iter()
        .find_map(|slot| {
            let info = ctx.get_token_info(slot).ok()?;
            token_matches(&ctx, slot, &info, uri).then_some((slot, info))
        })
        .ok_or_else(|| Pkcs11Error::NoToken {
            key: uri_text.into(),
            module: module.to_path_buf(),
        })?;
    // Foreign text, shown in errors, prompts and `tok status`: one clean line.
    let token = crate::output::one_line(info.label().trim_end());
    let session = if write {
        ctx.open_rw_session(slot)
    } else {
        ctx.open_ro_session(slot)
    }
    .map_err(|e| fail(&token, "open a session", e))?;
    if info.login_required() {
        login(&session, &token, info.protected_authentication_path(), pin)?;
    }
    Ok((session, token))
}

fn token_matches(
    ctx: &Pkcs11,
    slot: Slot,
    info: &cryptoki::slot::TokenInfo,
    uri: &Pkcs11Uri,
) -> bool {
    let eq =
        |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have.trim_end());
    let slot_ok = uri.slot_id.is_none_or(|id| id == slot.id())
        && (uri.slot_description.is_none() && uri.slot_manufacturer.is_none()
            || ctx.get_slot_info(slot).is_ok_and(|s| {
                eq(&uri.slot_description, s.slot_description())
                    && eq(&uri.slot_manufacturer, s.manufacturer_id())
            }));
    slot_ok
        && eq(&uri.token, info.label())
        && eq(&uri.manufacturer, info.manufacturer_id())
        && eq(&uri.serial, info.serial_number())
        && eq(&uri.model, info.model())
}

/// `C_Login` as the user: through the token's own PIN pad or biometric (protected path), or
/// with the PIN from `pin`.
fn login(
    session: &Session,
    token: &str,
    protected: bool,
    pin: &PinSource,
) -> Result<(), Pkcs11Error> {
    let asked;
    let given = match pin {
        _ if protected => None,
        PinSource::Given(p) => Some(p),
        PinSource::Ask(ask) => {
            asked = ask(token).ok_or_else(|| Pkcs11Error::PinNeeded {
                token: token.into(),
            })?;
            Some(&asked)
        }
        PinSource::Unavailable => {
            return Err(Pkcs11Error::PinNeeded {
                token: token.into(),
            });
        }
    };
    // The boundary: the PIN goes to the token's module, nowhere else.
    let auth = given.map(|p| cryptoki::types::AuthPin::from(p.expose()));
    match session.login(UserType::User, auth.as_ref()) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
        Err(CkError::Pkcs11(
            RvError::PinIncorrect | RvError::PinLenRange | RvError::PinInvalid,
            _,
        )) => Err(Pkcs11Error::PinIncorrect {
            token: token.into(),
        }),
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => Err(Pkcs11Error::PinLocked {
            token: token.into(),
        }),
        Err(e) => Err(fail(token, "log in", e)),
    }
}

/// The public point of the private key `key`: from its public key object (same `CKA_ID`), or
/// the private key's own `CKA_EC_POINT` where the token keeps one there. P-256 only.
fn public_point(
    session: &Session,
    key: ObjectHandle,
    uri_text: &str,
    token: &str,
) -> Result<([u8; 32], [u8; 32]), Pkcs11Error> {
    let not_p256 = || Pkcs11Error::NotP256 {
        key: uri_text.into(),
    };
    let attrs = session
        .get_attributes(key, &[AttributeType::Id, AttributeType::EcParams])
        .map_err(|e| fail(token, "read the key", e))?;
    let mut id = None;
    for a in attrs {
        match a {
            Attribute::Id(v) => id = Some(v),
            Attribute::EcParams(p) if p != P256_PARAMS => return Err(not_p256()),
            _ => {}
        }
    }
    let mut template = vec![
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::KeyType(KeyType::EC),
    ];
    template.extend(id.map(Attribute::Id));
    let publics = session
        .find_objects(&template)
        .map_err(|e| fail(token, "find the public key", e))?;
    let holder = publics.first().copied().unwrap_or(key);
    let point = session
        .get_attributes(holder, &[AttributeType::EcPoint])
        .map_err(|e| fail(token, "read the public key", e))?
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => Some(p),
            _ => None,
        })
        .ok_or_else(not_p256)?;
    uncompressed(&point).ok_or_else(not_p256)
}

/// `CKA_EC_POINT`: an uncompressed point `04 || x || y`, DER-wrapped in an OCTET STRING (as
/// PKCS#11 says) or raw (as some modules answer).
fn uncompressed(point: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    let raw = match point {
        [0x04, 0x41, rest @ ..] if rest.len() == 65 => rest,
        raw if raw.len() == 65 => raw,
        _ => return None,
    };
    if raw[0] != 0x04 {
        return None;
    }
    Some((raw[1..33].try_into().ok()?, raw[33..].try_into().ok()?))
}

fn fail(token: &str, op: &'static str, e: CkError) -> Pkcs11Error {
    Pkcs11Error::Token {
        token: token.into(),
        op,
        detail: ck_detail(&e),
    }
}

/// A PKCS#11 error in one short line: the return value's name and the function.
fn ck_detail(e: &CkError) -> String {
    match e {
        CkError::Pkcs11(rv, function) => format!("{rv:?} from {function:?}"),
        CkError::LibraryLoading(e) => crate::output::one_line(&e.to_string()),
        other => crate::output::one_line(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ec_point_is_read_der_wrapped_or_raw() {
        let mut raw = vec![0x04];
        raw.extend([1u8; 32]);
        raw.extend([2u8; 32]);
        let mut der = vec![0x04, 0x41];
        der.extend(&raw);
        assert_eq!(uncompressed(&raw), Some(([1; 32], [2; 32])));
        assert_eq!(uncompressed(&der), Some(([1; 32], [2; 32])));
        assert_eq!(uncompressed(&raw[..64]), None);
        let mut compressed = raw.clone();
        compressed[0] = 0x02;
        assert_eq!(uncompressed(&compressed), None);
    }

    #[test]
    fn the_module_is_the_one_told_else_the_uris_module_path() {
        let told = Path::new("/usr/lib/softhsm/libsofthsm2.so");
        assert_eq!(
            module_for("pkcs11:object=k?module-path=/opt/m.so", Some(told)).unwrap(),
            told
        );
        assert_eq!(
            module_for("pkcs11:object=k?module-path=/opt/m.so", None).unwrap(),
            Path::new("/opt/m.so")
        );
        assert!(matches!(
            module_for("pkcs11:object=k", None),
            Err(Pkcs11Error::NoModule { .. })
        ));
        assert!(matches!(
            module_for("pkcs11:object=k;type=cert", None),
            Err(Pkcs11Error::Uri { .. })
        ));
    }
}
