//! The wire formats of the tools tok serves tokens to: git's credential helper protocol, docker's
//! credential helpers, kubectl's exec plugins.
//!
//! Everything here is pure: streams come in as parameters (so tests feed `Cursor`s) and tokens
//! come from a [`Tokens`] implementation (the session, in the binary; a fake, in unit tests).
//! Helpers never talk HTTP and never touch a store.

pub mod docker;
pub mod git;
pub mod kubectl;

use std::ffi::OsString;

use url::Url;

use crate::config::{self, Config, ProfileConfig};
use crate::error::{Code, classify};
use crate::presets::Preset;
use crate::secret::AccessToken;

/// What a helper is served: an access token and its expiry (unix seconds).
#[derive(Debug)]
pub struct Token {
    pub access_token: AccessToken,
    pub expires_at: Option<i64>,
}

/// Where helpers get tokens from.
pub trait Tokens {
    /// A fresh access token for `profile`, to be sent to `host` (named in the audit log).
    fn get(&mut self, profile: &str, host: &str) -> anyhow::Result<Token>;
    /// The client rejected the token with this fingerprint (or, with `None`, whatever was
    /// served): forget it, keep the refresh token. Returns whether a token was forgotten.
    fn reject(&mut self, profile: &str, fingerprint: Option<&str>) -> anyhow::Result<bool>;
}

/// Whether `err` means "log in first" (no session, or the refresh token was rejected).
pub fn login_required(err: &anyhow::Error) -> bool {
    classify(err).0 == Code::LoginRequired
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

/// Binary names that stand for a tok subcommand: `git-credential-tok get` is
/// `tok git-credential get`, `docker-credential-tok get` is `tok docker-credential get`.
pub fn expand_argv0(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(first) = args.first() else {
        return args;
    };
    let name = std::path::Path::new(first)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let name = name.strip_suffix(".exe").unwrap_or(name);
    let sub = match name {
        "git-credential-tok" => "git-credential",
        "docker-credential-tok" => "docker-credential",
        _ => return args,
    };
    args[0] = OsString::from("tok");
    args.insert(1, OsString::from(sub));
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
        let s = s.trim();
        let text = if s.contains("://") {
            s.to_string()
        } else {
            format!("https://{s}")
        };
        let url = Url::parse(&text).map_err(|e| format!("`{s}` is not a host or URL ({e})"))?;
        match url.scheme() {
            "https" => {}
            "http" if config::is_loopback(&url) => {}
            "http" => {
                return Err(format!(
                    "`{s}`: plain http is allowed only for 127.0.0.1, localhost and [::1]; use https://"
                ));
            }
            other => return Err(format!("`{s}`: unsupported scheme `{other}`")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("`{s}` must not contain credentials"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("`{s}` must not have a query or fragment"));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("`{s}` has no host"))?;
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
                .is_ok_and(|u| config::is_loopback(&u))
    }
}

fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// One git host of one profile, with how to answer for it.
#[derive(Debug, Clone)]
pub struct GitTarget {
    pub profile: String,
    pub pattern: HostPattern,
    pub username: String,
    pub bearer: Option<bool>,
}

/// One registry of one profile.
#[derive(Debug, Clone)]
pub struct DockerTarget {
    pub profile: String,
    /// `host[:port]`, lowercase.
    pub registry: String,
    pub username: String,
}

/// The git username when neither the profile nor its preset names one.
pub const DEFAULT_GIT_USERNAME: &str = "oauth2";
/// The docker username when neither the profile nor its preset names one (the convention of
/// registries that take OAuth access tokens as passwords).
pub const DEFAULT_DOCKER_USERNAME: &str = "oauth2accesstoken";

/// The preset a profile was made from: it knows the usernames some providers require.
fn preset(p: &ProfileConfig) -> Option<Preset> {
    p.preset.as_deref().and_then(Preset::from_name)
}

/// Every git host of every profile. Invalid entries are skipped and described in the second
/// list, so that one bad entry does not stop git from reaching the others.
pub fn git_targets(config: &Config) -> (Vec<GitTarget>, Vec<String>) {
    let mut targets = vec![];
    let mut problems = vec![];
    for (name, p) in &config.file.profiles {
        for h in p.hosts.iter().flatten() {
            match HostPattern::parse(h) {
                Ok(pattern) => targets.push(GitTarget {
                    profile: name.clone(),
                    pattern,
                    username: p
                        .username
                        .clone()
                        .or_else(|| preset(p).and_then(Preset::git_username).map(Into::into))
                        .unwrap_or_else(|| DEFAULT_GIT_USERNAME.into()),
                    bearer: p.git_bearer,
                }),
                Err(e) => problems.push(format!("profile `{name}`: hosts: {e}")),
            }
        }
    }
    (targets, problems)
}

/// The target that serves `loc`: the longest matching entry wins; among equals, the first
/// profile in name order.
pub fn best_git_target<'a>(targets: &'a [GitTarget], loc: &Location) -> Option<&'a GitTarget> {
    let mut best: Option<(&GitTarget, usize)> = None;
    for t in targets {
        if let Some(s) = t.pattern.score(loc)
            && best.is_none_or(|(_, b)| s > b)
        {
            best = Some((t, s));
        }
    }
    best.map(|(t, _)| t)
}

/// Every registry of every profile.
pub fn docker_targets(config: &Config) -> (Vec<DockerTarget>, Vec<String>) {
    let mut targets = vec![];
    let mut problems = vec![];
    for (name, p) in &config.file.profiles {
        for r in p.registries.iter().flatten() {
            match normalize_registry(r) {
                Ok(registry) => targets.push(DockerTarget {
                    profile: name.clone(),
                    registry,
                    username: p
                        .docker_username
                        .clone()
                        .or_else(|| preset(p).and_then(Preset::docker_username).map(Into::into))
                        .unwrap_or_else(|| DEFAULT_DOCKER_USERNAME.into()),
                }),
                Err(e) => problems.push(format!("profile `{name}`: registries: {e}")),
            }
        }
    }
    (targets, problems)
}

/// `host[:port]` from what docker sends or the user writes: `reg.example.com`,
/// `https://reg.example.com:5000/v2/`, `127.0.0.1:5000`. Lowercase, no scheme, no path.
pub fn normalize_registry(s: &str) -> Result<String, String> {
    let t = s.trim();
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(t);
    let host = rest.split('/').next().unwrap_or("");
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'));
    if !ok {
        return Err(format!("`{s}` is not a registry host[:port]"));
    }
    Ok(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
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
            file: config::parse(text, std::path::Path::new("/x")).unwrap(),
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
    fn expiry_keeps_the_leeway_unless_the_token_is_shorter() {
        assert_eq!(reported_expiry(1000, 0), 1000 - LEEWAY);
        assert_eq!(reported_expiry(1000, 1000 - LEEWAY + 1), 1000);
    }
}
