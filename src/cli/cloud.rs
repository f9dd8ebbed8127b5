//! `tok aws-credential`: cloud credentials made from the session's token.

use clap::Args;

use super::ProfileArg;

/// Print AWS credentials for an AWS SDK's `credential_process`, from the session's token.
///
/// tok presents the session's token to AWS STS `AssumeRoleWithWebIdentity` for --role-arn and
/// prints the `credential_process` JSON (Version 1, AccessKeyId, SecretAccessKey, SessionToken,
/// Expiration) on stdout. The keys stay in tok's private cache (0600) until 16 minutes before
/// they expire (half their lifetime if shorter), and one process at a time asks STS, however
/// many SDK processes start at once. The role's account must trust tok's issuer as an IAM OIDC
/// identity provider, with the profile's client id as the audience.
///
/// The endpoint: $AWS_ENDPOINT_URL_STS, else $AWS_ENDPOINT_URL, else
/// https://sts.REGION.amazonaws.com for --region ($AWS_REGION), else https://sts.amazonaws.com.
///
/// Examples:
///   tok setup aws -p work --role-arn arn:aws:iam::123456789012:role/dev --aws-profile dev
///   aws --profile dev sts get-caller-identity
///   tok aws-credential -p work --role-arn arn:aws:iam::123456789012:role/dev
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct AwsCredentialArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
    /// The role to assume, `arn:aws:iam::ACCOUNT:role/NAME`
    #[arg(long, value_name = "ARN")]
    pub role_arn: String,
    /// RoleSessionName (2-64 of letters, digits and `+=,.@_-`) [default: tok-PROFILE]
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// How long the keys live, 900 to 43200 seconds [default: STS's, one hour]
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(900..=43200))]
    pub duration: Option<u32>,
    /// The region whose STS endpoint to call [default: $AWS_REGION, else the global endpoint]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Which of the session's tokens to present as the web identity: the OpenID Connect ID
    /// token (its `aud` is the profile's client id; needs a login with the `openid` scope), or
    /// the access token (when the provider issues JWT access tokens)
    #[arg(long, value_enum, value_name = "KIND", default_value = "id")]
    pub token: super::TokenArg,
}

/// Print the session's token for Google Cloud, as an executable credential source.
///
/// Google's external-account libraries (and gcloud) run this command from the configuration
/// `tok setup gcp` writes, with `GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1`, and exchange
/// the token at Google's STS. stdout carries one JSON object, version 1: `success: true` with
/// the token and its `expiration_time`, or `success: false` with a `code` and a `message`
/// (and a non-zero exit). Nothing is written to stderr: the libraries read it merged into
/// stdout. `GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE` receives the same JSON (0600). A configuration
/// whose audience (or impersonated service account) is not the one --audience (--service-account)
/// names gets no token. Only in the libraries' interactive mode
/// (`GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE=1`, the user's terminal) does a needed login run.
///
/// Examples:
///   tok setup gcp -p work --audience //iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/dev/providers/tok --output ~/.config/gcloud/tok.json
///   GOOGLE_APPLICATION_CREDENTIALS=~/.config/gcloud/tok.json GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1 gcloud storage ls
///   tok gcp-credential -p work
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct GcpCredentialArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
    /// Which of the session's tokens to hand out: the ID token (its `aud` is the profile's
    /// client id), or the access token when the provider issues JWT access tokens
    #[arg(long, value_enum, value_name = "KIND", default_value = "id")]
    pub token: super::TokenArg,
    /// The pool provider this command was set up for (`tok setup gcp` writes it): a
    /// configuration whose audience (GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE) differs gets no token
    #[arg(long, value_name = "AUDIENCE")]
    pub audience: Option<String>,
    /// The service account this command was set up to be impersonated as (`tok setup gcp`
    /// writes it): a configuration impersonating another (or none) gets no token
    #[arg(long, value_name = "EMAIL")]
    pub service_account: Option<String>,
}
