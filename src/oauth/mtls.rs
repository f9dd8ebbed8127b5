//! Mutual TLS client authentication (RFC 8705): the certificate and key a profile presents.
//!
//! A profile's `client_cert` (a PEM chain, leaf first) and `client_key` (a PEM private key) are
//! read when the first HTTPS client is built ([`super::tls::client_config`]), never on `print`'s
//! cached path. Before anything is sent tok checks that the certificate is within its validity
//! period and that the key belongs to it; errors name the certificate (path, subject, dates)
//! and the key's path, never the key.
//!
//! [`certified_key`] is the one place that turns a profile's setting into what rustls presents
//! (a [`CertifiedKey`]: the chain and an `Arc<dyn SigningKey>`). A key held elsewhere (a
//! PKCS#11 token) plugs in at [`signing_key`]: it returns any `SigningKey`, and the handshake
//! signs through it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::{CertifiedKey, SigningKey};

use super::OAuthError;
use super::x509::CertInfo;

/// How the server authenticates the client by its certificate (RFC 8705 §2.1, §2.2). tok
/// presents the certificate the same way for both; the server's registration differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `tls_client_auth`: a CA-issued certificate; the server matches its subject DN or a SAN.
    Pki,
    /// `self_signed_tls_client_auth`: the certificate is registered in the client's JWKS.
    SelfSigned,
}

impl Method {
    /// The metadata name (`token_endpoint_auth_method`), as the profile's `client_auth` says it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Pki => "tls_client_auth",
            Method::SelfSigned => "self_signed_tls_client_auth",
        }
    }

    pub fn from_name(s: &str) -> Option<Self> {
        [Method::Pki, Method::SelfSigned]
            .into_iter()
            .find(|m| m.name() == s)
    }
}

/// A profile's client certificate: the files, not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// PEM certificates, the leaf first (intermediates may follow).
    pub cert: PathBuf,
    /// The PEM private key (PKCS#8, SEC1 or PKCS#1); never readable by others.
    pub key: PathBuf,
    pub method: Method,
}

impl ClientCert {
    /// The key's `pkcs11:` URI when `client_key` names a key on a PKCS#11 token.
    pub fn token_uri(&self) -> Option<&str> {
        self.key.to_str().filter(|k| k.starts_with("pkcs11:"))
    }

    /// Whether the key is on a PKCS#11 token (the session opens it: [`TokenSigning`]).
    pub fn is_on_token(&self) -> bool {
        self.token_uri().is_some()
    }
}

/// A P-256 key on a PKCS#11 token as rustls signs the handshake with it (ECDSA with SHA-256,
/// the signature DER-encoded as TLS wants, where the token and JWS give `R || S`).
pub struct TokenSigning(Arc<std::sync::Mutex<super::pkcs11::TokenKey>>);

impl TokenSigning {
    pub fn of(key: super::pkcs11::TokenKey) -> Arc<dyn SigningKey> {
        Arc::new(Self(Arc::new(std::sync::Mutex::new(key))))
    }
}

impl std::fmt::Debug for TokenSigning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigning(PKCS#11 P-256)")
    }
}

impl SigningKey for TokenSigning {
    fn choose_scheme(
        &self,
        offered: &[rustls::SignatureScheme],
    ) -> Option<Box<dyn rustls::sign::Signer>> {
        offered
            .contains(&rustls::SignatureScheme::ECDSA_NISTP256_SHA256)
            .then(|| Box::new(TokenSigner(self.0.clone())) as Box<dyn rustls::sign::Signer>)
    }

    fn public_key(&self) -> Option<rustls::pki_types::SubjectPublicKeyInfoDer<'_>> {
        let key = self.0.lock().ok()?;
        Some(p256_spki(&key.x, &key.y).into())
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::ECDSA
    }
}

#[derive(Debug)]
struct TokenSigner(Arc<std::sync::Mutex<super::pkcs11::TokenKey>>);

impl rustls::sign::Signer for TokenSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let key = self
            .0
            .lock()
            .map_err(|_| rustls::Error::General("the token key is unusable".into()))?;
        let rs = key
            .sign(message)
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        ecdsa_der(&rs)
            .ok_or_else(|| rustls::Error::General("the token's signature is not P-256".into()))
    }

    fn scheme(&self) -> rustls::SignatureScheme {
        rustls::SignatureScheme::ECDSA_NISTP256_SHA256
    }
}

/// The DER `SEQUENCE { INTEGER r, INTEGER s }` TLS wants of a P-256 signature given as JWS's
/// `R || S` (the `p256` crate's encoder); `None` when `rs` is not a signature.
fn ecdsa_der(rs: &[u8]) -> Option<Vec<u8>> {
    let sig = p256::ecdsa::Signature::from_slice(rs).ok()?;
    Some(sig.to_der().as_bytes().to_vec())
}

/// The SubjectPublicKeyInfo DER of a P-256 public key.
fn p256_spki(x: &[u8; 32], y: &[u8; 32]) -> Vec<u8> {
    const PREFIX: &[u8] = &[
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
    ];
    [PREFIX, x, y].concat()
}

/// The chain and key `cc` names, checked: readable, valid at `now`, the key matching the
/// leaf. Call it only when a request is about to be made.
/// `on_token`: the key of a `client_key = "pkcs11:…"`, opened on its token by the caller.
pub fn certified_key(
    cc: &ClientCert,
    now: i64,
    on_token: Option<Arc<dyn SigningKey>>,
) -> Result<Arc<CertifiedKey>, OAuthError> {
    let chain = read_chain(&cc.cert)?;
    let info = CertInfo::parse(&chain[0])
        .ok_or_else(|| cert_error(&cc.cert, None, "it is not a valid X.509 certificate"))?;
    check_validity(&cc.cert, &info, now)?;
    let key = match on_token {
        Some(k) => k,
        None => signing_key(&cc.key, &cc.cert, &info)?,
    };
    let certified = CertifiedKey::new(chain, key);
    if let Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) =
        certified.keys_match()
    {
        let why = format!(
            "the key in {} does not belong to it (a key from another certificate?)",
            cc.key.display()
        );
        return Err(cert_error(&cc.cert, Some(&info), &why));
    }
    Ok(Arc::new(certified))
}

/// The leaf of `cc`'s certificate file, described (for `tok status`); reads no key.
pub fn describe(cc: &ClientCert) -> Result<CertInfo, OAuthError> {
    let chain = read_chain(&cc.cert)?;
    CertInfo::parse(&chain[0])
        .ok_or_else(|| cert_error(&cc.cert, None, "it is not a valid X.509 certificate"))
}

/// The signing key for the leaf described by `info`: today a PEM file. A PKCS#11 key
/// (issue 22) returns its own `SigningKey` here; the rest of the handshake is unchanged.
fn signing_key(
    key: &Path,
    cert: &Path,
    info: &CertInfo,
) -> Result<Arc<dyn SigningKey>, OAuthError> {
    let unusable = |why: String| cert_error(cert, Some(info), &why);
    let bytes = zeroize::Zeroizing::new(std::fs::read(key).map_err(|e| {
        unusable(format!(
            "cannot read its key {} ({})",
            key.display(),
            io_why(&e)
        ))
    })?);
    // Zeroized when dropped, like the file's bytes (the signing key keeps its own copy). The
    // parse error is not shown: it could quote the file.
    let der = zeroize::Zeroizing::new(PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| {
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        let encrypted = has(b"BEGIN ENCRYPTED PRIVATE KEY") || has(b"Proc-Type: 4,ENCRYPTED");
        unusable(if encrypted {
            format!(
                "its key {} is encrypted, and tok needs it unencrypted (`openssl pkey -in KEY -out PLAIN`, then `chmod 600 PLAIN`)",
                key.display()
            )
        } else {
            format!(
                "its key {} holds no PEM private key (`-----BEGIN PRIVATE KEY-----`)",
                key.display()
            )
        })
    })?);
    rustls::crypto::ring::sign::any_supported_type(&der).map_err(|_| {
        unusable(format!(
            "its key {} is of a type tok cannot sign with (use EC P-256/P-384, RSA or Ed25519)",
            key.display()
        ))
    })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, OAuthError> {
    let bytes = std::fs::read(path)
        .map_err(|e| cert_error(path, None, &format!("cannot read it ({})", io_why(&e))))?;
    let chain: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|_| cert_error(path, None, "it is not a valid PEM file"))?;
    if chain.is_empty() {
        return Err(cert_error(
            path,
            None,
            "it holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)",
        ));
    }
    Ok(chain)
}

/// An expired or not yet valid certificate is refused before anything is sent: the server
/// would refuse it with a less helpful message, or not at all.
fn check_validity(path: &Path, info: &CertInfo, now: i64) -> Result<(), OAuthError> {
    let dates = format!(
        "valid from {} to {}",
        crate::time::rfc3339(info.not_before),
        crate::time::rfc3339(info.not_after)
    );
    if now > info.not_after {
        return Err(cert_error(
            path,
            Some(info),
            &format!("it has expired ({dates})"),
        ));
    }
    if now < info.not_before {
        return Err(cert_error(
            path,
            Some(info),
            &format!("it is not valid yet ({dates}; check the clock)"),
        ));
    }
    Ok(())
}

fn cert_error(path: &Path, info: Option<&CertInfo>, problem: &str) -> OAuthError {
    OAuthError::ClientCert {
        path: path.to_path_buf(),
        subject: info.map(|i| i.subject.clone()),
        problem: problem.into(),
    }
}

fn io_why(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "it does not exist".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        k => k.to_string(),
    }
}

/// Presents the one certificate to every server that asks for one (a server that does not ask
/// gets none: TLS sends a client certificate only on request).
#[derive(Debug)]
pub struct Present(pub Arc<CertifiedKey>);

impl ResolvesClientCert for Present {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_signature_r_s_becomes_the_der_tls_verifies() {
        use ring::signature::{self, EcdsaKeyPair, KeyPair};
        let rng = ring::rand::SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
        let k = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            doc.as_ref(),
            &rng,
        )
        .unwrap();
        let public = signature::UnparsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_ASN1,
            k.public_key().as_ref().to_vec(),
        );
        // Many signatures: some R or S have the high bit set, some a leading zero byte.
        for i in 0..64u8 {
            let msg = [i; 10];
            let rs = k.sign(&rng, &msg).unwrap();
            public
                .verify(&msg, &ecdsa_der(rs.as_ref()).unwrap())
                .unwrap();
        }
        // The encoding itself: a high bit gets a 0x00, leading zeros go.
        let mut rs = [0u8; 64];
        rs[0] = 0x80;
        rs[63] = 0x01;
        let der = ecdsa_der(&rs).unwrap();
        assert_eq!(&der[..5], &[0x30, 38, 0x02, 33, 0x00]);
        assert_eq!(&der[der.len() - 3..], &[0x02, 1, 0x01]);
        // The SPKI rustls compares with the certificate's.
        let (x, y) = (
            &k.public_key().as_ref()[1..33],
            &k.public_key().as_ref()[33..],
        );
        let spki = p256_spki(x.try_into().unwrap(), y.try_into().unwrap());
        assert_eq!(spki.len(), 91);
        assert_eq!(spki[1] as usize, spki.len() - 2);
    }

    use super::*;

    /// `openssl req -x509 -new -key (P-256) -subj "/O=tok tests/CN=unit+UID=u1"
    /// -multivalue-rdn -days 1`: `openssl x509 -noout -dates` says Dec  7 16:33:21 2026 GMT to
    /// Dec  8 16:33:21 2026 GMT; the thumbprint is `openssl x509 -outform der | openssl dgst
    /// -sha256 -binary | basenc --base64url`.
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBwDCCAWWgAwIBAgIUP9UeU2WMClTVOJie4lc+RoLD1+IwCgYIKoZIzj0EAwIw
NTESMBAGA1UECgwJdG9rIHRlc3RzMR8wCwYDVQQDDAR1bml0MBAGCgmSJomT8ixk
AQEMAnUxMB4XDTI2MTIwNzE2MzMyMVoXDTI2MTIwODE2MzMyMVowNTESMBAGA1UE
CgwJdG9rIHRlc3RzMR8wCwYDVQQDDAR1bml0MBAGCgmSJomT8ixkAQEMAnUxMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8P/70epeUICTbRqlQVDiPcQWtN9wmnpz
Oysg4w3tatmiwTIIar00tuel/91gtGfSiS3y8z/5bAD/RzokvVsL06NTMFEwHQYD
VR0OBBYEFBNiI5+AwCCZs9dcI84EY/Zphrq3MB8GA1UdIwQYMBaAFBNiI5+AwCCZ
s9dcI84EY/Zphrq3MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
AM0tNh0ZhxlJ9CuUByNeLC+eAU4jLqH19dkHSKtDKroQAiEA0wdPJm9o2Hx4yOOx
OuDOgU0M9hYDTnO3towBbtw325A=
-----END CERTIFICATE-----
";

    #[test]
    fn a_certificate_is_named_by_subject_dates_and_thumbprint() {
        let der = CertificateDer::from_pem_slice(CERT.as_bytes()).unwrap();
        let info = CertInfo::parse(&der).unwrap();
        assert_eq!(info.subject, "CN=unit+UID=u1,O=tok tests");
        assert_eq!(info.not_before, 1_796_661_201);
        assert_eq!(info.not_after, 1_796_747_601);
        assert_eq!(
            info.thumbprint,
            "YYANhik-e5tM3rpULO_iqw46-gnvflEPXC2UoF8mx0s"
        );
        // Cut anywhere, the DER is refused, never read past its end.
        for n in 0..der.len() {
            let _ = CertInfo::parse(&der[..n]);
        }
        assert_eq!(CertInfo::parse(&der[..der.len() / 2]), None);
    }

    #[test]
    fn validity_is_checked_before_sending() {
        let der = CertificateDer::from_pem_slice(CERT.as_bytes()).unwrap();
        let info = CertInfo::parse(&der).unwrap();
        let p = Path::new("/c.pem");
        assert!(check_validity(p, &info, 1_796_700_000).is_ok());
        let e = check_validity(p, &info, 1_796_747_602)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("CN=unit+UID=u1,O=tok tests") && e.contains("/c.pem"),
            "{e}"
        );
        assert!(
            e.contains("has expired (valid from 2026-12-07T16:33:21Z to 2026-12-08T16:33:21Z)"),
            "{e}"
        );
        let e = check_validity(p, &info, 1_796_661_200)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not valid yet"), "{e}");
    }

    /// A key file that cannot be used is named, and its content never shown.
    #[test]
    fn an_unusable_key_is_named_never_shown() {
        let der = CertificateDer::from_pem_slice(CERT.as_bytes()).unwrap();
        let info = CertInfo::parse(&der).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        let e = signing_key(&key, &cert, &info).err().unwrap().to_string();
        assert!(
            e.contains("k.pem (it does not exist)") && e.contains("(CN=unit+UID=u1,O=tok tests)"),
            "{e}"
        );
        std::fs::write(
            &key,
            "-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let e = signing_key(&key, &cert, &info).err().unwrap().to_string();
        assert!(e.contains("is of a type tok cannot sign with"), "{e}");
        assert!(!e.contains("U0VDUkVU"), "{e}");
        std::fs::write(&key, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nU0VDUkVU\n-----END ENCRYPTED PRIVATE KEY-----\n").unwrap();
        let e = signing_key(&key, &cert, &info).err().unwrap().to_string();
        assert!(e.contains("is encrypted") && !e.contains("U0VDUkVU"), "{e}");
        std::fs::write(&key, "U0VDUkVU\n").unwrap();
        let e = signing_key(&key, &cert, &info).err().unwrap().to_string();
        assert!(
            e.contains("holds no PEM private key") && !e.contains("U0VDUkVU"),
            "{e}"
        );
    }
}
