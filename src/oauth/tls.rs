//! Whom tok trusts over TLS, and what a refused certificate is called.
//!
//! The roots are the platform's (on Linux the system bundle, or `SSL_CERT_FILE` /
//! `SSL_CERT_DIR`), plus a profile's `ca_file` (a PEM bundle), or only that file with
//! `ca_only = true`. The file is read when the first HTTPS client is built, which happens only
//! when a request is about to be made: `print`'s cached path never reads it.
//!
//! A refused certificate is named, not retried: [`problem_in`] walks an error's source chain to
//! the rustls `InvalidCertificate` and says which of [`CertProblem`] it is. webpki reports a
//! self-signed leaf as "unknown issuer"; the verifier here tells the two apart (only on the
//! failure path) by checking the leaf against itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::OAuthError;

/// Extra trust from a profile: `ca_file` and `ca_only`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    /// A PEM bundle of CA certificates.
    pub ca_file: Option<PathBuf>,
    /// Trust only `ca_file`, not the system roots.
    pub ca_only: bool,
    /// The certificate presented to servers that ask for one (RFC 8705 mutual TLS).
    pub client_cert: Option<super::mtls::ClientCert>,
}

/// Why a server's certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertProblem {
    /// Signed by a CA tok does not trust (a private CA, or a TLS-inspecting proxy's).
    UnknownIssuer,
    /// The leaf signed itself.
    SelfSigned,
    Expired,
    NotYetValid,
    /// Valid, but for other names than the host tok asked for.
    WrongHost,
    Revoked,
    /// Anything else rustls refuses (bad signature, bad encoding, wrong usage…).
    Other(String),
}

impl std::fmt::Display for CertProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertProblem::UnknownIssuer => f.write_str("it is signed by an unknown issuer"),
            CertProblem::SelfSigned => f.write_str("it is self-signed"),
            CertProblem::Expired => f.write_str("it has expired"),
            CertProblem::NotYetValid => f.write_str("it is not valid yet (check the clock)"),
            CertProblem::WrongHost => f.write_str("it is not valid for this host name"),
            CertProblem::Revoked => f.write_str("it has been revoked"),
            CertProblem::Other(s) => write!(f, "{s}"),
        }
    }
}

/// The certificate problem in `err`'s source chain, if any. I/O errors hide their payload
/// from `source()` (it returns the payload's own source), so each one is opened by hand.
pub fn problem_in(err: &(dyn std::error::Error + 'static)) -> Option<CertProblem> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return classify(r);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            // The payload may be another I/O error (hyper-util wraps tokio-rustls's).
            next = Some(inner);
            continue;
        }
        next = e.source();
    }
    None
}

fn classify(e: &rustls::Error) -> Option<CertProblem> {
    use CertificateError as C;
    let rustls::Error::InvalidCertificate(c) = e else {
        return None;
    };
    Some(match c {
        C::UnknownIssuer => CertProblem::UnknownIssuer,
        C::Other(o) if o.0.downcast_ref::<SelfSigned>().is_some() => CertProblem::SelfSigned,
        C::Expired | C::ExpiredContext { .. } => CertProblem::Expired,
        C::NotValidYet | C::NotValidYetContext { .. } => CertProblem::NotYetValid,
        C::NotValidForName | C::NotValidForNameContext { .. } => CertProblem::WrongHost,
        C::Revoked => CertProblem::Revoked,
        C::Other(o) => CertProblem::Other(format!("it is invalid ({})", o.0)),
        other => CertProblem::Other(format!("it is invalid ({other})")),
    })
}

/// The marker a [`Naming`] verifier puts into `CertificateError::Other`; it reaches users only
/// as [`CertProblem::SelfSigned`] inside `OAuthError::Certificate`.
#[derive(Debug)]
pub struct SelfSigned;

impl std::fmt::Display for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("self-signed certificate")
    }
}

impl std::error::Error for SelfSigned {}

/// The rustls configuration for `trust`: reads `ca_file` (so call it only when a request is
/// about to be made) and loads the platform roots unless `ca_only`.
pub fn client_config(
    trust: &Trust,
    on_token: Option<Arc<dyn rustls::sign::SigningKey>>,
) -> Result<rustls::ClientConfig, OAuthError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let extra = match &trust.ca_file {
        Some(path) => read_ca_file(path)?,
        None => vec![],
    };
    let tls_error = |e: rustls::Error| OAuthError::Unavailable {
        endpoint: "TLS setup".into(),
        detail: e.to_string(),
    };
    let inner: Arc<dyn ServerCertVerifier> = if trust.ca_only {
        let mut roots = RootCertStore::empty();
        let (added, _) = roots.add_parsable_certificates(extra);
        if added == 0 {
            return Err(ca_error(
                trust.ca_file.as_deref(),
                "it holds no usable CA certificate",
            ));
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| tls_error(rustls::Error::General(e.to_string())))?
    } else {
        Arc::new(
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
                .map_err(|e| match &trust.ca_file {
                    // The platform's own roots are skipped when unparsable; an error here is
                    // about the extra roots.
                    Some(p) => ca_error(Some(p), &format!("a certificate in it is unusable ({e})")),
                    None => tls_error(e),
                })?,
        )
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Naming { inner, provider }));
    Ok(match &trust.client_cert {
        // A key on a token not opened yet (discovery, before the session opens it): no
        // certificate on this connection; the session opens it before any client request.
        Some(cc) if cc.is_on_token() && on_token.is_none() => builder.with_no_client_auth(),
        Some(cc) => {
            let key = super::mtls::certified_key(cc, crate::time::now(), on_token)?;
            builder.with_client_cert_resolver(Arc::new(super::mtls::Present(key)))
        }
        None => builder.with_no_client_auth(),
    })
}

fn ca_error(path: Option<&Path>, problem: &str) -> OAuthError {
    OAuthError::CaFile {
        path: path.map(Path::to_path_buf).unwrap_or_default(),
        problem: problem.into(),
    }
}

/// The certificates of a PEM bundle; a missing, unreadable or certificate-free file is an
/// error naming it.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, OAuthError> {
    let bytes = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "it does not exist".to_string(),
            std::io::ErrorKind::PermissionDenied => "it is not readable".to_string(),
            _ => format!("cannot read it ({})", e.kind()),
        };
        ca_error(Some(path), &why)
    })?;
    let mut certs = vec![];
    for c in CertificateDer::pem_slice_iter(&bytes) {
        match c {
            Ok(c) => certs.push(c),
            Err(_) => return Err(ca_error(Some(path), "it is not a valid PEM file")),
        }
    }
    if certs.is_empty() {
        return Err(ca_error(
            Some(path),
            "it holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)",
        ));
    }
    Ok(certs)
}

/// The real verifier, with "unknown issuer" split into "self-signed" and the rest.
#[derive(Debug)]
struct Naming {
    inner: Arc<dyn ServerCertVerifier>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl Naming {
    /// Whether `leaf` verifies with itself as the only root: then it signed itself.
    fn self_signed(&self, leaf: &CertificateDer<'_>, name: &ServerName<'_>, now: UnixTime) -> bool {
        let mut roots = RootCertStore::empty();
        if roots.add(leaf.clone().into_owned()).is_err() {
            return false;
        }
        let Ok(v) =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                .build()
        else {
            return false;
        };
        !matches!(
            v.verify_server_cert(leaf, &[], name, &[], now),
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            )) | Err(rustls::Error::InvalidCertificate(
                CertificateError::BadSignature
            ))
        )
    }
}

impl ServerCertVerifier for Naming {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            // webpki says "unknown issuer" for a self-signed leaf, or "CA used as end
            // entity" when it is marked as a CA (as `openssl req -x509` makes them).
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::Other(_),
            )) if intermediates.is_empty() && self.self_signed(end_entity, server_name, now) => {
                Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(SelfSigned)),
                )))
            }
            r => r,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_problem_is_found_behind_an_io_error() {
        let rustls = rustls::Error::InvalidCertificate(CertificateError::Expired);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls);
        let io = std::io::Error::other(io);
        let outer = anyhow::Error::new(io).context("outer");
        assert_eq!(problem_in(&*outer), Some(CertProblem::Expired));
        let plain = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(problem_in(&plain), None);
    }

    #[test]
    fn self_signed_is_its_own_kind() {
        let e = rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(
            Arc::new(SelfSigned),
        )));
        assert_eq!(classify(&e), Some(CertProblem::SelfSigned));
        let e = rustls::Error::InvalidCertificate(CertificateError::NotValidForName);
        assert_eq!(classify(&e), Some(CertProblem::WrongHost));
        assert_eq!(classify(&rustls::Error::HandshakeNotComplete), None);
    }

    #[test]
    fn a_ca_file_must_exist_and_hold_pem_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        let e = read_ca_file(&missing).unwrap_err().to_string();
        assert!(
            e.contains("nope.pem") && e.contains("does not exist"),
            "{e}"
        );
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "hello\n").unwrap();
        let e = read_ca_file(&junk).unwrap_err().to_string();
        assert!(
            e.contains("junk.pem") && e.contains("no PEM certificate"),
            "{e}"
        );
    }
}
