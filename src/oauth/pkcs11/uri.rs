//! RFC 7512 `pkcs11:` URIs, parsed by a pure function (it is fuzzed): which token and which
//! object a key is, and the module to load. A PIN is never taken from a URI: `pin-value` and
//! `pin-source` are refused, since a URI travels in argv, config files and logs.

/// What an object is (`type=`, RFC 7512 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectType {
    Public,
    Private,
    Cert,
    SecretKey,
    Data,
}

/// A parsed `pkcs11:` URI. Absent attributes match anything; tok compares the token's and the
/// slot's attributes, the object's label, id and class. `library-*` are kept but not compared
/// (the module is named by the path tok loads).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Uri {
    pub token: Option<String>,
    pub manufacturer: Option<String>,
    pub serial: Option<String>,
    pub model: Option<String>,
    pub object: Option<String>,
    pub id: Option<Vec<u8>>,
    pub object_type: Option<ObjectType>,
    pub slot_id: Option<u64>,
    pub slot_description: Option<String>,
    pub slot_manufacturer: Option<String>,
    pub library_manufacturer: Option<String>,
    pub library_description: Option<String>,
    pub library_version: Option<String>,
    /// `module-path` (query): the absolute path of the PKCS#11 module.
    pub module_path: Option<String>,
    /// `module-name` (query): a module's name without path or suffix.
    pub module_name: Option<String>,
}

/// Why a text is not a `pkcs11:` URI tok can use. Never holds a PIN: the message names the
/// attribute, not its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error("a PKCS#11 URI starts with `pkcs11:`")]
    NotPkcs11,
    #[error("attribute `{0}` has no `=`")]
    NoEquals(String),
    #[error("attribute `{0}` is not a PKCS#11 URI attribute tok knows")]
    Unknown(String),
    #[error("attribute `{0}` is given twice")]
    Duplicate(String),
    #[error("attribute `{0}` has a bad percent-encoding")]
    BadEncoding(String),
    #[error("attribute `{0}` is not valid text (UTF-8 without control characters)")]
    BadText(String),
    #[error("attribute `{0}` has a value tok does not know")]
    BadValue(String),
    #[error("the URI holds a PIN (`{0}`); tok reads a PIN only from the terminal or --pin-stdin")]
    PinInUri(String),
}

impl Pkcs11Uri {
    /// Parse `text` (RFC 7512 §2.3). Path attributes are separated by `;`, query attributes by
    /// `&`; values are percent-decoded. An unknown path attribute is refused (tok could not
    /// match it, and ignoring it could pick another object); an unknown query attribute is
    /// ignored, as the RFC allows for vendor query attributes.
    pub fn parse(text: &str) -> Result<Self, UriError> {
        let rest = text
            .get(..7)
            .filter(|s| s.eq_ignore_ascii_case("pkcs11:"))
            .map(|_| &text[7..])
            .ok_or(UriError::NotPkcs11)?;
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let mut uri = Pkcs11Uri::default();
        for attr in path.split(';').filter(|a| !a.is_empty()) {
            let (name, value) = attr
                .split_once('=')
                .ok_or_else(|| UriError::NoEquals(printable(attr)))?;
            uri.path_attr(name, value)?;
        }
        for attr in query.into_iter().flat_map(|q| q.split('&')) {
            if attr.is_empty() {
                continue;
            }
            let (name, value) = attr
                .split_once('=')
                .ok_or_else(|| UriError::NoEquals(printable(attr)))?;
            uri.query_attr(name, value)?;
        }
        Ok(uri)
    }

    fn path_attr(&mut self, name: &str, value: &str) -> Result<(), UriError> {
        let slot = match name {
            "token" => &mut self.token,
            "manufacturer" => &mut self.manufacturer,
            "serial" => &mut self.serial,
            "model" => &mut self.model,
            "object" => &mut self.object,
            "slot-description" => &mut self.slot_description,
            "slot-manufacturer" => &mut self.slot_manufacturer,
            "library-manufacturer" => &mut self.library_manufacturer,
            "library-description" => &mut self.library_description,
            "library-version" => &mut self.library_version,
            "id" => return set(&mut self.id, name, decode(name, value)?),
            "type" => {
                let t = match text(name, value)?.as_str() {
                    "public" => ObjectType::Public,
                    "private" => ObjectType::Private,
                    "cert" => ObjectType::Cert,
                    "secret-key" => ObjectType::SecretKey,
                    "data" => ObjectType::Data,
                    _ => return Err(UriError::BadValue(name.into())),
                };
                return set(&mut self.object_type, name, t);
            }
            "slot-id" => {
                let v = text(name, value)?;
                let n = (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| v.parse::<u64>().ok())
                    .flatten()
                    .ok_or_else(|| UriError::BadValue(name.into()))?;
                return set(&mut self.slot_id, name, n);
            }
            "pin-value" | "pin-source" => return Err(UriError::PinInUri(name.into())),
            other => return Err(UriError::Unknown(printable(other))),
        };
        set(slot, name, text(name, value)?)
    }

    fn query_attr(&mut self, name: &str, value: &str) -> Result<(), UriError> {
        match name {
            "pin-value" | "pin-source" => Err(UriError::PinInUri(name.into())),
            "module-path" => set(&mut self.module_path, name, text(name, value)?),
            "module-name" => set(&mut self.module_name, name, text(name, value)?),
            _ => Ok(()),
        }
    }
}

fn set<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), UriError> {
    if slot.is_some() {
        return Err(UriError::Duplicate(name.into()));
    }
    *slot = Some(value);
    Ok(())
}

/// An attribute name as it may appear in a message: bounded, printable.
fn printable(name: &str) -> String {
    name.chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// RFC 3986 percent-decoding of one value, to bytes.
fn decode(name: &str, value: &str) -> Result<Vec<u8>, UriError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| UriError::BadEncoding(name.into()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// A decoded text value: UTF-8 without control characters.
fn text(name: &str, value: &str) -> Result<String, UriError> {
    String::from_utf8(decode(name, value)?)
        .ok()
        .filter(|s| !s.chars().any(char::is_control))
        .ok_or_else(|| UriError::BadText(name.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7512_examples_parse() {
        assert_eq!(Pkcs11Uri::parse("pkcs11:").unwrap(), Pkcs11Uri::default());
        let u = Pkcs11Uri::parse("pkcs11:object=my-pubkey;type=public").unwrap();
        assert_eq!(u.object.as_deref(), Some("my-pubkey"));
        assert_eq!(u.object_type, Some(ObjectType::Public));
        let u = Pkcs11Uri::parse(
            "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=",
        )
        .unwrap();
        assert_eq!(u.token.as_deref(), Some("The Software PKCS#11 Softtoken"));
        assert_eq!(u.manufacturer.as_deref(), Some("Snake Oil, Inc."));
        assert_eq!(u.model.as_deref(), Some("1.0"));
        assert_eq!(u.serial.as_deref(), Some(""));
        assert_eq!(u.object_type, Some(ObjectType::Cert));
        assert_eq!(
            u.id.as_deref(),
            Some(&[0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd, 0xec, 0x91][..])
        );
        let u = Pkcs11Uri::parse(
            "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
        )
        .unwrap();
        assert_eq!(u.module_path.as_deref(), Some("/mnt/libmypkcs11.so.1"));
        assert_eq!(u.object_type, Some(ObjectType::Private));
        let u = Pkcs11Uri::parse("pkcs11:object=my-sign-key;type=private?module-name=mypkcs11")
            .unwrap();
        assert_eq!(u.module_name.as_deref(), Some("mypkcs11"));
        let u = Pkcs11Uri::parse("pkcs11:slot-description=Sun%20Metaslot").unwrap();
        assert_eq!(u.slot_description.as_deref(), Some("Sun Metaslot"));
        let u = Pkcs11Uri::parse("pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23").unwrap();
        assert_eq!(u.library_version.as_deref(), Some("1.23"));
        let u = Pkcs11Uri::parse(
            "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
        )
        .unwrap();
        assert_eq!(u.token.as_deref(), Some("A name with a substring %;"));
        let u = Pkcs11Uri::parse(
            "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert",
        )
        .unwrap();
        assert_eq!(
            u.token.as_deref(),
            Some("Name with a small A with acute: \u{e1}")
        );
        let u = Pkcs11Uri::parse("pkcs11:slot-id=2;token=tok-test").unwrap();
        assert_eq!(u.slot_id, Some(2));
    }

    #[test]
    fn a_pin_in_the_uri_is_refused_without_echoing_it() {
        for text in [
            "pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
            "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin",
            "pkcs11:object=k;pin-value=the-pin",
        ] {
            let e = Pkcs11Uri::parse(text).unwrap_err();
            assert!(matches!(e, UriError::PinInUri(_)), "{text}: {e:?}");
            assert!(!e.to_string().contains("the-pin"), "{e}");
            assert!(!e.to_string().contains("/etc/token"), "{e}");
        }
    }

    #[test]
    fn unknown_path_attributes_are_refused_and_unknown_query_attributes_ignored() {
        assert_eq!(
            Pkcs11Uri::parse(
                "pkcs11:token=my-token;object=my-certificate;type=cert;vendor-aaa=value-a"
            ),
            Err(UriError::Unknown("vendor-aaa".into()))
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:Token=x"),
            Err(UriError::Unknown("Token".into()))
        );
        let u =
            Pkcs11Uri::parse("pkcs11:token=my-token?vendor-bbb=value-b&module-path=/m.so").unwrap();
        assert_eq!(u.token.as_deref(), Some("my-token"));
        assert_eq!(u.module_path.as_deref(), Some("/m.so"));
    }

    #[test]
    fn malformed_uris_say_what_is_wrong() {
        assert_eq!(Pkcs11Uri::parse("pkcs1:x"), Err(UriError::NotPkcs11));
        assert_eq!(Pkcs11Uri::parse("/path/key.pem"), Err(UriError::NotPkcs11));
        assert_eq!(
            Pkcs11Uri::parse("PKCS11:object=a")
                .unwrap()
                .object
                .as_deref(),
            Some("a")
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:object"),
            Err(UriError::NoEquals("object".into()))
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:object=a;object=b"),
            Err(UriError::Duplicate("object".into()))
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:object=a%2"),
            Err(UriError::BadEncoding("object".into()))
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:object=a%zz"),
            Err(UriError::BadEncoding("object".into()))
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:object=%0a"),
            Err(UriError::BadText("object".into()))
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:token=%ff"),
            Err(UriError::BadText("token".into()))
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:type=key"),
            Err(UriError::BadValue("type".into()))
        );
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:slot-id=-1"),
            Err(UriError::BadValue("slot-id".into()))
        );
        // A multi-byte character where the scheme would end is not a panic.
        assert_eq!(Pkcs11Uri::parse("pkcs1\u{e1}x"), Err(UriError::NotPkcs11));
        // The id is bytes: any byte is allowed.
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:id=%00%ff").unwrap().id,
            Some(vec![0, 0xff])
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// An attribute from the RFC's names, PIN names and others, with any value.
        fn attribute() -> impl Strategy<Value = String> {
            let name = prop_oneof![
                Just("token"),
                Just("object"),
                Just("id"),
                Just("type"),
                Just("slot-id"),
                Just("pin-value"),
                Just("pin-source"),
                Just("module-path"),
                Just("x-vendor"),
            ];
            (name, "[ -~\\u{0}-\\u{1f}\\u{e1}]{0,6}|%[0-9a-fA-F]{0,2}")
                .prop_map(|(n, v)| format!("{n}={v}"))
        }

        proptest! {
            /// The properties of fuzz/fuzz_targets/pkcs11_uri.rs, on every `cargo test`: no
            /// panic; a PIN attribute is never accepted; accepted text has no controls; an
            /// error is one short line.
            #[test]
            fn a_pin_is_never_accepted_and_text_is_clean(
                path in prop::collection::vec(attribute(), 0..4),
                query in prop::collection::vec(attribute(), 0..3),
            ) {
                let text = format!("pkcs11:{}?{}", path.join(";"), query.join("&"));
                // As the RFC's grammar splits the text (a `?` in a value starts the query).
                let rest = &text["pkcs11:".len()..];
                let (p, q) = rest.split_once('?').unwrap_or((rest, ""));
                let names_pin = p.split(';').chain(q.split('&')).any(|a| {
                    a.split_once('=').is_some_and(|(n, _)| n == "pin-value" || n == "pin-source")
                });
                match Pkcs11Uri::parse(&text) {
                    Ok(uri) => {
                        prop_assert!(!names_pin, "accepted {text:?}");
                        for v in [&uri.token, &uri.object, &uri.module_path].into_iter().flatten() {
                            prop_assert!(!v.chars().any(char::is_control), "{v:?}");
                        }
                    }
                    Err(e) => {
                        let m = e.to_string();
                        prop_assert!(!m.contains('\n') && m.len() < 160, "{m}");
                    }
                }
            }
        }
    }
}
