//! The command line, as clap derive structs. Doc comments are the help text; no I/O here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::store::StoreKind;

mod cloud;
mod helper;
mod login;
mod setup;

pub use cloud::{AwsCredentialArgs, GcpCredentialArgs};
pub use helper::{
    DockerCredentialArgs, GitCredentialArgs, HelperCommand, KubectlCredentialArgs,
    TerraformCredentialArgs,
};
pub use login::{ClientAuthArgs, LoginArgs};
pub use setup::{SetupArgs, SetupTool};

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
  8  invalid configuration, or a config file or tok directory others could write
  9  another tok process held the profile lock too long, or the redirect port is taken
  10  the server's TLS certificate was refused (unknown issuer, expired, wrong host…)";

/// The second paragraph of `tok --help` (the first is made in [`command`]).
const ABOUT_MORE: &str = "The refresh token stays in the OS keychain; `tok print` answers from a \
private cache while the access token is valid and refreshes it (once, however many processes ask) \
when it is not.";

/// tok's command line. Its summary and the helpers' words are set in [`command`], from the
/// protocol table.
#[derive(Debug, Parser)]
#[command(name = "tok", version, propagate_version = true, after_long_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The command line: the clap derive of [`Cli`] with the words the protocol table
/// ([`crate::helpers::PROTOCOLS`]) gives it — the tools tok serves, each helper subcommand's
/// summary, the tools `tok setup` configures — so the help cannot drift from the table.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let protocols = crate::helpers::PROTOCOLS;
    let tools: Vec<&str> = protocols.iter().map(|p| p.tool).collect();
    let about = format!(
        "Log in once with OAuth 2.0 / OpenID Connect, then print fresh access tokens for scripts, {}.",
        list(&tools, "and")
    );
    let mut cmd = Cli::command()
        .about(about.clone())
        .long_about(format!("{about}\n\n{ABOUT_MORE}"));
    for p in protocols {
        cmd = cmd.mut_subcommand(p.subcommand, |c| c.about(p.summary));
    }
    cmd.mut_subcommand("setup", |c| {
        c.about(format!(
            "Configure {} to get their credentials from tok.",
            list(&tools, "or")
        ))
    })
}

/// `a, b, c or d`.
fn list(words: &[&str], last: &str) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

impl Cli {
    /// Parse `args` with [`command`]'s help text.
    pub fn parse_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::FromArgMatches;
        Self::from_arg_matches(&command().try_get_matches_from(args)?)
    }
}

/// The options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: $XDG_CONFIG_HOME/tok/config.toml]
    #[arg(long, global = true, env = crate::settings::ENV_CONFIG, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Where sessions are kept [default: the store chosen at login, else auto]
    ///
    /// A keychain operation that takes longer than $TOK_KEYCHAIN_TIMEOUT seconds (default 5)
    /// fails with exit code 6.
    #[arg(
        long,
        global = true,
        env = crate::settings::ENV_STORE,
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
    #[arg(long, global = true, env = crate::settings::ENV_JSON_ERRORS, value_parser = clap::builder::BoolishValueParser::new(), num_args = 0, default_missing_value = "true", default_value = "false")]
    pub json_errors: bool,
}

impl Cli {
    /// Parse `tok print …` and `tok aws-credential …` (the verbs other programs run for every
    /// request, answered from a cache) with a parser that knows only that verb: building the
    /// parsers of every subcommand was a third of the cached path's instructions (callgrind).
    /// Anything it does not accept plainly (help, errors, other verbs) returns `None`, and the
    /// full parser answers instead, so behaviour and messages stay those of
    /// [`Cli::try_parse_from`].
    pub fn try_parse_fast(args: &[std::ffi::OsString]) -> Option<Cli> {
        use clap::FromArgMatches as _;
        let verb = args.get(1).and_then(|a| a.to_str())?;
        let sub = match verb {
            "print" => PrintArgs::augment_args(clap::Command::new("print")),
            "aws-credential" => {
                AwsCredentialArgs::augment_args(clap::Command::new("aws-credential"))
            }
            _ => return None,
        };
        let cmd = GlobalArgs::augment_args(clap::Command::new("tok")).subcommand(sub);
        let mut m = cmd.try_get_matches_from(args).ok()?;
        let global = GlobalArgs::from_arg_matches_mut(&mut m).ok()?;
        let (_, mut sub) = m.remove_subcommand()?;
        let command = match verb {
            "print" => Command::Print(PrintArgs::from_arg_matches_mut(&mut sub).ok()?),
            _ => Command::AwsCredential(AwsCredentialArgs::from_arg_matches_mut(&mut sub).ok()?),
        };
        Some(Cli { global, command })
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
    AwsCredential(AwsCredentialArgs),
    GcpCredential(GcpCredentialArgs),
    Whoami(WhoamiArgs),
}

/// Who the session of a profile is: subject, issuer, name, username and email.
///
/// The claims come from the session's validated ID token, or from the provider's UserInfo
/// endpoint (--userinfo, or when the session holds no ID token). When the access token is a
/// JWT, its scope, audience and expiry are shown too — decoded for display only, not verified.
/// Exits 3 when there is no session, so scripts can write `tok whoami -q || tok login`.
///
/// Examples:
///   tok whoami -p work
///   tok whoami -p work --json | jq -r .sub
///   tok whoami -p work --userinfo
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct WhoamiArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Ask the provider's UserInfo endpoint (with the access token)
    #[arg(long)]
    pub userinfo: bool,

    /// One JSON object on stdout
    #[arg(long)]
    pub json: bool,
}

/// The profile to use.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArg {
    /// Profile name [default: $TOK_PROFILE, else `default_profile`, else the only profile]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,
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

    #[command(flatten)]
    pub step_up: StepUpArgs,

    /// HTTP method of the request the DPoP proof is for (with --format dpop)
    #[arg(long, value_name = "METHOD", required_if_eq("format", "dpop"))]
    pub method: Option<String>,

    /// URL of the request the DPoP proof is for (with --format dpop)
    #[arg(long, value_name = "URL", required_if_eq("format", "dpop"))]
    pub url: Option<String>,

    /// The resource server's DPoP-Nonce, when it asked for one (with --format dpop)
    #[arg(long, value_name = "NONCE")]
    pub nonce: Option<String>,

    /// Read the PIN of the session's PKCS#11 token from the first line of stdin. Otherwise a
    /// refresh asks for it at the terminal, and fails with exit 3 where there is none (never
    /// argv, environment or file)
    #[arg(long)]
    pub pin_stdin: bool,

    /// Write the token to FILE (atomically, 0600) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Keep FILE fresh: rewrite it before the token expires, until SIGTERM or SIGINT
    #[arg(long, requires = "output")]
    pub watch: bool,

    /// Which token: the OAuth access token, or the OpenID Connect ID token (needs a login
    /// with the `openid` scope)
    #[arg(long, value_enum, value_name = "KIND", default_value = "access")]
    pub token: TokenArg,
}

/// `--token`: which of the session's tokens to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TokenArg {
    /// The OAuth access token
    #[default]
    Access,
    /// The OpenID Connect ID token (a JWT naming the person)
    Id,
}

impl From<TokenArg> for crate::session::TokenKind {
    fn from(t: TokenArg) -> Self {
        match t {
            TokenArg::Access => crate::session::TokenKind::Access,
            TokenArg::Id => crate::session::TokenKind::Id,
        }
    }
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
    /// Print the public JWK Set of a private_key_jwt profile's client keys, to register.
    ///
    /// Each key has `kid` (its RFC 7638 thumbprint), `alg` and `use: sig`; no private part.
    /// A profile without a key file gets one generated on first use. A key on a PKCS#11
    /// token (`client_key = "pkcs11:…"`) is read from the token, which may ask its PIN.
    ///
    /// Examples:
    ///   tok profile jwks -p ci > jwks.json
    #[command(verbatim_doc_comment)]
    Jwks(ProfileJwksArgs),
}

#[derive(Debug, Args)]
pub struct ProfileJwksArgs {
    #[command(flatten)]
    pub profile: ProfileArg,

    /// Read the PIN of the client key's PKCS#11 token from the first line of stdin (else it
    /// is asked at the terminal)
    #[arg(long)]
    pub pin_stdin: bool,
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

    /// Environment variable to put the token in; repeat for several [default: TOK_ACCESS_TOKEN,
    /// or TOK_ID_TOKEN with --token id]
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

    #[command(flatten)]
    pub step_up: StepUpArgs,

    /// Which token: the OAuth access token, or the OpenID Connect ID token
    #[arg(long, value_enum, value_name = "KIND", default_value = "access")]
    pub token: TokenArg,

    /// The command to run and its arguments (after `--`)
    #[arg(
        value_name = "CMD",
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_parser = clap::value_parser!(std::ffi::OsString)
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// Step-up (RFC 9470): a token from a sign-in that met these, kept apart from the profile's
/// everyday tokens and never refreshed.
#[derive(Debug, Clone, Default, Args)]
pub struct StepUpArgs {
    /// A token from a sign-in at one of these authentication levels (space-separated `acr`
    /// values); without one held, logs in for it in a terminal (else exit 3)
    #[arg(long, value_name = "ACR")]
    pub acr_values: Option<String>,

    /// A token from a sign-in no older than this many seconds (step-up, as --acr-values)
    #[arg(long, value_name = "SECONDS")]
    pub max_age: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every summary in `tok --help` (and in each command's list of subcommands) is one
    /// unbroken line ending its sentence; the helpers' and `setup`'s come from the table.
    #[test]
    fn every_subcommand_summary_is_one_unbroken_line() {
        fn walk(cmd: &clap::Command, path: &str, seen: &mut usize, bad: &mut Vec<String>) {
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                let path = format!("{path} {}", sub.get_name());
                let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
                if about.is_empty() || about.contains('\n') || !about.ends_with('.') {
                    bad.push(format!("`{path}`: {about:?}"));
                }
                *seen += 1;
                walk(sub, &path, seen, bad);
            }
        }
        let mut cmd = command();
        cmd.build();
        let (mut seen, mut bad) = (0, vec![]);
        walk(&cmd, "tok", &mut seen, &mut bad);
        assert!(seen > 15, "{seen} subcommands");
        assert_eq!(
            bad,
            Vec::<String>::new(),
            "make each summary one sentence on one line"
        );
        let setup = cmd.find_subcommand("setup").unwrap().get_about().unwrap();
        assert_eq!(
            setup.to_string(),
            "Configure git, docker, kubectl or Terraform to get their credentials from tok."
        );
        for p in crate::helpers::PROTOCOLS {
            let sub = cmd.find_subcommand(p.subcommand).unwrap();
            assert_eq!(sub.get_about().unwrap().to_string(), p.summary);
            // Every tool the table names is one `tok setup` configures.
            let tool = p.tool.to_lowercase();
            assert!(
                cmd.find_subcommand("setup")
                    .unwrap()
                    .find_subcommand(&tool)
                    .is_some(),
                "tok setup {tool}"
            );
        }
    }

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
    fn the_fast_path_parses_as_the_full_parser() {
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
            &[
                "tok",
                "aws-credential",
                "--role-arn",
                "arn:aws:iam::1:role/r",
            ],
            &[
                "tok",
                "aws-credential",
                "-p",
                "w",
                "--role-arn=arn:aws:iam::1:role/r",
                "--session-name",
                "s",
                "--duration",
                "900",
                "--region",
                "eu-west-1",
                "--token",
                "access",
                "-q",
            ],
        ];
        for c in cases {
            let args: Vec<std::ffi::OsString> = c.iter().map(Into::into).collect();
            let fast = Cli::try_parse_fast(&args).unwrap_or_else(|| panic!("{c:?}"));
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
            &["tok", "aws-credential"],
            &[
                "tok",
                "aws-credential",
                "--role-arn",
                "a",
                "--duration",
                "10",
            ],
            &["tok", "aws-credential", "--help"],
            &["tok", "-q", "aws-credential", "--role-arn", "a"],
        ] {
            let args: Vec<std::ffi::OsString> = c.iter().map(Into::into).collect();
            assert!(Cli::try_parse_fast(&args).is_none(), "{c:?}");
        }
    }
}
