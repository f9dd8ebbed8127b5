//! Redacting wrappers for every token tok handles.
//!
//! A token is wrapped from the moment it is parsed. `Debug` prints `REDACTED`, there is no
//! `Display`, and the memory is zeroized on drop. `expose()` is the boundary where a value stops
//! being hidden: `grep -rn expose src/` lists every place a token leaves tok (the keychain or file
//! write, the HTTP request, the stdout of `print` and the helpers, `exec`'s child environment, and
//! the hashes a protocol asks for); emptiness checks and copies have their own methods, and
//! `tidy::secrets_are_exposed_only_at_the_boundaries` holds the list.

use std::collections::BTreeSet;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serializer};
use sha2::{Digest, Sha256};

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(SecretString);

        impl $name {
            /// Wrap a value received from a server, a store or a user.
            pub fn new(value: impl Into<String>) -> Self {
                let value = value.into();
                hold(&value);
                Self(SecretString::from(value))
            }

            /// The raw value. Every call site is a place where the secret leaves tok on purpose.
            pub fn expose(&self) -> &str {
                self.0.expose_secret()
            }

            /// A short SHA-256 fingerprint, safe to log, store in state files and compare.
            // Generated for every secret type; a type that is never logged or compared (a CI
            // identity token) does not use these two.
            #[allow(dead_code)]
            pub fn fingerprint(&self) -> String {
                fingerprint(self.expose())
            }

            /// Whether the value is empty (a server's blank field), without exposing it.
            #[allow(dead_code)]
            pub fn is_empty(&self) -> bool {
                self.expose().is_empty()
            }

            /// A second holder of the same value (for a type that is deliberately not
            /// `Clone`, a visible decision at the call site), without exposing it.
            #[allow(dead_code)]
            pub fn duplicate(&self) -> Self {
                Self::new(self.expose().to_owned())
            }

            /// Whether two secrets hold the same value, without exposing either to a caller.
            #[allow(dead_code)]
            pub fn same_as(&self, other: &Self) -> bool {
                self.expose() == other.expose()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "(REDACTED)"))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::new)
            }
        }
    };
}

secret_type!(
    /// A short-lived OAuth access token (RFC 6749 §1.4).
    AccessToken
);
secret_type!(
    /// A long-lived refresh token (RFC 6749 §1.5). Deliberately not `Clone`: one owner at a time.
    RefreshToken
);
secret_type!(
    /// A confidential client's secret, read from the environment or stdin, never from argv.
    ClientSecret
);
secret_type!(
    /// Random one-time values of a login: PKCE verifier, authorization code, device code.
    Ephemeral
);
secret_type!(
    /// A CI job's identity token (a JWT signed by the CI platform), presented to the token
    /// endpoint in a workload identity exchange. Never stored: fetched or re-read each time.
    IdentityToken
);
secret_type!(
    /// The bearer credential a CI platform gives a job to ask for identity tokens
    /// (GitHub Actions' `ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
    CiRequestToken
);

secret_type!(
    /// A part of a cloud provider's temporary credentials (AWS STS's access key id, secret
    /// access key and session token), obtained with the session's token and kept only in the
    /// private cache until it nears expiry.
    CloudCredential
);

secret_type!(
    /// A hardware token's PIN (PKCS#11 `C_Login`), read from the terminal or `--pin-stdin`, never
    /// from argv, the environment or a file; it goes to the token's module and nowhere else.
    Pin
);

secret_type!(
    /// An OpenID Connect ID token (a JWT naming the person), validated before it is kept.
    IdToken
);

secret_type!(
    /// The bearer credential of a dynamic client registration (RFC 7591 §3.2.1
    /// `registration_access_token`), kept in the session store to read or delete the
    /// registration (RFC 7592).
    RegistrationToken
);

impl Clone for IdToken {
    fn clone(&self) -> Self {
        self.duplicate()
    }
}

impl Clone for CloudCredential {
    fn clone(&self) -> Self {
        self.duplicate()
    }
}

impl Clone for AccessToken {
    fn clone(&self) -> Self {
        self.duplicate()
    }
}

/// Hashes of every secret this process has wrapped, by length in bytes: what
/// [`redact_held`] looks for. Only digests are kept, so the set holds no secret and outlives
/// none; it is process-wide because a provider's text may echo any token tok holds, whichever
/// part of tok wrapped it. A set, so that adding and looking up stay cheap however many
/// secrets a long-lived process (or a fuzz target) has wrapped.
static HELD: std::sync::Mutex<BTreeSet<(usize, [u8; 32])>> = std::sync::Mutex::new(BTreeSet::new());

/// Shorter values are not tokens (codes in tests, user codes): treating them as secrets would
/// blank ordinary words in messages.
const MIN_HELD_LEN: usize = 12;

fn hold(value: &str) {
    if value.len() < MIN_HELD_LEN {
        return;
    }
    let entry = (value.len(), Sha256::digest(value.as_bytes()).into());
    HELD.lock().unwrap_or_else(|e| e.into_inner()).insert(entry);
}

/// Forget every secret [`redact_held`] looks for. Only the fuzz targets call this: each of
/// their inputs stands for one tok process, and a set grown over millions of inputs would make
/// every later message scan for millions of lengths (issue 24: the `callback` target slowed to
/// 3,300 inputs a second).
pub fn forget_held() {
    HELD.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

/// `text` with every substring equal to a secret this process holds replaced by a marker.
pub fn redact_held(text: &str) -> String {
    let held = HELD.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut lens: Vec<usize> = held.iter().map(|(l, _)| *l).collect();
    lens.sort_unstable_by(|a, b| b.cmp(a));
    lens.dedup();
    if lens.is_empty() {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'scan: while i < bytes.len() {
        // `i` only ever advances by whole characters or whole matches of valid UTF-8.
        for &len in &lens {
            let Some(window) = bytes.get(i..i + len) else {
                continue;
            };
            let digest: [u8; 32] = Sha256::digest(window).into();
            if held.contains(&(len, digest)) {
                out.push_str("[a token tok holds]");
                i += len;
                continue 'scan;
            }
        }
        let c = text[i..]
            .chars()
            .next()
            .expect("i is a char boundary below len");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// A short, non-reversible fingerprint of a secret: the first 12 hex digits of its SHA-256.
pub fn fingerprint(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// `#[serde(serialize_with = "secret::serialize")]` for the store's own records: the one place a
/// secret is serialized, so that no other `Serialize` derive can write a token by accident.
pub fn serialize<S: Serializer, T: Exposed>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(value.raw())
}

/// `serialize_with` for optional secrets.
pub fn serialize_opt<S: Serializer, T: Exposed>(
    value: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_some(v.raw()),
        None => s.serialize_none(),
    }
}

/// Access to the raw value for the serializers above.
pub trait Exposed {
    fn raw(&self) -> &str;
}

impl<T: Exposed + ?Sized> Exposed for &T {
    fn raw(&self) -> &str {
        (**self).raw()
    }
}

macro_rules! exposed {
    ($($t:ty),*) => {$(impl Exposed for $t { fn raw(&self) -> &str { self.expose() } })*};
}
exposed!(
    AccessToken,
    RefreshToken,
    ClientSecret,
    CloudCredential,
    IdToken,
    RegistrationToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = AccessToken::new("eyJ-super-secret");
        assert_eq!(format!("{t:?}"), "AccessToken(REDACTED)");
        let r = RefreshToken::new("rt-secret");
        assert!(!format!("{:?}", Some(r)).contains("rt-secret"));
    }

    #[test]
    fn fingerprint_is_stable_and_short() {
        assert_eq!(fingerprint("abc"), "ba7816bf8f01");
        assert_eq!(AccessToken::new("abc").fingerprint(), "ba7816bf8f01");
    }
}
