//! The exit codes and hints of a login by resource URL (`tok login --resource-url`): the
//! resource's metadata (RFC 9728) and tok's dynamic registration (RFC 7591): metadata missing
//! or for another resource, and a server that registers no clients or refuses tok's metadata,
//! are the servers' configuration (exit 8; a client registered by hand is the way out), an
//! unusable document is a bad answer (5), a choice tok cannot make is the command line's (2).

use super::Code;

/// The exit code and hint of a login by resource URL that failed.
pub(super) fn resource(e: &crate::oauth::ResourceError) -> (Code, Option<String>) {
    use crate::oauth::ResourceError as R;
    let by_hand = "log in with --issuer URL --client-id ID (and --audience RESOURCE) instead";
    match e {
        R::BadUrl { .. } => (
            Code::Usage,
            Some(
                "give the resource's full URL, e.g. --resource-url https://api.example.com/mcp"
                    .into(),
            ),
        ),
        R::NoMetadata { .. } => (
            Code::Config,
            Some(format!(
                "the resource does not say which server issues its tokens; check the URL, or {by_hand}"
            )),
        ),
        R::Mismatch { .. } => (
            Code::Config,
            Some(format!(
                "metadata for another resource is never used (RFC 9728 §3.3): check --resource-url (the resource's exact URL), or {by_hand}"
            )),
        ),
        R::BadMetadata { .. } => (
            Code::BadResponse,
            Some(format!("the resource's metadata is not usable; {by_hand}")),
        ),
        R::NotListed { .. } => (
            Code::Usage,
            Some("give --issuer one of the servers the resource names, or leave it out".into()),
        ),
        R::SeveralServers { .. } => (
            Code::Usage,
            Some("choose one: add --issuer URL (one of those listed) to the same command".into()),
        ),
        R::NoRegistrationEndpoint { .. } => (
            Code::Config,
            Some("register a public client there by hand (native app, loopback redirect URI, PKCE) and pass --client-id ID".into()),
        ),
        R::RegistrationRefused { .. } => (
            Code::Config,
            Some("the server's registration policy refused tok as a native public client; register a client there by hand and pass --client-id ID".into()),
        ),
        R::Store(e) => super::classify(e),
        R::OAuth(e) => super::oauth(e),
    }
}
