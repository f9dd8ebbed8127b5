//! The wire formats of the tools tok serves tokens to: git's credential helper protocol, docker's
//! credential helpers, kubectl's exec plugins, Terraform's credentials helpers — and [`PROTOCOLS`], the one table naming each
//! protocol's subcommand, argv[0] alias, config key, usernames and audit consumer.
//!
//! Everything here is pure: streams come in as parameters (so tests feed `Cursor`s) and tokens
//! come from a [`Tokens`] implementation (the session, in the binary; a fake, in unit tests).
//! Helpers never talk HTTP and never touch a store.

mod aws;
mod docker;
mod gcp;
mod git;
mod kubectl;
mod terraform;

use std::ffi::OsString;
use std::io::{BufRead, Write};

use url::Url;

pub use aws::{
    ConfigEditError, command_line as aws_command_line, credential_process_json,
    edit_config as edit_aws_config,
};
pub use docker::{
    Docker, DockerTarget, docker_targets, edit_config as edit_docker_config, normalize_registry,
};
pub use gcp::{
    ID_TOKEN_TYPE as GCP_ID_TOKEN_TYPE, JWT_TYPE as GCP_JWT_TYPE,
    external_account as gcp_external_account, failure as gcp_failure, success as gcp_success,
    valid_audience as valid_gcp_audience,
};
pub use git::{
    Action as GitAction, Answer as GitAnswer, Git, GitError, git_targets,
    parse as parse_git_request, write_answer,
};
pub use kubectl::{
    API_V1 as KUBECTL_API_V1, Kubectl, api_version as kubectl_api_version, exec_credential,
    kubeconfig_user,
};
pub use terraform::{
    Action as TerraformAction, HelperConfig, Terraform, TerraformError, add_helper, helper_in,
    normalize_host as normalize_terraform_host, remove_helper, terraform_host_matches,
    terraform_targets,
};

use crate::audit::Consumer;
use crate::config::{Config, Preset, ProfileConfig};
use crate::secret::AccessToken;

/// One helper protocol: everything outside its own file that names it reads this row.
#[derive(Debug)]
pub struct Protocol {
    /// The tok subcommand that speaks it (`tok git-credential`).
    pub subcommand: &'static str,
    /// The tool as the help names it (`Terraform`); in lower case, its `tok setup` subcommand.
    pub tool: &'static str,
    /// The subcommand's one-line summary in `tok --help`.
    pub summary: &'static str,
    /// The program name the client runs, which stands for `tok SUBCOMMAND` (argv[0] dispatch).
    pub argv0: Option<&'static str>,
    /// The profile key listing what a profile serves (hosts, registries), and its value.
    /// `None`: the client names the profile itself (kubectl's `-p`).
    pub config_key: Option<ConfigKey>,
    /// The profile key naming the username sent with the token, and its value.
    pub username_key: Option<ConfigKey<str>>,
    /// The username a preset prescribes for this protocol.
    pub preset_username: fn(Preset) -> Option<&'static str>,
    /// The username when neither the profile nor its preset names one (`None`: the protocol
    /// sends no username).
    pub default_username: Option<&'static str>,
    /// Who asked, in the audit log's `request` events; also names the protocol's username in
    /// `tok profile show --json` (`git_username`).
    pub consumer: Consumer,
}

/// A key of `[profiles.NAME]` and how to read it from the parsed file.
#[derive(Debug)]
pub struct ConfigKey<T: ?Sized + 'static = [String]> {
    pub name: &'static str,
    pub get: fn(&ProfileConfig) -> Option<&T>,
}

/// git's credential helper (git-credential(1)).
pub static GIT: Protocol = Protocol {
    subcommand: "git-credential",
    tool: "git",
    summary: "git credential helper: answer git with a fresh access token (see `tok setup git`).",
    argv0: Some("git-credential-tok"),
    config_key: Some(ConfigKey {
        name: "hosts",
        get: |p| p.hosts.as_deref(),
    }),
    username_key: Some(ConfigKey {
        name: "username",
        get: |p| p.username.as_deref(),
    }),
    preset_username: Preset::git_username,
    default_username: Some("oauth2"),
    consumer: Consumer::new("git"),
};

/// docker's credential helpers (docker, skopeo, podman, buildah).
pub static DOCKER: Protocol = Protocol {
    subcommand: "docker-credential",
    tool: "docker",
    summary: "docker credential helper: answer docker, skopeo or podman with a fresh access token.",
    argv0: Some("docker-credential-tok"),
    config_key: Some(ConfigKey {
        name: "registries",
        get: |p| p.registries.as_deref(),
    }),
    username_key: Some(ConfigKey {
        name: "docker_username",
        get: |p| p.docker_username.as_deref(),
    }),
    preset_username: Preset::docker_username,
    // The convention of registries that take OAuth access tokens as passwords.
    default_username: Some("oauth2accesstoken"),
    consumer: Consumer::new("docker"),
};

/// kubectl's exec credential plugins (client.authentication.k8s.io).
pub static KUBECTL: Protocol = Protocol {
    subcommand: "kubectl-credential",
    tool: "kubectl",
    summary: "kubectl exec plugin: print an ExecCredential with a fresh access token.",
    argv0: None,
    config_key: None,
    username_key: None,
    preset_username: |_| None,
    default_username: None,
    consumer: Consumer::new("kubectl"),
};

/// Terraform's (and OpenTofu's) credentials helpers, for module registries and remote backends.
pub static TERRAFORM: Protocol = Protocol {
    subcommand: "terraform-credential",
    tool: "Terraform",
    summary: "Terraform (and OpenTofu) credentials helper: API tokens for module registries and remote backends.",
    argv0: Some("terraform-credentials-tok"),
    config_key: Some(ConfigKey {
        name: "terraform_hosts",
        get: |p| p.terraform_hosts.as_deref(),
    }),
    // Terraform sends the token alone, as a bearer token.
    username_key: None,
    preset_username: |_| None,
    default_username: None,
    consumer: Consumer::new("terraform"),
};

/// Every protocol tok speaks.
pub static PROTOCOLS: &[&Protocol] = &[&GIT, &DOCKER, &KUBECTL, &TERRAFORM];

impl Protocol {
    /// The username this protocol sends for profile `p`: the profile's own, else its preset's,
    /// else the protocol's default. `None` for protocols that send no username.
    pub fn username(&self, p: &ProfileConfig) -> Option<String> {
        let own = self.username_key.as_ref().and_then(|k| (k.get)(p));
        let preset = || {
            p.preset
                .as_deref()
                .and_then(Preset::from_name)
                .and_then(self.preset_username)
        };
        own.map(str::to_string)
            .or_else(|| preset().map(str::to_string))
            .or_else(|| self.default_username.map(str::to_string))
    }

    /// Every entry of this protocol's config key, by profile, in profile-name order.
    pub fn entries<'c>(&self, config: &'c Config) -> impl Iterator<Item = Entry<'c>> + use<'c> {
        let get = self.config_key.as_ref().map(|k| k.get);
        config.file.profiles.iter().flat_map(move |(name, p)| {
            get.and_then(|get| get(p))
                .unwrap_or_default()
                .iter()
                .map(move |value| Entry {
                    profile: name,
                    config: p,
                    value,
                })
        })
    }

    /// The problem with entry `value`, worded for a warning.
    pub fn problem(&self, profile: &str, message: &str) -> String {
        let key = self.config_key.as_ref().map_or("", |k| k.name);
        format!("profile `{profile}`: {key}: {message}")
    }
}

/// One entry (a host, a registry) of a protocol's config key.
pub struct Entry<'c> {
    pub profile: &'c String,
    pub config: &'c ProfileConfig,
    pub value: &'c String,
}

/// What a helper is served: an access token and its expiry (unix seconds).
#[derive(Debug)]
pub struct Token {
    pub access_token: AccessToken,
    pub expires_at: Option<i64>,
}

/// Where helpers get tokens from.
pub trait Tokens {
    /// A fresh access token for `profile`, to be sent to `host` (named in the audit log; empty
    /// when the client names no host, as kubectl).
    fn get(&mut self, profile: &str, host: &str) -> Result<Token, TokenError>;
    /// The client rejected the token with this fingerprint (or, with `None`, whatever was
    /// served): forget it, keep the refresh token. Returns whether a token was forgotten.
    fn reject(&mut self, profile: &str, fingerprint: Option<&str>) -> Result<bool, TokenError>;
    /// A token for `profile` that meets what a resource server's challenge asks (`demand`:
    /// RFC 9470 step-up, RFC 6750 scope). Token sources that know no such tokens serve `get`'s.
    fn get_for(&mut self, profile: &str, host: &str, demand: &Demand) -> Result<Token, TokenError> {
        let _ = demand;
        self.get(profile, host)
    }
}

/// What a resource server's `WWW-Authenticate` challenge asks of the next token: a sign-in
/// that meets `acr_values`/`max_age` (RFC 9470 step-up), a `scope` (served as `--scope` is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Demand {
    pub acr_values: Option<String>,
    pub max_age: Option<i64>,
    pub scope: Option<String>,
}

impl Demand {
    pub fn is_none(&self) -> bool {
        *self == Demand::default()
    }
}

/// Why a token source gave no token, in the terms a helper protocol acts on (as
/// cargo-credential's `Error::NotFound`): the token source decides, so a helper never needs
/// the command line's exit-code mapping. The failure inside is printed whole (with its
/// sources, `: `-separated) and keeps its exit code and hint.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// "Log in first": no session, or its refresh token was rejected.
    #[error("{}", Whole(.0))]
    LoginRequired(Cause),
    /// Anything else: the network, the store, the configuration.
    #[error("{}", Whole(.0))]
    Other(Cause),
}

/// The failure inside a [`TokenError`], with its chain of sources (the token source's own
/// error, whatever layer it came from, as cargo-credential's `Error::Other`).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A cause and its sources on one line, `: `-separated.
struct Whole<'a>(&'a Cause);

impl std::fmt::Display for Whole<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let first: &(dyn std::error::Error + 'static) = self.0.as_ref();
        let mut links = std::iter::successors(Some(first), |e| e.source());
        if let Some(e) = links.next() {
            write!(f, "{e}")?;
        }
        links.try_for_each(|e| write!(f, ": {e}"))
    }
}

impl TokenError {
    pub fn is_login_required(&self) -> bool {
        matches!(self, TokenError::LoginRequired(_))
    }

    /// The failure inside.
    pub fn cause(&self) -> &Cause {
        match self {
            TokenError::LoginRequired(e) | TokenError::Other(e) => e,
        }
    }
}

/// Why a helper could not answer at all (what the protocol answers itself is an [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Tokens(#[from] TokenError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Terraform(#[from] TerraformError),
    /// Reading the client's request or writing the answer failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// How one `serve` ended, for the command to report on stderr and to exit with.
#[derive(Debug)]
pub enum Outcome {
    /// A token was written for this profile.
    Answered { profile: String },
    /// No profile serves what the client asked about: the protocol's "nothing here" was
    /// answered (git: nothing written; Terraform: `{}`).
    NotOurs,
    /// Plain http to a host other than loopback: nothing written.
    Cleartext { host: String },
    /// The profile has no usable session and the protocol lets the caller deal with it (git:
    /// nothing written, so the command may log in and serve the same request again).
    LoginRequired { profile: String, err: TokenError },
    /// The client was told it failed, on stdout as its protocol wants (docker's sentences);
    /// the exit status is 1, with an optional hint for humans on stderr.
    Failed { note: Option<String> },
    /// `erase`/`forget`: whether the served token was forgotten (`None`: the protocol does
    /// not tell which profile's token it was).
    Erased { profile: String, forgot: bool },
    /// What tok does not act on (`store` of git and docker, `capability`, `list`, `version`,
    /// git's unknown actions).
    Ignored,
}

impl Outcome {
    /// The exit status the protocol expects.
    pub fn status(&self) -> u8 {
        match self {
            Outcome::Failed { .. } => 1,
            Outcome::Answered { .. }
            | Outcome::NotOurs
            | Outcome::Cleartext { .. }
            | Outcome::LoginRequired { .. }
            | Outcome::Erased { .. }
            | Outcome::Ignored => 0,
        }
    }
}

/// The one shape of every helper protocol: a value holding what the protocol serves (its
/// targets, read from the config through the [`Protocol`] row) answers one typed `Action`
/// over passed-in streams, with tokens from a [`Tokens`] source and the time `now`.
pub trait Helper {
    /// The protocol's actions, named as its client names them.
    type Action: Copy + for<'a> TryFrom<&'a str, Error = String>;

    /// Whether `action` needs tokens (and so the config and a session); `capability`,
    /// `store` and the like need neither, so a broken config never fails them.
    fn uses_tokens(action: Self::Action) -> bool;

    /// Answer an action the protocol does not define, as its client expects.
    fn unknown(action: &str, out: &mut impl Write) -> Result<Outcome, Error>;

    /// Serve `action`: read the client's request from `input`, answer on `out`.
    fn serve(
        &self,
        action: Self::Action,
        input: impl BufRead,
        out: &mut impl Write,
        tokens: &mut impl Tokens,
        now: i64,
    ) -> Result<Outcome, Error>;
}

/// Serve the action its client named `action`; one the protocol does not define is answered
/// by [`Helper::unknown`].
pub fn serve<H: Helper>(
    helper: &H,
    action: &str,
    input: impl BufRead,
    out: &mut impl Write,
    tokens: &mut impl Tokens,
    now: i64,
) -> Result<Outcome, Error> {
    match H::Action::try_from(action) {
        Ok(a) => helper.serve(a, input, out, tokens, now),
        Err(name) => H::unknown(&name, out),
    }
}

/// Seconds subtracted from a token's expiry before it is reported to a client that caches it
/// (git's `password_expiry_utc`, kubectl's `expirationTimestamp`): the same margin `tok print`
/// keeps by default.
pub const LEEWAY: i64 = crate::session::DEFAULT_MIN_TTL;

/// The expiry to report: `expires_at - LEEWAY`, unless the token lives less than the leeway, in
/// which case its real expiry (a time in the past would make the client drop it at once).
pub fn reported_expiry(expires_at: i64, now: i64) -> i64 {
    if expires_at - LEEWAY > now {
        expires_at - LEEWAY
    } else {
        expires_at
    }
}

/// Binary names that stand for a tok subcommand ([`Protocol::argv0`]): `git-credential-tok get`
/// is `tok git-credential get`, `docker-credential-tok get` is `tok docker-credential get`.
pub fn expand_argv0(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(first) = args.first() else {
        return args;
    };
    let name = std::path::Path::new(first)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let name = name.strip_suffix(".exe").unwrap_or(name);
    let Some(protocol) = PROTOCOLS.iter().find(|p| p.argv0 == Some(name)) else {
        return args;
    };
    args[0] = OsString::from("tok");
    args.insert(1, OsString::from(protocol.subcommand));
    args
}

/// A git host a profile serves: scheme, host, port and an optional path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    /// Without leading or trailing `/`; empty for the whole host.
    pub path: String,
}

impl HostPattern {
    /// `git.example.com` (https), `git.example.com:8443`, or a URL with scheme, port and path.
    /// Plain http is accepted only for loopback hosts: tok never sends a token in clear text.
    pub fn parse(s: &str) -> Result<Self, String> {
        let raw = s.trim();
        // Shown as one clean line: the URL parser drops tabs and line breaks, a terminal would not.
        let s = || crate::output::one_line(raw);
        let text = if raw.contains("://") {
            raw.to_string()
        } else {
            format!("https://{raw}")
        };
        let url = Url::parse(&text).map_err(|e| format!("`{}` is not a host or URL ({e})", s()))?;
        match url.scheme() {
            "https" => {}
            "http" if crate::url_policy::is_loopback(&url) => {}
            "http" => {
                return Err(format!(
                    "`{}`: plain http is allowed only for 127.0.0.1, localhost and [::1]; use https://",
                    s()
                ));
            }
            other => return Err(format!("`{}`: unsupported scheme `{other}`", s())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Not echoed: the text holds the credentials.
            return Err("a host or URL must not contain credentials (user:password@)".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("`{}` must not have a query or fragment", s()));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("`{}` has no host", s()))?;
        Ok(Self {
            scheme: url.scheme().to_string(),
            host: host.to_ascii_lowercase(),
            port: url.port_or_known_default().expect("http(s) has a port"),
            path: url.path().trim_matches('/').to_string(),
        })
    }

    /// The canonical URL, as used in git's `credential.<url>.*` keys.
    pub fn url(&self) -> String {
        let default = if self.scheme == "https" { 443 } else { 80 };
        let port = if self.port == default {
            String::new()
        } else {
            format!(":{}", self.port)
        };
        let path = if self.path.is_empty() {
            String::new()
        } else {
            format!("/{}", self.path)
        };
        format!("{}://{}{port}{path}", self.scheme, self.host)
    }

    /// How well a request matches: `None` for no match, else a score where longer path
    /// prefixes win. A pattern with a path needs the request's path (git's `useHttpPath`).
    pub fn score(&self, req: &Location) -> Option<usize> {
        if self.scheme != req.scheme || self.host != req.host || self.port != req.port {
            return None;
        }
        if self.path.is_empty() {
            return Some(1);
        }
        let path = req.path.as_deref()?.trim_matches('/');
        let under = path == self.path
            || path
                .strip_prefix(self.path.as_str())
                .is_some_and(|rest| rest.starts_with('/'));
        under.then(|| 2 + self.path.len())
    }
}

/// Where a client wants to send a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub path: Option<String>,
}

impl Location {
    /// From git's `protocol`, `host` (maybe with `:port`) and `path`.
    pub fn from_git(protocol: &str, host: &str, path: Option<&str>) -> Option<Self> {
        // Anything a URL parser would cut the host at (`/?#\\@`) or reject could make the host
        // we match differ from the one git talks to: refuse it outright.
        let odd = |c: char| {
            matches!(c, '/' | '@' | '?' | '#' | '\\') || c.is_whitespace() || c.is_control()
        };
        if !matches!(protocol, "http" | "https") || host.is_empty() || host.contains(odd) {
            return None;
        }
        let url = Url::parse(&format!("{protocol}://{host}/")).ok()?;
        if !reads_back_as_written(&url, host) {
            return None;
        }
        Some(Self {
            scheme: protocol.to_string(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default()?,
            path: path.map(str::to_string),
        })
    }

    /// Whether this is plain http to a host other than loopback: never send a token there.
    pub fn is_cleartext_remote(&self) -> bool {
        self.scheme == "http"
            && !Url::parse(&format!("http://{}/", bracket(&self.host)))
                .is_ok_and(|u| crate::url_policy::is_loopback(&u))
    }
}

/// Whether `url` (parsed from `host`) names the host as `host` spells it, up to ASCII case and
/// the scheme's default port. A URL parser turns `0x7f.1`, `127.1` or `2130706433` into
/// `127.0.0.1` and drops `%2e`-escapes and tabs into other names; the client that asked may
/// resolve the spelling itself, so a token matched through the rewrite could go elsewhere.
fn reads_back_as_written(url: &Url, host: &str) -> bool {
    let Some(parsed) = url.host_str() else {
        return false;
    };
    let formed = match url.port() {
        Some(p) => format!("{parsed}:{p}"),
        None => parsed.to_string(),
    };
    let lower = host.to_ascii_lowercase();
    let default = match url.scheme() {
        "https" => ":443",
        _ => ":80",
    };
    let written = lower.strip_suffix(default).unwrap_or(&lower);
    formed == written
}

fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::docker::{docker_targets, normalize_registry};
    use super::git::{GitTarget, best_git_target, git_targets};
    use super::*;

    #[test]
    fn hosts_a_url_parser_would_cut_are_refused() {
        for h in [
            "git.example.com#x.evil",
            "git.example.com?x",
            "evil\\git.example.com",
            "a b",
            "u@h",
        ] {
            assert!(Location::from_git("https", h, None).is_none(), "{h}");
        }
        assert!(Location::from_git("https", "git.example.com:8443", None).is_some());
    }

    /// See: issue 24. A host with credentials was echoed, credentials and all; one with a tab
    /// kept the tab in the message (the URL parser drops it).
    #[test]
    fn host_errors_are_one_clean_line_without_credentials() {
        let e = HostPattern::parse("https://me:hunter2@git.example").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let e = HostPattern::parse("ft\tp://git.example").unwrap_err();
        assert!(
            e.contains("unsupported scheme") && !e.contains('\t'),
            "{e:?}"
        );
    }

    #[test]
    fn another_spelling_of_a_host_is_not_that_host() {
        for h in [
            "0x7f.1:8443",
            "127.1:8443",
            "0177.0.0.1:8443",
            "2130706433:8443",
            "127.0.0.1:08443",
            "git%2eexample.com",
            "git.exa\tmple.com",
            "git.ex\u{0430}mple.com",
        ] {
            assert!(Location::from_git("https", h, None).is_none(), "{h:?}");
        }
        assert_eq!(
            loc("https", "Git.Example.com:443", None).host,
            "git.example.com"
        );
        assert_eq!(loc("http", "127.0.0.1:80", None).port, 80);
        assert_eq!(loc("https", "127.0.0.1:8443", None).host, "127.0.0.1");
        assert_eq!(loc("https", "[::1]:8443", None).host, "[::1]");
    }

    fn loc(p: &str, h: &str, path: Option<&str>) -> Location {
        Location::from_git(p, h, path).unwrap()
    }

    #[test]
    fn host_patterns() {
        let p = HostPattern::parse("Git.Example.com").unwrap();
        assert_eq!(p.url(), "https://git.example.com");
        let p = HostPattern::parse("http://127.0.0.1:8080/team/").unwrap();
        assert_eq!(p.url(), "http://127.0.0.1:8080/team");
        assert_eq!(p.path, "team");
        let e = HostPattern::parse("http://git.example.com").unwrap_err();
        assert!(e.contains("plain http"), "{e}");
        assert!(HostPattern::parse("https://u:p@h").is_err());
        assert!(HostPattern::parse("ssh://h").is_err());
        assert_eq!(
            HostPattern::parse("h.example:8443").unwrap().url(),
            "https://h.example:8443"
        );
    }

    #[test]
    fn longest_match_wins() {
        let t = |profile: &str, h: &str| GitTarget {
            profile: profile.into(),
            pattern: HostPattern::parse(h).unwrap(),
            username: "u".into(),
            bearer: None,
        };
        let targets = vec![
            t("all", "https://git.example.com"),
            t("team", "https://git.example.com/team"),
            t("local", "http://127.0.0.1:8080"),
        ];
        let pick = |l: Location| best_git_target(&targets, &l).map(|t| t.profile.as_str());
        assert_eq!(pick(loc("https", "git.example.com", None)), Some("all"));
        assert_eq!(
            pick(loc("https", "git.example.com", Some("team/repo.git"))),
            Some("team")
        );
        assert_eq!(
            pick(loc("https", "git.example.com", Some("teamx/repo.git"))),
            Some("all")
        );
        assert_eq!(pick(loc("https", "GIT.example.com:443", None)), Some("all"));
        assert_eq!(pick(loc("http", "git.example.com", None)), None);
        assert_eq!(pick(loc("https", "git.example.com:8443", None)), None);
        assert_eq!(pick(loc("http", "127.0.0.1:8080", None)), Some("local"));
        assert_eq!(pick(loc("http", "127.0.0.1:8081", None)), None);
        assert!(Location::from_git("ssh", "h", None).is_none());
        assert!(Location::from_git("https", "a@h", None).is_none());
    }

    #[test]
    fn cleartext() {
        assert!(loc("http", "git.example.com", None).is_cleartext_remote());
        assert!(!loc("http", "127.0.0.1:9", None).is_cleartext_remote());
        assert!(!loc("http", "[::1]:9", None).is_cleartext_remote());
        assert!(!loc("http", "localhost", None).is_cleartext_remote());
        assert!(!loc("https", "git.example.com", None).is_cleartext_remote());
    }

    #[test]
    fn registries() {
        assert_eq!(
            normalize_registry("https://Reg.example.com:5000/v2/").unwrap(),
            "reg.example.com:5000"
        );
        assert_eq!(
            normalize_registry("127.0.0.1:5000").unwrap(),
            "127.0.0.1:5000"
        );
        assert!(normalize_registry("").is_err());
        assert!(normalize_registry("a b").is_err());
    }

    #[test]
    fn usernames_come_from_the_profile_then_the_preset() {
        let c = |text: &str| Config {
            path: "/x".into(),
            file: crate::config::parse(text, std::path::Path::new("/x")).unwrap(),
            text: String::new(),
        };
        let cfg = c(
            "[profiles.gh]\npreset = \"github\"\nhosts = [\"github.com\"]\nregistries = [\"ghcr.io\"]\n[profiles.own]\npreset = \"github\"\nusername = \"me\"\nhosts = [\"a.example\"]\n[profiles.plain]\nhosts = [\"b.example\"]\nregistries = [\"r.example\"]\n",
        );
        let (git, problems) = git_targets(&cfg);
        assert!(problems.is_empty());
        let user = |p: &str| {
            git.iter()
                .find(|t| t.profile == p)
                .unwrap()
                .username
                .clone()
        };
        assert_eq!(user("gh"), "x-access-token");
        assert_eq!(user("own"), "me");
        assert_eq!(user("plain"), "oauth2");
        let (docker, _) = docker_targets(&cfg);
        let user = |p: &str| {
            docker
                .iter()
                .find(|t| t.profile == p)
                .unwrap()
                .username
                .clone()
        };
        assert_eq!(user("gh"), "x-access-token");
        assert_eq!(user("plain"), "oauth2accesstoken");
    }

    #[test]
    fn argv0() {
        let v = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            expand_argv0(v(&["/usr/bin/git-credential-tok", "get"])),
            v(&["tok", "git-credential", "get"])
        );
        assert_eq!(
            expand_argv0(v(&["docker-credential-tok", "list"])),
            v(&["tok", "docker-credential", "list"])
        );
        assert_eq!(expand_argv0(v(&["tok", "print"])), v(&["tok", "print"]));
    }

    #[test]
    fn every_row_names_a_distinct_subcommand_alias_key_and_consumer() {
        let distinct = |v: Vec<&str>| {
            let mut d = v.clone();
            d.sort();
            d.dedup();
            d.len() == v.len()
        };
        assert!(distinct(PROTOCOLS.iter().map(|p| p.subcommand).collect()));
        assert!(distinct(PROTOCOLS.iter().filter_map(|p| p.argv0).collect()));
        assert!(distinct(
            PROTOCOLS
                .iter()
                .filter_map(|p| p.config_key.as_ref().map(|k| k.name))
                .collect()
        ));
        assert!(distinct(
            PROTOCOLS
                .iter()
                .map(|p| p.consumer.as_str())
                .chain(["print", "exec"])
                .collect()
        ));
        for p in PROTOCOLS {
            let alias = p.argv0.map(|a| expand_argv0(vec![a.into(), "x".into()]));
            if let Some(args) = alias {
                assert_eq!(
                    args,
                    [OsString::from("tok"), p.subcommand.into(), "x".into()]
                );
            }
            // A protocol that names its username has a default for it.
            assert_eq!(p.username_key.is_some(), p.default_username.is_some());
        }
    }

    #[test]
    fn a_profile_key_is_read_through_its_row() {
        let cfg = Config {
            path: "/x".into(),
            file: crate::config::parse(
                "[profiles.a]\nhosts = [\"h1\", \"h2\"]\nregistries = [\"r\"]\n[profiles.b]\nhosts = [\"h3\"]\n",
                std::path::Path::new("/x"),
            )
            .unwrap(),
            text: String::new(),
        };
        let list = |p: &Protocol| {
            p.entries(&cfg)
                .map(|e| format!("{}:{}", e.profile, e.value))
                .collect::<Vec<_>>()
        };
        assert_eq!(list(&GIT), ["a:h1", "a:h2", "b:h3"]);
        assert_eq!(list(&DOCKER), ["a:r"]);
        assert!(list(&KUBECTL).is_empty());
        assert_eq!(GIT.problem("a", "bad"), "profile `a`: hosts: bad");
    }

    #[test]
    fn expiry_keeps_the_leeway_unless_the_token_is_shorter() {
        assert_eq!(reported_expiry(1000, 0), 1000 - LEEWAY);
        assert_eq!(reported_expiry(1000, 1000 - LEEWAY + 1), 1000);
    }
}
