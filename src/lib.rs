//! tok: an OAuth 2.0 / OpenID Connect credential helper.
//!
//! The binary (`src/main.rs`) only calls [`main`]. Every module is private: the list below is
//! all that leaves the crate — the parsers of untrusted input the fuzz targets drive, the HTTP
//! client the end-to-end tests query their peers with, and what the docs test generates the man
//! page and completions from. So the compiler reports whatever nothing uses. The path of a
//! token reads straight through: `commands::print → session → (cache | lock → oauth refresh →
//! store) → stdout` (docs/ARCHITECTURE.md).

mod app;
mod audit;
mod cli;
mod commands;
mod config;
mod error;
mod hardening;
mod helpers;
mod lockfile;
mod oauth;
mod output;
mod paths;
mod secret;
mod session;
mod settings;
mod signals;
mod store;
#[cfg(test)]
mod tidy;
mod time;
mod url_policy;

pub use app::main;

// The end-to-end tests' rig and the docs test.
pub use cli::{Cli, EXIT_CODES, command};
pub use commands::completion_script;
pub use config::Preset;
pub use error::Code;
pub use oauth::{Body, ClientAuth, Http, Response};
pub use secret::{AccessToken, ClientSecret, fingerprint};
pub use time::rfc3339;

// The fuzz targets: every parser of untrusted input.
pub use config::{Config, parse as parse_config};
pub use helpers::{
    Docker, DockerTarget, GitAnswer, Outcome as HelperOutcome, Token, TokenError, Tokens,
    normalize_terraform_host, parse_git_request, serve as serve_helper, terraform_host_matches,
    write_answer,
};
pub use oauth::grant::parse_device_authorization;
pub use oauth::{
    CallbackOutcome, Challenge, IssuerMatch, bearer_challenge, check_issuer, parse_callback,
    parse_metadata, parse_token_response, parse_www_authenticate,
};

// The fuzz targets of issue 24: every other input from outside the process, and the files
// `tok setup` edits for the user.
pub use audit::{Event as AuditEvent, parse as parse_audit};
pub use commands::{compute_stats, prometheus};
pub use config::{ListEdit, edit_list};
pub use helpers::{
    HelperConfig, add_helper, edit_docker_config, exec_credential, helper_in, kubectl_api_version,
    remove_helper,
};
pub use oauth::grant::{IdentityClaims, github_answer};
pub use oauth::{
    Attempt, Decision, DpopKey, Idempotency, JwsSigner, Policy, ProfileProxy, Route, SignError,
    dpop_proof_signed_by, error_response, load_nonce, parse_date, parse_retry_after, proxy_route,
    retry_decision, save_nonce,
};
// Issue 22: the RFC 7512 `pkcs11:` URI of a key on a hardware token.
pub use oauth::{Pkcs11Uri, UriError as Pkcs11UriError};
pub use paths::Paths;
pub use secret::{IdentityToken, forget_held};
pub use session::{CachedToken, ProfileState, Session};
pub use settings::ProxyEnv;

// The parsers of a login by resource URL (issue 21): a `WWW-Authenticate` header, RFC 9728
// metadata and its resource check, an RFC 7591 registration response.
pub use oauth::{
    ResourceFound, challenges, check_resource, parse_registration, parse_resource_metadata,
    resource_metadata,
};
// The fuzz targets of the cloud credentials (issue 20): ID tokens and JWKS, the STS answer,
// the AWS config file and Google's external-account file.
pub use helpers::{credential_process_json, edit_aws_config, gcp_external_account};
pub use oauth::{
    IdClaims, IdExpect, IdTokenError, Jwks, StsAnswer, check_id_claims, parse_jws,
    parse_sts_answer, validate_id_token,
};
