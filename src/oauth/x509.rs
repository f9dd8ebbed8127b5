//! What tok reads of an X.509 certificate (RFC 5280): the leaf's subject and validity, to name
//! a client certificate in errors and `tok status`, and its RFC 8705 `x5t#S256` thumbprint.

/// What tok says about a certificate: its subject and validity, from the leaf's DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// RFC 4514 style, most specific first (`CN=client,O=Example`).
    pub subject: String,
    pub not_before: i64,
    pub not_after: i64,
    /// RFC 8705 §3.1 `x5t#S256`: base64url SHA-256 of the leaf's DER.
    pub thumbprint: String,
}

impl CertInfo {
    pub fn parse(der: &[u8]) -> Option<Self> {
        let (subject, not_before, not_after) = parse_tbs(der)?;
        Some(Self {
            subject,
            not_before,
            not_after,
            thumbprint: thumbprint(der),
        })
    }
}

/// RFC 8705 §3.1: the certificate's SHA-256 thumbprint, base64url without padding.
pub fn thumbprint(der: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der))
}

// A minimal DER reader for the three fields tok names (RFC 5280 §4.1): no crate in the tree
// exposes a certificate's subject or validity. Every read is bounds-checked; anything
// unexpected is `None` (the certificate is then "not a valid X.509 certificate").

/// One TLV: (tag, contents, the rest after it).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &x| (a << 8) | x as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// Subject, notBefore and notAfter of a certificate's TBSCertificate.
fn parse_tbs(der: &[u8]) -> Option<(String, i64, i64)> {
    let (0x30, cert, _) = tlv(der)? else {
        return None;
    };
    let (0x30, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    // [0] EXPLICIT version, optional.
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.2;
    }
    let (_serial, _, rest) = tlv(rest)?;
    let (_sig_alg, _, rest) = tlv(rest)?;
    let (_issuer, _, rest) = tlv(rest)?;
    let (0x30, validity, rest) = tlv(rest)? else {
        return None;
    };
    let (t1, nb, after) = tlv(validity)?;
    let (t2, na, _) = tlv(after)?;
    let (0x30, subject, _) = tlv(rest)? else {
        return None;
    };
    Some((name(subject)?, time(t1, nb)?, time(t2, na)?))
}

/// UTCTime (`YYMMDDHHMMSSZ`, RFC 5280: 50-99 are 19xx) or GeneralizedTime.
fn time(tag: u8, v: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(v).ok()?;
    let full = match (tag, s.len()) {
        (0x17, 13) => {
            let yy: u32 = s[..2].parse().ok()?;
            format!("{}{s}", if yy >= 50 { "19" } else { "20" })
        }
        (0x18, 15) => s.to_string(),
        _ => return None,
    };
    if !full.ends_with('Z') || !full[..14].bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let f = |a: usize, b: usize| &full[a..b];
    crate::time::parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        f(0, 4),
        f(4, 6),
        f(6, 8),
        f(8, 10),
        f(10, 12),
        f(12, 14)
    ))
}

/// An X.501 Name as RFC 4514 writes it: the last RDN first, `+` within an RDN.
fn name(mut rdns: &[u8]) -> Option<String> {
    let mut parts = vec![];
    while !rdns.is_empty() {
        let (0x31, mut set, rest) = tlv(rdns)? else {
            return None;
        };
        rdns = rest;
        let mut rdn = vec![];
        while !set.is_empty() {
            let (0x30, atv, rest) = tlv(set)? else {
                return None;
            };
            set = rest;
            let (0x06, oid, value) = tlv(atv)? else {
                return None;
            };
            let (_, value, _) = tlv(value)?;
            let value = crate::output::one_line(&String::from_utf8_lossy(value));
            rdn.push(format!("{}={value}", attribute(oid)));
        }
        parts.push(rdn.join("+"));
    }
    parts.reverse();
    Some(parts.join(","))
}

/// The short name of a common attribute type (RFC 4514 §3), else the dotted OID.
fn attribute(oid: &[u8]) -> String {
    match oid {
        [0x55, 0x04, 0x03] => "CN".into(),
        [0x55, 0x04, 0x06] => "C".into(),
        [0x55, 0x04, 0x07] => "L".into(),
        [0x55, 0x04, 0x08] => "ST".into(),
        [0x55, 0x04, 0x0a] => "O".into(),
        [0x55, 0x04, 0x0b] => "OU".into(),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC".into(),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID".into(),
        _ => dotted(oid),
    }
}

fn dotted(oid: &[u8]) -> String {
    let mut arcs: Vec<u64> = vec![];
    let mut acc: u64 = 0;
    for &b in oid {
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_der_reader_refuses_what_does_not_fit() {
        assert_eq!(tlv(&[0x30, 0x05, 1, 2]), None);
        assert_eq!(tlv(&[0x30, 0x82, 0x00]), None);
        assert_eq!(
            tlv(&[0x30, 0x02, 1, 2, 3]),
            Some((0x30, &[1u8, 2][..], &[3u8][..]))
        );
        assert_eq!(parse_tbs(b"not der"), None);
    }

    #[test]
    fn times_read_both_encodings() {
        assert_eq!(time(0x17, b"261207164000Z"), Some(1_796_661_600));
        assert_eq!(time(0x18, b"20261207164000Z"), Some(1_796_661_600));
        assert_eq!(time(0x17, b"991231235959Z"), Some(946_684_799));
        assert_eq!(time(0x17, b"2612071640Z"), None);
    }

    #[test]
    fn oids_have_short_names_or_dots() {
        assert_eq!(attribute(&[0x55, 0x04, 0x03]), "CN");
        // 1.2.840.113549.1.9.1 (emailAddress)
        assert_eq!(
            attribute(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]),
            "1.2.840.113549.1.9.1"
        );
    }
}
