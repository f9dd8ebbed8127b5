//! The hints for TLS errors: a server certificate tok refused, a client certificate
//! (RFC 8705) tok cannot present.

/// What to do about a server certificate refused for `problem` (`host:port` for openssl).
pub(super) fn certificate_hint(
    host: &str,
    problem: &crate::oauth::CertProblem,
    proxied: bool,
) -> String {
    use crate::oauth::CertProblem as P;
    let see = format!("see the chain with `openssl s_client -showcerts -connect {host}`");
    let trust = "if it is signed by a private CA, trust that CA: `tok login -p NAME --ca-file ca.pem` (or `ca_file` in the profile, or SSL_CERT_FILE)";
    match problem {
        P::UnknownIssuer | P::SelfSigned if proxied => format!(
            "{trust}; a TLS-inspecting proxy re-signs with its own CA: trust that one; {see}"
        ),
        P::UnknownIssuer => format!("{trust}; {see}"),
        P::SelfSigned => format!(
            "if you trust this server, save its certificate (from the chain below) and pass it with `tok login -p NAME --ca-file cert.pem` (or `ca_file` in the profile); {see}"
        ),
        P::Expired | P::NotYetValid => format!(
            "check the system clock; else the server's certificate must be renewed by its operator; {see}"
        ),
        P::WrongHost => format!(
            "use the host name the certificate is issued for (check `issuer` and the endpoints in the profile); {see}"
        ),
        P::Revoked | P::Other(_) => {
            format!("the server's certificate must be replaced by its operator; {see}")
        }
    }
}

/// What to do about a client certificate that cannot be presented (the error names the file,
/// the certificate's subject and dates, and what is wrong).
pub(super) fn client_cert_hint() -> String {
    "fix `client_cert`/`client_key` in the profile (PEM files, the key readable by you alone), or give others with `tok login -p NAME --client-cert FILE --client-key FILE`".into()
}
