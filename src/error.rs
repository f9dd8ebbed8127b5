//! Exit codes, and the one mapping from tok's typed errors to an exit code and a hint.
//!
//! Errors flow one way: core modules (`oauth`, `store`, `config`, `session`, `helpers`) return
//! thiserror enums whose variants say what happened and keep their sources; they know nothing
//! of exit codes or of the command line (`tidy::imports_point_down_the_layers_and_never_circle`
//! fails on an arrow from them to this file). This module, used by `app` and `commands` (the
//! exit status, the audit log's name for a failed request, a helper's "log in first"), walks an
//! error's chain of sources, finds the first typed error and maps it in one exhaustive `match`
//! per type: the exit code and the hint come from the same arm, OAuth error codes are matched
//! as the typed `ErrorCode`, and no arm is a wildcard (a new variant does not compile until it
//! is mapped). The set of types is closed by [`known_errors!`] plus a unit test that finds every
//! error type defined under `src/` and fails when one is missing from the list. (A chain walk
//! rather than one top-level enum: commands keep their `.context()` layers.)

use serde::Serialize;

mod cloud;
mod keys;
mod resource;
mod tls;

/// tok's exit codes. The table is documented in README.md and the man page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// 1: anything not listed below.
    Failure,
    /// 2: the command line was wrong.
    Usage,
    /// 3: no session, or the refresh token was rejected: `tok login` is needed.
    LoginRequired,
    /// 4: the provider or the network is unavailable (connection errors, timeouts, 429, 5xx).
    Unavailable,
    /// 5: the provider answered something tok cannot use (malformed JSON, HTML, missing fields).
    BadResponse,
    /// 6: the keychain or store could not be used (locked, absent, too slow).
    StoreUnavailable,
    /// 7: the user denied, cancelled, or let a login time out.
    Denied,
    /// 8: the configuration file or a profile is invalid, or a config file or a directory of
    /// tok's could be written by others.
    Config,
    /// 9: another tok process held the profile's lock for too long, or the fixed port of the
    /// redirect URI is taken.
    Busy,
    /// 10: the server's TLS certificate was refused (unknown issuer, self-signed, expired,
    /// wrong host, revoked). Not transient: not retried.
    Tls,
}

impl Code {
    pub fn exit_code(self) -> u8 {
        match self {
            Code::Failure => 1,
            Code::Usage => 2,
            Code::LoginRequired => 3,
            Code::Unavailable => 4,
            Code::BadResponse => 5,
            Code::StoreUnavailable => 6,
            Code::Denied => 7,
            Code::Config => 8,
            Code::Busy => 9,
            Code::Tls => 10,
        }
    }

    /// The snake_case name, as in JSON output and the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Code::Failure => "failure",
            Code::Usage => "usage",
            Code::LoginRequired => "login_required",
            Code::Unavailable => "unavailable",
            Code::BadResponse => "bad_response",
            Code::StoreUnavailable => "store_unavailable",
            Code::Denied => "denied",
            Code::Config => "config",
            Code::Busy => "busy",
            Code::Tls => "tls",
        }
    }

    /// Every code with its number and meaning, for `--help`, README and tests.
    pub const ALL: [Code; 10] = [
        Code::Failure,
        Code::Usage,
        Code::LoginRequired,
        Code::Unavailable,
        Code::BadResponse,
        Code::StoreUnavailable,
        Code::Denied,
        Code::Config,
        Code::Busy,
        Code::Tls,
    ];
}

/// An error and its chain of sources, as a command holds it (with its context layers).
type Chain = dyn std::error::Error + Send + Sync + 'static;

/// The exit code and the hint for `err`: the first typed error in its chain decides; an error
/// with none (a bare I/O error with context, say) is a plain failure.
pub fn classify<E: AsRef<Chain> + ?Sized>(err: &E) -> (Code, Option<String>) {
    walk(err.as_ref())
}

/// [`classify`] from one link of a chain on.
fn walk(first: &(dyn std::error::Error + 'static)) -> (Code, Option<String>) {
    std::iter::successors(Some(first), |e| e.source())
        .find_map(known)
        .map(map)
        .unwrap_or((Code::Failure, None))
}

/// Declares [`Known`], the closed list of tok's error types, and the downcast that finds one.
macro_rules! known_errors {
    ($($variant:ident($ty:ty),)*) => {
        /// A typed error found in a chain: one variant per error type defined in this crate.
        enum Known<'a> {
            $($variant(&'a $ty),)*
        }

        fn known<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<Known<'a>> {
            $(if let Some(e) = e.downcast_ref::<$ty>() {
                return Some(Known::$variant(e));
            })*
            None
        }

        /// The type names, for the test that every error type in `src/` is listed.
        #[cfg(test)]
        const KNOWN_TYPES: &[&str] = &[$(stringify!($ty),)*];
    };
}

known_errors! {
    OAuth(crate::oauth::OAuthError),
    BadKey(crate::oauth::BadKey),
    SelfSigned(crate::oauth::SelfSigned),
    Store(crate::store::StoreError),
    Path(crate::paths::PathError),
    Config(crate::config::ConfigError),
    Session(crate::session::SessionError),
    Git(crate::helpers::GitError),
    Workload(crate::oauth::grant::WorkloadError),
    Terraform(crate::helpers::TerraformError),
    Login(crate::session::LoginError),
    Helper(crate::helpers::Error),
    Token(crate::helpers::TokenError),
    IdToken(crate::oauth::IdTokenError),
    Hinted(Hinted),
    Sts(crate::oauth::StsError),
    Cloud(crate::session::CloudError),
    AwsConfig(crate::helpers::ConfigEditError),
    ClientKey(crate::session::ClientKeyError),
    Resource(crate::oauth::ResourceError),
    Pkcs11(crate::oauth::Pkcs11Error), Pkcs11Uri(crate::oauth::UriError),
    Sign(crate::oauth::SignError),
    Core(crate::session::Error),
}

/// The one mapping from a typed error to an exit code and a hint.
fn map(e: Known<'_>) -> (Code, Option<String>) {
    use crate::session::ClientKeyError as K;
    match e {
        Known::OAuth(e) | Known::ClientKey(K::OAuth(e)) => oauth(e),
        Known::BadKey(crate::oauth::BadKey) => (Code::Failure, None),
        // Only ever inside a rustls error, found first as `OAuthError::Certificate`.
        Known::SelfSigned(crate::oauth::SelfSigned) => (Code::Tls, None),
        Known::Store(e) | Known::ClientKey(K::Store(e)) => store(e),
        Known::Path(e) => path(e, Code::Failure),
        Known::Config(e) | Known::ClientKey(K::Config(e)) => (Code::Config, config(e)),
        Known::Session(e) => session(e),
        Known::Git(e) => {
            use crate::helpers::GitError as G;
            match e {
                G::ControlCharacter(_)
                | G::NoEquals
                | G::NotUtf8
                | G::TooLong
                | G::BadOutput(_)
                | G::Io(_) => (Code::Failure, None),
            }
        }
        Known::Workload(e) => workload(e),
        Known::Terraform(e) => {
            use crate::helpers::TerraformError as T;
            match e {
                T::StoreRefused { profile, .. } => {
                    let login = profile
                        .as_deref()
                        .map_or("tok login -p NAME".into(), |p| format!("tok login -p {p}"));
                    (
                        Code::Failure,
                        Some(format!(
                            "instead of `terraform login`, run `{login}` (and `tok setup terraform` for the host)"
                        )),
                    )
                }
                T::UnknownAction(_) | T::NoHost(_) => (
                    Code::Usage,
                    Some("Terraform runs `terraform-credentials-tok get|store|forget HOST`".into()),
                ),
            }
        }
        Known::Login(e) => login(e),
        // The helper glue hands the session's own error on; these are the fallbacks.
        Known::Helper(e) => match e {
            crate::helpers::Error::Tokens(t) => map(Known::Token(t)),
            crate::helpers::Error::Git(g) => map(Known::Git(g)),
            crate::helpers::Error::Terraform(t) => map(Known::Terraform(t)),
            crate::helpers::Error::Io(_) => (Code::Failure, None),
        },
        // The token source sorted the failure for the helper; its class is the failure's own.
        Known::Token(e) => classify(e.cause()),
        Known::IdToken(e) => id_token(e),
        Known::Hinted(h) => (h.code, h.hint.clone()),
        Known::Sts(e) => cloud::sts(e),
        Known::AwsConfig(e) => cloud::aws_config(e),
        Known::Cloud(e) => cloud::cloud(e),
        Known::Resource(e) => resource::resource(e),
        k @ (Known::Pkcs11(_) | Known::Pkcs11Uri(_) | Known::Sign(_)) => keys::map(k),
        Known::ClientKey(K::Token(e)) => keys::map(Known::Pkcs11(e)),
        // A session's failure is its inner error's: mapped as if that stood alone.
        Known::Core(e) => walk(e.inner()),
    }
}

/// An ID token that failed validation: nothing was stored. Exit 8, as for a profile that does
/// not match its provider (the usual cause: a wrong issuer or client id).
const UNMET: &str = "nothing was stored: the server did not authenticate as asked (acr_values, max_age); sign in as it asks, or change the request (`tok profile show`)";

fn id_token(e: &crate::oauth::IdTokenError) -> (Code, Option<String>) {
    use crate::oauth::IdTokenError as I;
    match e {
        I::Malformed(_) | I::Jwks(_) => (
            Code::BadResponse,
            Some("the provider's ID token or keys are not usable; nothing was stored".into()),
        ),
        I::Algorithm(_) | I::UnknownKey(_) | I::Signature | I::Claim { .. } => (
            Code::Config,
            Some(
                "nothing was stored; check the profile's issuer and client_id (and this machine's clock)"
                    .into(),
            ),
        ),
        I::Unmet { .. } => (Code::Config, Some(UNMET.into())),
    }
}

fn login(e: &crate::session::LoginError) -> (Code, Option<String>) {
    use crate::session::LoginError as L;
    match e {
        L::TimedOut { profile } => (
            Code::Denied,
            Some(format!(
                "run `tok login -p {profile}` again (--timeout sets the wait)"
            )),
        ),
        L::Denied { profile, .. } => (
            Code::Denied,
            Some(format!(
                "run `tok login -p {profile}` and approve the request"
            )),
        ),
        L::SeedRejected { profile, .. } => (
            Code::LoginRequired,
            Some(format!(
                "mint a new one with an interactive `tok login -p {profile}`"
            )),
        ),
        L::NothingPasted { profile } => (
            Code::Usage,
            Some(format!(
                "run `tok login -p {profile} --paste` on a terminal, or pipe the URL into it"
            )),
        ),
        L::NotTheRedirect {
            profile,
            redirect_uri,
            ..
        } => (
            Code::Usage,
            Some(format!(
                "paste the full address starting with {redirect_uri}; run `tok login -p {profile} --paste` again"
            )),
        ),
    }
}

fn workload(e: &crate::oauth::grant::WorkloadError) -> (Code, Option<String>) {
    use crate::oauth::grant::WorkloadError as W;
    let sources = "set --workload-identity to github (GitHub Actions), env:NAME (GitLab `id_tokens:`, Buildkite, CircleCI) or file:PATH (Kubernetes, AZURE_FEDERATED_TOKEN_FILE)";
    match e {
        W::NoActionsPermission { .. } => (
            Code::Config,
            Some("add `permissions: id-token: write` to the workflow (or the job) that runs tok".into()),
        ),
        W::NoSource => (Code::Config, Some(sources.into())),
        W::VarUnset { name } => (
            Code::Config,
            Some(format!(
                "in GitLab CI, declare it in the job: `id_tokens: {name}: aud: …`; or {sources}"
            )),
        ),
        W::File { .. } => (
            Code::Config,
            Some("check the path the platform mounts the token at (a projected service account token, AZURE_FEDERATED_TOKEN_FILE)".into()),
        ),
        W::NotAJwt { .. } => (Code::Config, Some(sources.into())),
        W::Expired { .. } => (
            Code::LoginRequired,
            Some("the CI platform must issue a new one: GitLab's live until the job's timeout, a mounted file is rewritten by the platform; rerun the job".into()),
        ),
        W::BadUrl { .. } => (
            Code::Config,
            Some("tok asks only https:// endpoints (http:// for loopback hosts); check the job's environment".into()),
        ),
        W::Ci { status: 401 | 403, .. } => (
            Code::Config,
            Some("the job's ACTIONS_ID_TOKEN_REQUEST_TOKEN was refused; check `permissions: id-token: write`".into()),
        ),
        W::Ci { .. } => (
            Code::Unavailable,
            Some("the CI platform's token service failed; rerun the job".into()),
        ),
        W::CiUnreachable(inner) => oauth(inner),
        W::Refused { claims, .. } => {
            let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
            (
                Code::Config,
                Some(format!(
                    "the server's trust configuration for this workload must match the CI token: issuer {}, audience {} (--ci-audience), subject {}",
                    or(&claims.iss),
                    if claims.aud.is_empty() { "?".into() } else { claims.aud.join(" ") },
                    or(&claims.sub)
                )),
            )
        }
    }
}

fn oauth(e: &crate::oauth::OAuthError) -> (Code, Option<String>) {
    use crate::oauth::OAuthError as O;
    let retry = || Some("check the network and the provider's status, then try again".into());
    match e {
        O::InvalidGrant { .. } => (Code::LoginRequired, None),
        O::AccessDenied { .. } => (Code::Denied, None),
        O::Expired => (
            Code::Denied,
            Some("run `tok login` again and approve sooner".into()),
        ),
        O::Unavailable { .. } | O::Interrupted { .. } => (Code::Unavailable, retry()),
        O::BadResponse { .. } => (
            Code::BadResponse,
            Some("the provider or a proxy in front of it is misbehaving; try again later or run with -vv".into()),
        ),
        O::Discovery(_) => (Code::BadResponse, None),
        O::IssuerMismatch { .. } => (
            Code::BadResponse,
            Some("if only a trailing slash differs, `tok login` adopts the issuer as the document states it; otherwise check `issuer` in the profile".into()),
        ),
        O::Certificate { host, problem, proxy } => (Code::Tls, Some(tls::certificate_hint(host, problem, proxy.is_some()))),
        O::Proxy { problem, .. } => proxy_hint(problem),
        O::CaFile { .. } => (
            Code::Config,
            Some("fix `ca_file` in the profile (a PEM bundle of CA certificates, `-----BEGIN CERTIFICATE-----`), or give another with `tok login -p NAME --ca-file PATH`".into()),
        ),
        O::ClientCert { .. } => (Code::Config, Some(tls::client_cert_hint())),
        O::Authorization { error, .. } => authorization_hint(error),
        O::Protocol { error, .. } => protocol(error),
        O::IdToken(e) => id_token(e),
        O::PortInUse { port, .. } => (
            Code::Busy,
            Some(format!("stop the program listening on port {port} (`ss -ltnp 'sport = :{port}'` names it), or log in with another --redirect-uri registered with the server")),
        ),
        O::Sign(e) => keys::sign(e),
        O::Pending | O::SlowDown | O::Login(_) => (Code::Failure, None),
    }
}

/// An OAuth error code the token endpoint (or the authorization endpoint) answered with.
fn protocol(code: &crate::oauth::ErrorCode) -> (Code, Option<String>) {
    use crate::oauth::ErrorCode as E;
    match code {
        E::InvalidClient => (
            Code::Config,
            Some("check `client_id` in the profile, and the credential the server has registered for it (its secret; for private_key_jwt the JWK Set `tok profile jwks` prints; for mutual TLS the certificate's subject, SAN or JWKS)".into()),
        ),
        E::InvalidScope => (Code::Config, Some("check `scopes` in the profile".into())),
        E::UnauthorizedClient
        | E::UnsupportedGrantType
        | E::UnsupportedResponseType
        | E::InvalidTarget => (Code::Config, None),
        E::TemporarilyUnavailable | E::ServerError => (Code::Unavailable, None),
        E::InvalidDpopProof | E::UseDpopNonce => (
            Code::Failure,
            Some(
                "the provider refused tok's DPoP proof; check the system clock, or log in again"
                    .into(),
            ),
        ),
        // Codes `oauth::token` turns into their own variants before they get here, and codes
        // tok has no advice for.
        E::InvalidRequest
        | E::InvalidGrant
        | E::AccessDenied
        | E::AuthorizationPending
        | E::SlowDown
        | E::ExpiredToken
        | E::Other(_) => (Code::Failure, None),
    }
}

/// Exit code and hint for an error the authorization endpoint redirected back with.
fn authorization_hint(error: &crate::oauth::ErrorCode) -> (Code, Option<String>) {
    use crate::oauth::{ErrorCode as E, Refusal};
    let hint = match error {
        E::InvalidRequest => {
            "the provider wants a parameter tok does not send, or refuses one it sends: check the client's settings there (redirect URIs, PKCE, nonce)"
        }
        E::UnauthorizedClient | E::UnsupportedResponseType => {
            "enable the authorization code flow for this client at the provider, or log in with `--device`"
        }
        E::InvalidScope => {
            "check `scopes` in the profile (or `--scope`) against what the provider allows this client"
        }
        E::ServerError | E::TemporarilyUnavailable => "the provider failed; try again later",
        E::AccessDenied
        | E::InvalidClient
        | E::InvalidGrant
        | E::UnsupportedGrantType
        | E::InvalidTarget
        | E::AuthorizationPending
        | E::SlowDown
        | E::ExpiredToken
        | E::UseDpopNonce
        | E::InvalidDpopProof
        | E::Other(_) => "see the provider's documentation of this error, or run with -v",
    };
    let code = match crate::oauth::refusal(error).1 {
        Refusal::Config => Code::Config,
        Refusal::Unavailable => Code::Unavailable,
        Refusal::Other => Code::Failure,
    };
    (code, Some(hint.into()))
}

fn proxy_hint(problem: &crate::oauth::ProxyProblem) -> (Code, Option<String>) {
    use crate::oauth::ProxyProblem as P;
    let vars = "HTTPS_PROXY / HTTP_PROXY / ALL_PROXY (or the profile's `proxy`)";
    match problem {
        P::Unreachable(_) => (
            Code::Unavailable,
            Some(format!("check that the proxy is running and that {vars} name it; exempt hosts that need no proxy with NO_PROXY")),
        ),
        P::AuthRequired => (
            Code::Config,
            Some(format!("give the proxy's credentials in its URL (http://USER:PASSWORD@HOST:PORT) in {vars}, or exempt the host with NO_PROXY")),
        ),
        P::Refused(_) => (
            Code::Unavailable,
            Some("check that the proxy may reach the provider (its allow list), or exempt the host with NO_PROXY".into()),
        ),
        P::BadSetting(..) => (
            Code::Config,
            Some("use http://[USER:PASSWORD@]HOST:PORT (or https://…)".into()),
        ),
    }
}

fn store(e: &crate::store::StoreError) -> (Code, Option<String>) {
    use crate::store::Backend;
    use crate::store::StoreError as S;
    match e {
        S::Unavailable { backend, .. } => {
            let hint = match backend {
                Backend::Native if cfg!(target_os = "linux") => "start and unlock a Secret Service (gnome-keyring, KeePassXC), or choose another store with --store keyutils|file",
                Backend::Native => "unlock the keychain, or choose another store with --store file",
                Backend::Keyutils => "run inside a login session with a session keyring (pam_keyinit), or choose --store keychain|file",
            };
            (Code::StoreUnavailable, Some(hint.into()))
        }
        S::Timeout { .. } => (
            Code::StoreUnavailable,
            Some("unlock the keychain (or start its daemon), or choose another store with --store file".into()),
        ),
        S::Corrupt { profile, .. } => (
            Code::LoginRequired,
            Some(format!("run `tok login -p {profile}`")),
        ),
        S::TooLarge { .. } => (Code::StoreUnavailable, None),
        S::Path(e) => path(e, Code::StoreUnavailable),
    }
}

/// A directory or private file; `io` is the class of an I/O failure where it happened.
fn path(e: &crate::paths::PathError, io: Code) -> (Code, Option<String>) {
    use crate::paths::PathError as P;
    match e {
        // The class of a config file others could write: a setup problem, not an outage.
        P::Unsafe { path, .. } => (
            Code::Config,
            Some(format!(
                "another user may have planted it: check and remove it (or, if it is yours, `chmod 700 {}`), then retry",
                path.display()
            )),
        ),
        P::NoHome => (Code::Config, None),
        P::Io { .. } | P::Random(_) => (io, None),
    }
}

fn config(e: &crate::config::ConfigError) -> Option<String> {
    use crate::config::ConfigError as C;
    match e {
        C::NoProfiles => {
            Some("run `tok login -p NAME --issuer URL --client-id ID` to create one".into())
        }
        C::Ambiguous { .. } => {
            Some("pass `-p NAME`, set TOK_PROFILE, or set `default_profile` in the config".into())
        }
        C::UnknownProfile { name, .. } => Some(format!(
            "run `tok login -p {name} --issuer URL --client-id ID` to create it, or `tok status` to list profiles"
        )),
        C::Invalid { profile, key, .. } => Some(format!(
            "fix `{key}` under [profiles.{profile}], or pass it to `tok login -p {profile}`"
        )),
        C::Parse { .. } => Some("fix the file, or move it aside to start over".into()),
        C::Unsafe { fix, .. } => Some(format!(
            "{fix}, after checking that its content (token endpoints, hosts) is what you wrote"
        )),
        C::Readable { path, .. } => Some(format!(
            "run `chmod 600 {}`; if others may have copied it, replace the key (a new certificate, or `tok login --rotate-client-key`)",
            path.display()
        )),
        C::Read { .. } | C::BadName(_) => None,
    }
}

fn session(e: &crate::session::SessionError) -> (Code, Option<String>) {
    use crate::session::SessionError as S;
    match e {
        S::NoIdToken {
            profile,
            held: false,
        } => (
            Code::LoginRequired,
            Some(format!(
                "run `tok login -p {profile}` with the `openid` scope (`--scope openid`)"
            )),
        ),
        S::NotLoggedIn { profile }
        | S::Expired { profile, .. }
        | S::NoIdToken { profile, .. }
        | S::OtherIssuer { profile, .. } => (
            Code::LoginRequired,
            Some(format!("run `tok login -p {profile}`")),
        ),
        S::Missing { profile, .. } => (
            Code::StoreUnavailable,
            Some(format!(
                "unlock the keychain if it is locked, else run `tok login -p {profile}`"
            )),
        ),
        S::WiderScope { .. } => (
            Code::Config,
            Some("the provider does not down-scope this client's tokens as asked; ask its administrator, or use the default token (no --scope)".into()),
        ),
        S::LockFile { .. } | S::Lock { .. } => (Code::Failure, None),
        S::Busy { .. } => (
            Code::Busy,
            Some(format!(
                "another tok process may be stuck; retry, or raise {}",
                crate::settings::ENV_LOCK_TIMEOUT
            )),
        ),
    }
}

/// A plain error with an explicit code and hint, for command-level decisions.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Hinted {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

impl Hinted {
    pub fn new(code: Code, message: impl Into<String>, hint: Option<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sts_refusal_has_its_own_class() {
        use crate::oauth::{StsCode as C, StsError};
        let code = |c: C| {
            let e = anyhow::Error::new(StsError::Refused {
                endpoint: "sts".into(),
                role_arn: "arn".into(),
                code: c,
                message: None,
            });
            classify(&e).0.exit_code()
        };
        assert_eq!(code(C::InvalidIdentityToken), 8);
        assert_eq!(code(C::IdpRejectedClaim), 8);
        assert_eq!(code(C::AccessDenied), 7);
        assert_eq!(code(C::ExpiredToken), 3);
        assert_eq!(code(C::IdpCommunication), 4);
        assert_eq!(code(C::Unavailable("Throttling".into())), 4);
        assert_eq!(code(C::Other("ValidationError".into())), 1);
    }

    /// The names of the error types defined under `src/`: every `struct`/`enum` that derives
    /// `thiserror::Error` or implements `std::error::Error` by hand.
    fn error_types_in_src() -> Vec<String> {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("src/ is readable") {
                let path = entry.expect("src/ is readable").path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("sources are UTF-8");
                    let mut derived = false;
                    for line in text.lines().map(str::trim) {
                        if line.starts_with("#[derive(") && line.contains("Error") {
                            derived = line.contains("thiserror::Error");
                        } else if let Some(rest) = line.strip_prefix("impl std::error::Error for ")
                        {
                            found.push(ident(rest));
                        } else if derived {
                            let item = ["pub(crate) ", "pub "]
                                .iter()
                                .fold(line, |l, p| l.strip_prefix(p).unwrap_or(l));
                            if let Some(rest) = item
                                .strip_prefix("struct ")
                                .or_else(|| item.strip_prefix("enum "))
                            {
                                found.push(ident(rest));
                                derived = false;
                            }
                        }
                    }
                }
            }
        }
        fn ident(s: &str) -> String {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        }
        let mut found = vec![];
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        found.sort();
        found
    }

    #[test]
    fn every_error_type_in_the_crate_is_mapped() {
        let mut listed: Vec<String> = KNOWN_TYPES
            .iter()
            .map(|t| t.rsplit("::").next().unwrap_or(t).trim().to_string())
            .collect();
        listed.sort();
        let found = error_types_in_src();
        assert!(
            found.len() >= 7,
            "the scan found too few error types: {found:?}"
        );
        assert_eq!(
            listed, found,
            "add each new error type to `known_errors!` in src/error.rs and map its variants"
        );
    }

    fn code_of(e: impl std::error::Error + Send + Sync + 'static) -> (Code, Option<String>) {
        classify(&anyhow::Error::new(e).context("a command's context"))
    }

    #[test]
    fn a_lock_file_that_cannot_be_opened_is_one_line_and_a_plain_failure() {
        let e = crate::session::SessionError::LockFile {
            path: "/run/tok/work.lock".into(),
            error: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        let e = anyhow::Error::new(crate::session::Error::from(e));
        assert_eq!(
            format!("{e:#}"),
            "cannot open lock file /run/tok/work.lock: permission denied"
        );
        assert_eq!(classify(&e), (Code::Failure, None));
    }

    #[test]
    fn a_session_failure_prints_and_classifies_as_the_error_inside_it() {
        use crate::session::{Error, LoginError, SessionError};
        let inner: [fn() -> Error; 5] = [
            || {
                SessionError::Busy {
                    profile: "work".into(),
                    secs: 3,
                }
                .into()
            },
            || {
                crate::oauth::OAuthError::InvalidGrant {
                    endpoint: "e".into(),
                    description: None,
                }
                .into()
            },
            || {
                LoginError::TimedOut {
                    profile: "work".into(),
                }
                .into()
            },
            || crate::paths::PathError::NoHome.into(),
            || std::io::Error::from(std::io::ErrorKind::BrokenPipe).into(),
        ];
        for make in inner {
            let wrapped = anyhow::Error::new(make()).context("a command's context");
            let alone = match make() {
                Error::Session(e) => anyhow::Error::new(e),
                Error::OAuth(e) => anyhow::Error::new(e),
                Error::Login(e) => anyhow::Error::new(e),
                Error::Path(e) => anyhow::Error::new(e),
                Error::Io(e) => anyhow::Error::new(e),
                other => panic!("not a case of this test: {other}"),
            }
            .context("a command's context");
            assert_eq!(format!("{wrapped:#}"), format!("{alone:#}"));
            assert_eq!(classify(&wrapped), classify(&alone), "{alone:#}");
            if !matches!(make(), Error::Io(_)) {
                assert_ne!(
                    classify(&alone).0,
                    Code::Failure,
                    "{alone:#}: a case that tells apart"
                );
            }
        }
    }

    #[test]
    fn a_token_wider_than_asked_is_a_configuration_error() {
        let e = crate::session::SessionError::WiderScope {
            profile: "work".into(),
            asked: "a".into(),
            granted: "a b".into(),
        };
        assert_eq!(code_of(e).0.exit_code(), 8);
    }

    #[test]
    fn each_error_an_authorization_redirect_carries_has_its_own_message_and_exit_code() {
        use crate::oauth::OAuthError;
        let cases = [
            ("invalid_request", 8, "malformed"),
            ("invalid_scope", 8, "scope"),
            ("unauthorized_client", 8, "may not get authorization codes"),
            (
                "unsupported_response_type",
                8,
                "does not issue authorization codes",
            ),
            ("server_error", 4, "failed on its side"),
            ("temporarily_unavailable", 4, "overloaded"),
            ("something_else", 1, "an error"),
        ];
        let mut messages = std::collections::BTreeSet::new();
        for (error, exit, says) in cases {
            let e = OAuthError::Authorization {
                error: crate::oauth::ErrorCode::parse(error),
                description: Some("nonce required".into()),
            };
            let message = e.to_string();
            assert!(message.contains(says), "{error}: {message}");
            assert!(
                message.contains(&format!("({error}: nonce required)")),
                "{message}"
            );
            let (code, hint) = code_of(e);
            assert_eq!(code.exit_code(), exit, "{error}");
            assert!(hint.is_some(), "{error}");
            messages.insert(message);
        }
        assert_eq!(messages.len(), cases.len());
    }

    #[test]
    fn core_errors_map_to_their_exit_codes_and_hints() {
        use crate::oauth::OAuthError;
        let invalid_grant = OAuthError::InvalidGrant {
            endpoint: "x".into(),
            description: None,
        };
        assert_eq!(code_of(invalid_grant), (Code::LoginRequired, None));
        let protocol = |error: &str| OAuthError::Protocol {
            endpoint: "x".into(),
            status: 400,
            error: crate::oauth::ErrorCode::parse(error),
            description: None,
        };
        assert_eq!(code_of(protocol("weird")), (Code::Failure, None));
        assert_eq!(
            code_of(protocol("invalid_client")),
            (
                Code::Config,
                Some("check `client_id` in the profile, and the credential the server has registered for it (its secret; for private_key_jwt the JWK Set `tok profile jwks` prints; for mutual TLS the certificate's subject, SAN or JWKS)".into())
            )
        );
        assert_eq!(code_of(protocol("server_error")).0, Code::Unavailable);
        let busy = crate::session::SessionError::Busy {
            profile: "w".into(),
            secs: 1,
        };
        assert_eq!(
            code_of(busy),
            (
                Code::Busy,
                Some("another tok process may be stuck; retry, or raise TOK_LOCK_TIMEOUT".into())
            )
        );
        let keyutils = crate::store::StoreError::Unavailable {
            backend: crate::store::Backend::Keyutils,
            detail: "d".into(),
        };
        assert_eq!(
            code_of(keyutils),
            (
                Code::StoreUnavailable,
                Some("run inside a login session with a session keyring (pam_keyinit), or choose --store keychain|file".into())
            )
        );
        assert_eq!(
            code_of(crate::helpers::GitError::NoEquals),
            (Code::Failure, None)
        );
        assert_eq!(classify(&anyhow::anyhow!("untyped")), (Code::Failure, None));
    }

    #[test]
    fn the_file_store_keeps_the_io_error() {
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let p = crate::paths::PathError::io("read", std::path::Path::new("/x"))(io);
        let e = anyhow::Error::new(crate::store::StoreError::from(p));
        assert_eq!(classify(&e).0, Code::StoreUnavailable);
        let Some(crate::store::StoreError::Path(crate::paths::PathError::Io { err, .. })) =
            e.downcast_ref()
        else {
            panic!("a StoreError::Path with its io::Error");
        };
        assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied);
        // Printed whole once, as before, whether alone or in a chain.
        assert_eq!(e.to_string(), "cannot read /x: permission denied");
        assert_eq!(format!("{e:#}"), "cannot read /x: permission denied");
    }
}
