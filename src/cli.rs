//! The command line, as clap derive structs. Doc comments are the help text; no I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Flow;
use crate::store::StoreKind;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  other failure
  2  usage error
  3  login required (no session, or the refresh token was rejected)
  4  provider or network unavailable
  5  the provider sent an unusable response
  6  keychain or store unavailable
  7  login denied, cancelled or timed out
  8  invalid configuration
  9  another tok process held the profile lock too long";

/// Log in once with OAuth 2.0 / OpenID Connect, then print fresh access tokens for scripts, git
/// and docker.
///
/// The refresh token stays in the OS keychain; `tok print` answers from a private cache while the
/// access token is valid and refreshes it (once, however many processes ask) when it is not.
#[derive(Debug, Parser)]
#[command(name = "tok", version, propagate_version = true, after_long_help = EXIT_CODES)]
pub struct Cli {
    /// Config file [default: $XDG_CONFIG_HOME/tok/config.toml]
    #[arg(long, global = true, env = "TOK_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Where sessions are kept [default: the store chosen at login, else auto]
    #[arg(
        long,
        global = true,
        env = "TOK_STORE",
        value_enum,
        value_name = "STORE"
    )]
    pub store: Option<StoreKind>,

    /// Explain decisions on stderr (-v: cache, locks, refreshes; -vv: HTTP). Never prints tokens.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print nothing on stderr but errors
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Login(LoginArgs),
    Print(PrintArgs),
    Logout(LogoutArgs),
    Status(StatusArgs),
}

/// The profile to use.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArg {
    /// Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,
}

/// Log in and store the session in the keychain.
///
/// The first login of a profile names the issuer and client; they are saved in the config file,
/// so later logins need only `-p NAME`.
///
/// Examples:
///   tok login -p work --issuer https://id.example.com --client-id tok-cli \
///       --scope openid --scope offline_access
///   tok login -p work --device        # on a machine without a browser
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct LoginArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Issuer URL (https://, or http:// for loopback hosts); saved in the profile
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// OAuth client ID registered with the issuer; saved in the profile
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Scope to request; repeat for several (include offline_access for a refresh token)
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,

    /// Resource the tokens are for (RFC 8707 `resource`); saved in the profile
    #[arg(long, value_name = "URI")]
    pub audience: Option<String>,

    /// Use the device flow: a code to enter on another device (RFC 8628)
    #[arg(long, conflicts_with = "browser")]
    pub device: bool,

    /// Use the browser flow: authorization code + PKCE with a loopback redirect (RFC 8252)
    #[arg(long)]
    pub browser: bool,

    /// Do not open a browser; print the URL only
    #[arg(long)]
    pub no_browser: bool,

    /// Give up after this long waiting for approval (e.g. 90s, 5m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,
}

impl LoginArgs {
    pub fn flow(&self) -> Option<Flow> {
        match (self.device, self.browser) {
            (true, _) => Some(Flow::Device),
            (_, true) => Some(Flow::Browser),
            _ => None,
        }
    }
}

/// Print a valid access token on stdout, refreshing it if needed.
///
/// stdout carries the token and a newline, nothing else. The token is served from a private
/// cache while it has at least --min-ttl seconds left; otherwise it is refreshed under a
/// per-profile lock, so many processes asking at once cause a single refresh.
///
/// Examples:
///   curl -H "Authorization: Bearer $(tok print -p work)" https://api.example.com/
///   tok print -p work --min-ttl 300   # a token good for at least 5 more minutes
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct PrintArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Refresh unless the token has at least this many seconds left
    #[arg(long, value_name = "SECONDS", default_value_t = crate::session::DEFAULT_MIN_TTL)]
    pub min_ttl: i64,

    /// Refresh now, even if the cached token is still valid
    #[arg(long)]
    pub force_refresh: bool,
}

/// Revoke the session at the provider and forget it locally.
///
/// The refresh token is revoked (RFC 7009) when the provider has a revocation endpoint; the
/// session, cached tokens and state are removed even if revocation fails.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Forget locally without revoking at the provider
    #[arg(long)]
    pub no_revoke: bool,
}

/// Show profiles and their sessions (never a token).
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Machine-readable output on stdout
    #[arg(long)]
    pub json: bool,
}
