//! The helper protocols' subcommands.

use clap::{Args, Subcommand};

use super::ProfileArg;

/// The helper protocols' subcommands: one per row of [`crate::helpers::PROTOCOLS`], each named
/// as its row's `subcommand` (a test checks both ways).
#[derive(Debug, Subcommand)]
// The variants are the subcommands: `git-credential`, `docker-credential`, … are the names the
// clients know.
#[allow(clippy::enum_variant_names)]
pub enum HelperCommand {
    GitCredential(GitCredentialArgs),
    DockerCredential(DockerCredentialArgs),
    KubectlCredential(KubectlCredentialArgs),
    TerraformCredential(TerraformCredentialArgs),
}

impl HelperCommand {
    /// The table row of this subcommand's protocol.
    pub fn protocol(&self) -> &'static crate::helpers::Protocol {
        use crate::helpers::{DOCKER, GIT, KUBECTL, TERRAFORM};
        match self {
            HelperCommand::GitCredential(_) => &GIT,
            HelperCommand::DockerCredential(_) => &DOCKER,
            HelperCommand::KubectlCredential(_) => &KUBECTL,
            HelperCommand::TerraformCredential(_) => &TERRAFORM,
        }
    }
}

/// git credential helper: answer git with a fresh access token (see `tok setup git`).
///
/// git runs it as `tok git-credential get|store|erase|capability` (or as `git-credential-tok`),
/// with `key=value` lines on stdin. Hosts come from the profiles' `hosts` lists; for other hosts
/// it prints nothing, so git asks its next helper.
///
/// Examples:
///   tok setup git -p work --host git.example.com     # configures git to run it
///   printf 'protocol=https\nhost=git.example.com\n' | tok git-credential get
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct GitCredentialArgs {
    /// get, store, erase or capability (others are ignored, as git expects)
    pub action: String,
}

/// docker credential helper: answer docker, skopeo or podman with a fresh access token.
///
/// Run as `docker-credential-tok get|store|erase|list|version` (configured by `tok setup docker`).
/// Registries come from the profiles' `registries` lists.
///
/// Examples:
///   tok setup docker -p work --registry registry.example.com   # configures docker to run it
///   printf registry.example.com | docker-credential-tok get
///   tok docker-credential list
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct DockerCredentialArgs {
    /// get, store, erase, list or version
    pub action: String,
}

/// kubectl exec plugin: print an ExecCredential with a fresh access token.
///
/// The expiry it reports is a minute early, so kubectl asks again in time. A cluster using
/// Kubernetes' OIDC authenticator wants the ID token: `--token id`, or `kubectl_token = "id"`
/// in the profile (`tok setup kubectl --token id` writes it).
///
/// Examples:
///   tok setup kubectl -p work     # the kubeconfig block that runs it
///   tok kubectl-credential -p work | jq .status.expirationTimestamp
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct KubectlCredentialArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Which token: the OAuth access token, or the OpenID Connect ID token [default: the
    /// profile's `kubectl_token`, else access]
    #[arg(long, value_enum, value_name = "KIND")]
    pub token: Option<super::TokenArg>,
}

/// Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote backends.
///
/// Terraform runs it as `terraform-credentials-tok get|store|forget HOST` (configured by `tok
/// setup terraform`). Hosts come from the profiles' `terraform_hosts` lists (exact host and
/// port); for other hosts `get` answers `{}`. `forget` drops the cached access token (never the
/// session); `store` is refused: tok's tokens come from `tok login`.
///
/// Examples:
///   tok setup terraform -p work --host registry.example.com   # configures terraform to run it
///   tok terraform-credential get registry.example.com | jq .token
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct TerraformCredentialArgs {
    /// get, store or forget
    pub action: String,
    /// The host Terraform wants a token for (`host` or `host:port`)
    #[arg(value_name = "HOST")]
    pub host: Option<String>,
}
