//! The command line, as clap derive structs. Doc comments are the help text; no I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Flow;
use crate::store::StoreKind;

/// The exit-code table of `--help` and the man page; kept equal to `error::Code` by a test.
pub const EXIT_CODES: &str = "\
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
  9  another tok process held the profile lock too long
  10  the server's TLS certificate was refused (unknown issuer, expired, wrong host…)";

/// Log in once with OAuth 2.0 / OpenID Connect, then print fresh access tokens for scripts, git
/// and docker.
///
/// The refresh token stays in the OS keychain; `tok print` answers from a private cache while the
/// access token is valid and refreshes it (once, however many processes ask) when it is not.
#[derive(Debug, Parser)]
#[command(name = "tok", version, propagate_version = true, after_long_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: $XDG_CONFIG_HOME/tok/config.toml]
    #[arg(long, global = true, env = crate::config::ENV_CONFIG, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Where sessions are kept [default: the store chosen at login, else auto]
    ///
    /// A keychain operation that takes longer than $TOK_KEYCHAIN_TIMEOUT seconds (default 5)
    /// fails with exit code 6.
    #[arg(
        long,
        global = true,
        env = crate::config::ENV_STORE,
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

    /// Report errors as one JSON object on stderr: {"error":{"code","exit_code","message","hint"}}
    #[arg(long, global = true, env = crate::config::ENV_JSON_ERRORS, value_parser = clap::builder::BoolishValueParser::new(), num_args = 0, default_missing_value = "true", default_value = "false")]
    pub json_errors: bool,
}

impl Cli {
    /// Parse `tok print …` with a parser that knows only `print`: building the parsers of
    /// every subcommand was a third of the cached path's instructions (callgrind). Anything
    /// it does not accept plainly (help, errors, other verbs) returns `None`, and the full
    /// parser answers instead, so behaviour and messages stay those of [`Cli::try_parse_from`].
    pub fn try_parse_print(args: &[std::ffi::OsString]) -> Option<Cli> {
        use clap::FromArgMatches as _;
        if args.get(1).and_then(|a| a.to_str()) != Some("print") {
            return None;
        }
        let cmd = GlobalArgs::augment_args(clap::Command::new("tok"))
            .subcommand(PrintArgs::augment_args(clap::Command::new("print")));
        let mut m = cmd.try_get_matches_from(args).ok()?;
        let global = GlobalArgs::from_arg_matches_mut(&mut m).ok()?;
        let (_, mut sub) = m.remove_subcommand()?;
        let print = PrintArgs::from_arg_matches_mut(&mut sub).ok()?;
        Some(Cli {
            global,
            command: Command::Print(print),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Login(LoginArgs),
    Print(PrintArgs),
    Logout(LogoutArgs),
    Status(StatusArgs),
    #[command(subcommand)]
    Profile(ProfileCommand),
    Completions(CompletionsArgs),
    #[command(flatten)]
    Helper(HelperCommand),
    Setup(SetupArgs),
    Stats(StatsArgs),
    Exec(ExecArgs),
}

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

/// The profile to use.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArg {
    /// Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,
}

/// Log in and store the session in the keychain.
///
/// The first login of a profile names the issuer and client (or a --preset); they are saved in
/// the config file, so later logins need only `-p NAME`. `auto` picks the browser flow where a
/// display is available and not over SSH, else the device flow (with a QR code on a terminal).
///
/// Examples:
///   tok login -p work --issuer https://id.example.com --client-id tok-cli \
///       --scope openid --scope offline_access
///   tok login -p work --device        # on a machine without a browser
///   tok login -p work --dpop          # bind the session to a key (RFC 9449 DPoP)
///   tok login -p work --paste         # over SSH: paste the final redirected URL back
///   tok login -p gh --preset github --client-id Iv1.0123456789abcdef
///   TOK_CLIENT_SECRET=... tok login -p ci --issuer https://id.example.com \
///       --client-id ci-bot --client-credentials --scope api:read
///   printf %s "$REFRESH_TOKEN" | tok login -p ci --refresh-token-stdin
///   tok login -p ci --issuer https://id.example.com --client-id ci \
///       --workload-identity github        # GitHub Actions, no secret (README: In CI)
///   tok login -p ci --workload-identity env:ID_TOKEN --exchange jwt-bearer
///   tok login -p corp --issuer https://sso.corp.internal --client-id tok \
///       --ca-file /etc/corp/root-ca.pem   # a provider behind a private CA
///
/// Non-interactive runs (CI=true, or TOK_NONINTERACTIVE=1) never start a browser or device
/// login: they fail at once with exit code 3. Use --workload-identity, --client-credentials or
/// --refresh-token-stdin.
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

    /// Bind the session to a new per-profile key with DPoP (RFC 9449); saved in the profile
    #[arg(long)]
    pub dpop: bool,

    /// Give up after this long waiting for approval (e.g. 90s, 5m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,

    /// Browser flow without a loopback listener: print the URL, read the redirected URL from stdin
    #[arg(long, conflicts_with_all = ["device", "client_credentials", "refresh_token_stdin"])]
    pub paste: bool,

    /// Fill issuer, endpoints and scopes for a well-known provider (see README: Presets)
    #[arg(long, value_enum, value_name = "NAME")]
    pub preset: Option<crate::presets::Preset>,

    /// Directory tenant for --preset entra (a tenant ID or domain)
    #[arg(long, value_name = "TENANT", requires = "preset")]
    pub tenant: Option<String>,

    /// Confidential client (RFC 6749 §4.4): secret from $TOK_CLIENT_SECRET, else one line on stdin
    #[arg(long, conflicts_with_all = ["device", "browser", "refresh_token_stdin"])]
    pub client_credentials: bool,

    /// Seed the session from a refresh token read from stdin (e.g. a CI secret)
    #[arg(long, conflicts_with_all = ["device", "browser"])]
    pub refresh_token_stdin: bool,

    /// CI without secrets: exchange the job's identity token from SOURCE (github, env:NAME,
    /// file:PATH or auto) for each access token; nothing is stored; saved in the profile
    #[arg(long, value_name = "SOURCE", conflicts_with_all = ["device", "browser", "paste", "client_credentials", "refresh_token_stdin", "dpop"])]
    pub workload_identity: Option<String>,

    /// How the identity token is presented [default: token-exchange]; saved in the profile
    #[arg(long, value_enum, value_name = "METHOD")]
    pub exchange: Option<crate::oauth::grant::workload_identity::Method>,

    /// The audience to ask the CI platform for (GitHub) [default: the issuer URL]; saved
    #[arg(long, value_name = "AUD")]
    pub ci_audience: Option<String>,

    /// RFC 8693 subject_token_type [default: urn:ietf:params:oauth:token-type:jwt]; saved
    #[arg(long, value_name = "URI")]
    pub subject_token_type: Option<String>,

    /// An extra form field of the exchange (Dex: connector_id=ID); repeat for several; saved
    #[arg(long = "exchange-param", value_name = "KEY=VALUE", value_parser = key_value)]
    pub exchange_params: Vec<(String, String)>,

    /// Trust the CA certificates in this PEM file too (a private or TLS-inspecting CA); saved
    /// in the profile as `ca_file`
    #[arg(long, value_name = "PATH")]
    pub ca_file: Option<std::path::PathBuf>,
}

/// `KEY=VALUE` of `--exchange-param`.
fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
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
/// stdout carries the token and a newline, nothing else (or, with --format, a header line, a JSON
/// object or shell assignments). The token is served from a private cache while it has at least
/// --min-ttl seconds left; otherwise it is refreshed under a per-profile lock, so many processes
/// asking at once cause a single refresh. A client-credentials profile mints a new token instead.
///
/// Examples:
///   curl -H "Authorization: Bearer $(tok print -p work)" https://api.example.com/
///   curl -H "$(tok print -p work --format header)" https://api.example.com/
///   eval "$(tok print -p work --format env)"; echo "$TOK_EXPIRES_AT"
///   tok print -p work --format json | jq .expires_in
///   tok print -p work --min-ttl 300   # a token good for at least 5 more minutes
///   tok print -p work --scope api:read --audience https://api.example.com/
///   tok print -p work --format dpop --method GET --url https://api.example.com/items
///   tok print -p work --output /run/user/1000/work.token          # a 0600 file, stdout empty
///   tok print -p work --output ~/.cache/work.token --watch       # kept fresh until stopped
///
/// With --output the token goes to FILE instead, written atomically (a 0600 temporary file in
/// the same directory, then renamed): readers see the old token or the new one, never half of
/// one. --watch keeps running and rewrites FILE before the token expires — when less than the
/// larger of --min-ttl and a third of the token's lifetime is left — with one line on stderr per
/// rewrite. It rides out provider outages while the token in FILE is still valid, exits 3 when
/// the session is gone, and exits 0 on SIGTERM or SIGINT (after finishing a write in progress).
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

    /// What to print on stdout
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "token")]
    pub format: PrintFormat,

    /// A down-scoped token: refresh with this scope (repeat for several); cached apart
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,

    /// A token for this resource (RFC 8707 `resource`); cached apart from the default token
    #[arg(long, value_name = "URI")]
    pub audience: Option<String>,

    /// HTTP method of the request the DPoP proof is for (with --format dpop)
    #[arg(long, value_name = "METHOD", required_if_eq("format", "dpop"))]
    pub method: Option<String>,

    /// URL of the request the DPoP proof is for (with --format dpop)
    #[arg(long, value_name = "URL", required_if_eq("format", "dpop"))]
    pub url: Option<String>,

    /// The resource server's DPoP-Nonce, when it asked for one (with --format dpop)
    #[arg(long, value_name = "NONCE")]
    pub nonce: Option<String>,

    /// Write the token to FILE (atomically, 0600) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Keep FILE fresh: rewrite it before the token expires, until SIGTERM or SIGINT
    #[arg(long, requires = "output")]
    pub watch: bool,
}

/// What `tok print` writes on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrintFormat {
    /// The access token and a newline
    Token,
    /// `Authorization: Bearer TOKEN` (the token type as the server named it)
    Header,
    /// {"access_token","token_type","expires_at","expires_in","scope"}
    Json,
    /// TOK_ACCESS_TOKEN=… TOK_TOKEN_TYPE=… TOK_EXPIRES_AT=… lines for `eval`
    Env,
    /// `Authorization: DPoP TOKEN` and `DPoP: PROOF` for one request (RFC 9449; needs --method
    /// and --url)
    Dpop,
}

/// Revoke the session at the provider and forget it locally.
///
/// The refresh token is revoked (RFC 7009) when the provider has a revocation endpoint; the
/// session, cached tokens and state are removed even if revocation fails.
///
/// Examples:
///   tok logout -p work
///   tok logout -p work --no-revoke   # forget locally, leave the grant alive at the provider
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Forget locally without revoking at the provider
    #[arg(long)]
    pub no_revoke: bool,

    /// Print what happened as JSON on stdout: `revoked` is false when the grant may still be
    /// alive at the provider
    #[arg(long)]
    pub json: bool,
}

/// Show profiles and their sessions (never a token).
///
/// Examples:
///   tok status
///   tok status -p work --json | jq .
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct StatusArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Machine-readable output on stdout
    #[arg(long)]
    pub json: bool,
}

/// See and manage profiles without editing the config file by hand.
///
/// Examples:
///   tok profile list
///   tok profile show work --json
///   tok profile remove old-work
#[derive(Debug, Subcommand)]
#[command(verbatim_doc_comment)]
pub enum ProfileCommand {
    /// List the configured profiles, with whether each has a session.
    ///
    /// Examples:
    ///   tok profile list
    ///   tok profile list --json | jq -r '.[].name'
    #[command(verbatim_doc_comment)]
    List(ProfileListArgs),
    /// Show one profile's settings and session state (never a token).
    ///
    /// Examples:
    ///   tok profile show work
    ///   tok profile show work --json | jq .session
    #[command(verbatim_doc_comment)]
    Show(ProfileShowArgs),
    /// Remove a profile: revoke and forget its session, delete it from the config file.
    ///
    /// Examples:
    ///   tok profile remove old-work
    ///   tok profile remove old-work --no-revoke
    #[command(verbatim_doc_comment)]
    Remove(ProfileRemoveArgs),
}

#[derive(Debug, Args)]
pub struct ProfileListArgs {
    /// Machine-readable output on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProfileShowArgs {
    /// Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// Machine-readable output on stdout
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProfileRemoveArgs {
    /// Profile to remove
    #[arg(value_name = "NAME")]
    pub name: String,

    /// Forget the session locally without revoking it at the provider
    #[arg(long)]
    pub no_revoke: bool,
}

/// Print a shell completion script on stdout.
///
/// Examples:
///   tok completions bash > ~/.local/share/bash-completion/completions/tok
///   tok completions zsh > "${fpath[1]}/_tok"
///   tok completions fish > ~/.config/fish/completions/tok.fish
///   tok completions powershell >> $PROFILE
///   tok completions elvish >> ~/.config/elvish/rc.elv
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
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
/// The expiry it reports is a minute early, so kubectl asks again in time.
///
/// Examples:
///   tok setup kubectl -p work     # the kubeconfig block that runs it
///   tok kubectl-credential -p work | jq .status.expirationTimestamp
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct KubectlCredentialArgs {
    #[command(flatten)]
    pub profile: ProfileArg,
}

/// Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote
/// backends.
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
    /// Serve a git host: add it to the profile and set `credential.<url>.helper` in git's global
    /// config (after an empty `helper =` so that other helpers do not answer first).
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
    /// Serve a registry: add it to the profile and set `credHelpers` in
    /// $DOCKER_CONFIG/config.json (default ~/.docker/config.json), keeping every other key.
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
    #[command(verbatim_doc_comment)]
    Kubectl {
        #[command(flatten)]
        profile: ProfileArg,
    },
    /// Serve a Terraform host (module registry, remote backend): add it to the profile's
    /// `terraform_hosts`, add `credentials_helper "tok" {}` to Terraform's CLI configuration
    /// ($TF_CLI_CONFIG_FILE, default ~/.terraformrc) and link `terraform-credentials-tok` into
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
}

/// Refresh and request statistics from the audit log (never a token).
///
/// Refresh success rate, p50/p95 refresh latency, failures by error code, rotations, cache hit
/// rate and requests per consumer, from `$XDG_STATE_HOME/tok/audit.jsonl`.
///
/// Examples:
///   tok stats --since 7d
///   tok stats -p work --json
///   tok stats --format prometheus > /var/lib/node_exporter/textfile/tok.prom.$$ &&
///     mv /var/lib/node_exporter/textfile/tok.prom.$$ /var/lib/node_exporter/textfile/tok.prom
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct StatsArgs {
    /// Only this profile [default: all profiles]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Only events newer than this (e.g. 1h, 7d)
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub since: Option<std::time::Duration>,

    /// Machine-readable output on stdout
    #[arg(long)]
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Output format: `text`, `json` (as --json) or `prometheus` (text exposition format, for
    /// node_exporter's textfile collector)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<StatsFormat>,
}

/// What `tok stats` writes on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    /// A table for humans
    Text,
    /// One JSON object
    Json,
    /// Prometheus text exposition format (`# HELP`, `# TYPE`, base units, `_total` counters)
    Prometheus,
}

/// The default `tok exec --min-ttl`: a command runs for a while, so its token must last.
pub const EXEC_MIN_TTL: i64 = 300;

/// Run a command with a fresh access token in its environment (never in its arguments).
///
/// tok obtains a token valid for at least --min-ttl seconds, puts it in each --env variable of
/// the command's environment, and runs the command in its own place (on Unix, exec): the
/// command's exit status and signals are its own.
///
/// Examples:
///   tok exec -p work -- python3 deploy.py                  # reads os.environ["TOK_ACCESS_TOKEN"]
///   tok exec -p npm --env NPM_TOKEN -- npm publish          # .npmrc: //registry/:_authToken=${NPM_TOKEN}
///   tok exec -p gh --env GH_TOKEN -- gh pr list
///   tok exec -p tf --env TF_TOKEN_app_terraform_io -- terraform plan
///   tok exec -p pypi --env UV_INDEX_PRIVATE_PASSWORD -- uv sync
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ExecArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Environment variable to put the token in; repeat for several [default: TOK_ACCESS_TOKEN]
    #[arg(long = "env", value_name = "VAR")]
    pub env: Vec<String>,

    /// Leave this standing credential in the command's environment (TOK_CLIENT_SECRET, the
    /// GitHub Actions request variables, a workload identity `env:NAME`); repeat for several
    #[arg(long = "keep-env", value_name = "VAR")]
    pub keep_env: Vec<String>,

    /// Refresh unless the token has at least this many seconds left
    #[arg(long, value_name = "SECONDS", default_value_t = EXEC_MIN_TTL)]
    pub min_ttl: i64,

    /// A down-scoped token: refresh with this scope (repeat for several); cached apart
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,

    /// A token for this resource (RFC 8707 `resource`); cached apart from the default token
    #[arg(long, value_name = "URI")]
    pub audience: Option<String>,

    /// The command to run and its arguments (after `--`)
    #[arg(
        value_name = "CMD",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_parser = clap::value_parser!(std::ffi::OsString)
    )]
    pub command: Vec<std::ffi::OsString>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_row_is_a_helper_subcommand() {
        use clap::{CommandFactory, Subcommand as _};
        let cli = Cli::command();
        let helpers = HelperCommand::augment_subcommands(clap::Command::new("h"));
        let names: Vec<&str> = helpers.get_subcommands().map(|c| c.get_name()).collect();
        let rows: Vec<&str> = crate::helpers::PROTOCOLS
            .iter()
            .map(|p| p.subcommand)
            .collect();
        assert_eq!(names, rows);
        for name in names {
            assert!(cli.find_subcommand(name).is_some(), "{name}");
            let args = ["tok", name, "get", "-p", "x"];
            let args = if name == "kubectl-credential" {
                &["tok", name][..]
            } else {
                &args[..3]
            };
            match Cli::try_parse_from(args).map(|c| c.command) {
                Ok(Command::Helper(h)) => assert_eq!(h.protocol().subcommand, name),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_print_fast_path_parses_as_the_full_parser() {
        let cases: &[&[&str]] = &[
            &["tok", "print"],
            &["tok", "print", "-p", "work"],
            &["tok", "print", "--profile=work", "-q"],
            &[
                "tok",
                "print",
                "-p",
                "w",
                "--min-ttl",
                "300",
                "--force-refresh",
                "-v",
            ],
            &[
                "tok", "print", "--config", "/x.toml", "--store", "file", "-vv",
            ],
            &[
                "tok", "print", "--format", "header", "--scope", "a", "--scope", "b",
            ],
            &[
                "tok",
                "print",
                "--audience",
                "https://api/",
                "--json-errors",
            ],
        ];
        for c in cases {
            let args: Vec<std::ffi::OsString> = c.iter().map(Into::into).collect();
            let fast = Cli::try_parse_print(&args).unwrap_or_else(|| panic!("{c:?}"));
            let full = Cli::try_parse_from(&args).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{c:?}");
        }
        for c in [
            &["tok", "print", "--help"][..],
            &["tok", "print", "--nope"],
            &["tok", "print", "-v", "-q"],
            &["tok", "status"],
            // Options before the verb: the full parser handles them.
            &["tok", "-v", "print"],
            &["tok"],
        ] {
            let args: Vec<std::ffi::OsString> = c.iter().map(Into::into).collect();
            assert!(Cli::try_parse_print(&args).is_none(), "{c:?}");
        }
    }
}
