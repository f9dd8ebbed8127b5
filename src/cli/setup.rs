//! `tok setup`.

use clap::{Args, Subcommand};

use super::ProfileArg;

/// Configure git, docker or kubectl to get their credentials from tok.
///
/// Only the keys tok owns change; `--remove` undoes `git` and `docker`.
///
/// Examples:
///   tok setup git -p work --host git.example.com
///   tok setup docker -p work --registry registry.example.com:5000
///   tok setup kubectl -p work
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct SetupArgs {
    #[command(subcommand)]
    pub tool: SetupTool,
}

#[derive(Debug, Subcommand)]
pub enum SetupTool {
    /// Serve a git host from a profile, through git's global config.
    ///
    /// Adds the host to the profile and sets `credential.<url>.helper` in git's global config
    /// (after an empty `helper =` so that other helpers do not answer first).
    ///
    /// Examples:
    ///   tok setup git -p work --host git.example.com
    ///   tok setup git -p work --host https://git.example.com/team   # a path prefix
    ///   tok setup git -p work --host git.example.com --remove
    #[command(verbatim_doc_comment)]
    Git {
        #[command(flatten)]
        profile: ProfileArg,
        /// A host (https) or a URL with scheme, port and path prefix
        #[arg(long, value_name = "HOST_OR_URL")]
        host: String,
        /// Undo: remove the host from the profile and tok's helper from git's config
        #[arg(long)]
        remove: bool,
    },
    /// Serve a registry from a profile, through docker's `credHelpers`.
    ///
    /// Adds the registry to the profile and sets `credHelpers` in $DOCKER_CONFIG/config.json
    /// (default ~/.docker/config.json), keeping every other key.
    ///
    /// docker runs `docker-credential-tok` from PATH: a link to tok under that name.
    ///
    /// Examples:
    ///   ln -s "$(command -v tok)" ~/.local/bin/docker-credential-tok
    ///   tok setup docker -p work --registry registry.example.com:5000
    ///   tok setup docker -p work --registry registry.example.com:5000 --remove
    #[command(verbatim_doc_comment)]
    Docker {
        #[command(flatten)]
        profile: ProfileArg,
        /// Registry host[:port], as in image names
        #[arg(long, value_name = "HOST[:PORT]")]
        registry: String,
        /// Undo: remove the registry from the profile and from credHelpers
        #[arg(long)]
        remove: bool,
    },
    /// Print the kubeconfig `users[].user.exec` block that runs `tok kubectl-credential`.
    ///
    /// Examples:
    ///   tok setup kubectl -p work     # paste the output under `users:` in ~/.kube/config
    ///   tok setup kubectl -p work --token id    # Kubernetes' OIDC authenticator
    #[command(verbatim_doc_comment)]
    Kubectl {
        #[command(flatten)]
        profile: ProfileArg,
        /// Which token kubectl gets: `id` for a cluster using Kubernetes' OIDC authenticator
        /// (saved in the profile as `kubectl_token`)
        #[arg(long, value_enum, value_name = "KIND")]
        token: Option<super::TokenArg>,
    },
    /// Serve a Terraform host (module registry, remote backend) from a profile.
    ///
    /// Adds it to the profile's `terraform_hosts`, adds `credentials_helper "tok" {}` to Terraform's CLI configuration
    /// ($TF_CLI_CONFIG_FILE, default ~/.terraformrc) and links `terraform-credentials-tok` into
    /// ~/.terraform.d/plugins. Nothing else in the file changes; --remove restores it.
    ///
    /// Examples:
    ///   tok setup terraform -p work --host registry.example.com
    ///   tok setup terraform -p work --host tf.example.com:8443 --remove
    #[command(verbatim_doc_comment)]
    Terraform {
        #[command(flatten)]
        profile: ProfileArg,
        /// The host as Terraform names it: `host` or `host:port`
        #[arg(long, value_name = "HOST[:PORT]")]
        host: String,
        /// Undo: remove the host from the profile, tok's block from the CLI configuration and
        /// the link
        #[arg(long)]
        remove: bool,
    },
    /// Get an AWS profile's credentials from tok: `credential_process` in the AWS config file.
    ///
    /// Sets `credential_process = tok aws-credential -p PROFILE --role-arn ARN` in
    /// `[profile NAME]` of $AWS_CONFIG_FILE (default ~/.aws/config), keeping every other byte
    /// of the file; --remove takes the line out again.
    ///
    /// Examples:
    ///   tok setup aws -p work --role-arn arn:aws:iam::123456789012:role/dev --aws-profile dev
    ///   tok setup aws -p work --role-arn arn:aws:iam::123456789012:role/dev --aws-profile dev --remove
    #[command(verbatim_doc_comment)]
    Aws {
        #[command(flatten)]
        profile: ProfileArg,
        /// The role to assume, `arn:aws:iam::ACCOUNT:role/NAME`
        #[arg(long, value_name = "ARN")]
        role_arn: String,
        /// The AWS profile to configure (`default` for `[default]`)
        #[arg(long, value_name = "NAME")]
        aws_profile: String,
        /// Undo: take tok's `credential_process` line out of the profile
        #[arg(long)]
        remove: bool,
    },
    /// Write the Google Cloud `external_account` configuration that runs `tok gcp-credential`.
    ///
    /// For Google Cloud's client libraries and gcloud (workload identity federation). FILE gets the JSON (0600) naming the pool provider's --audience, Google's STS, the
    /// executable source `tok gcp-credential -p PROFILE` and, with --service-account, the
    /// service account to impersonate. Point GOOGLE_APPLICATION_CREDENTIALS (or `gcloud auth
    /// login --cred-file`) at it and set GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1.
    ///
    /// Examples:
    ///   tok setup gcp -p work --audience //iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/dev/providers/tok --output ~/.config/gcloud/tok.json
    #[command(verbatim_doc_comment)]
    Gcp {
        #[command(flatten)]
        profile: ProfileArg,
        /// The workload identity pool provider:
        /// //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER
        #[arg(long, value_name = "AUDIENCE")]
        audience: String,
        /// The service account to impersonate (its email)
        #[arg(long, value_name = "EMAIL")]
        service_account: Option<String>,
        /// Where to write the configuration
        #[arg(long, value_name = "FILE")]
        output: std::path::PathBuf,
    },
}
