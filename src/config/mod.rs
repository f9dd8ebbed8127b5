//! The config file, resolved into a validated [`Profile`] (the environment is
//! [`crate::settings`]'s).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use crate::oauth::EndpointOverrides;
use crate::oauth::grant::{ExchangeMethod, IdentitySource, WorkloadIdentity};
use crate::url_policy::check_url;
use keys::token_key;

mod client_auth;
mod edit;
mod keys;
mod presets;
mod writers;

pub use edit::{ListEdit, ProfileUpdate, edit_list, save, upsert_profile};
pub use presets::Preset;
pub use writers::check_writers;

/// How `tok login` obtains the first tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// The browser flow where a display is available and not over SSH, else the device flow.
    #[default]
    Auto,
    /// Device authorization grant (RFC 8628): a code to type on another device.
    Device,
    /// Authorization code + PKCE with a loopback redirect (RFC 7636, RFC 8252).
    Browser,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Auto => "auto",
            Flow::Device => "device",
            Flow::Browser => "browser",
        }
    }
}

/// The config file as written by the user.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    /// `audit = false` turns the audit log off (see `audit`).
    pub audit: Option<bool>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileConfig>,
}

/// One `[profiles.NAME]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub flow: Option<Flow>,
    pub audience: Option<String>,
    /// Bind the session to a DPoP key (RFC 9449); `tok login --dpop` sets it.
    pub dpop: Option<bool>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub device_authorization_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    /// The `--preset` the profile was made from (its git/docker usernames come from it).
    pub preset: Option<String>,
    /// git hosts served by `tok git-credential`: `host`, or a URL with scheme, port and path.
    pub hosts: Option<Vec<String>>,
    /// The git username answered with Basic credentials (default `oauth2`).
    pub username: Option<String>,
    /// `true`: answer git with Bearer whenever git supports it; `false`: never; unset: when
    /// the server offers Bearer.
    pub git_bearer: Option<bool>,
    /// Registries (`host[:port]`) served by `tok docker-credential`.
    pub registries: Option<Vec<String>>,
    /// The docker username (default `oauth2accesstoken`).
    pub docker_username: Option<String>,
    /// Where a CI job's identity token comes from: `github`, `env:NAME`, `file:PATH`, `auto`.
    /// Set: the profile logs in with no secret by exchanging it (`--workload-identity`).
    pub workload_identity: Option<String>,
    /// How the identity token is presented: `token-exchange` (default), `jwt-bearer`,
    /// `client-assertion`.
    pub exchange: Option<String>,
    /// The audience asked of the CI platform (default: the issuer URL).
    pub ci_audience: Option<String>,
    /// RFC 8693 `subject_token_type` (default `urn:ietf:params:oauth:token-type:jwt`).
    pub subject_token_type: Option<String>,
    /// Extra form fields of the exchange (Dex: `connector_id`).
    pub exchange_params: Option<BTreeMap<String, String>>,
    /// Terraform hosts (`host[:port]`: module registries, remote backends) served by `tok
    /// terraform-credential`.
    pub terraform_hosts: Option<Vec<String>>,
    /// A PEM bundle of CA certificates trusted besides the system roots (absolute path).
    pub ca_file: Option<PathBuf>,
    /// `true`: trust only `ca_file`, not the system roots.
    pub ca_only: Option<bool>,
    /// The proxy for this profile's requests, over `HTTPS_PROXY` and friends; `"none"`: direct.
    pub proxy: Option<String>,
    /// The token `tok kubectl-credential` serves: `"access"` (default) or `"id"` (for Kubernetes'
    /// OIDC authenticator); `tok setup kubectl --token id` writes it.
    pub kubectl_token: Option<String>,
    /// The browser flow's loopback redirect URI (`http://127.0.0.1:PORT/PATH`, `localhost` or
    /// `[::1]`; port 0 or none: any free port).
    pub redirect_uri: Option<String>,
    /// Extra authorization request parameters (`prompt`, `login_hint`, `acr_values`,
    /// `max_age`, `ui_locales`, a provider's own); the protocol's own are refused.
    pub auth_params: Option<BTreeMap<String, String>>,
    /// Push authorization requests (RFC 9126) even when the server does not require it.
    pub par: Option<bool>,
    /// The AWS STS endpoint `tok aws-credential` calls when neither `AWS_ENDPOINT_URL_STS` nor
    /// `AWS_ENDPOINT_URL` is set (a VPC endpoint, a partition's own).
    pub aws_sts_endpoint: Option<String>,
    /// How the provider authenticates the client (its `token_endpoint_auth_method`):
    /// `private_key_jwt` (assertions signed by `client_key`), `tls_client_auth` (default with a
    /// certificate) or `self_signed_tls_client_auth` (RFC 8705, with `client_cert`), or `none`.
    pub client_auth: Option<String>,
    /// The DPoP key on a PKCS#11 token, as an RFC 7512 `pkcs11:` URI (`tok login --dpop-key`);
    /// unset: a software key made at each login.
    pub dpop_key: Option<String>,
    /// The PKCS#11 module (a shared library, absolute path) that reaches the token of
    /// `dpop_key` (`tok login --pkcs11-module`).
    pub pkcs11_module: Option<PathBuf>,
    /// RFC 8705 mutual TLS: the PEM certificate (chain) presented to the provider (absolute).
    pub client_cert: Option<PathBuf>,
    /// The client's private key (absolute; readable by you alone): the key of `client_cert`,
    /// or for `private_key_jwt` a PKCS#8 PEM file (none: the key tok generated).
    pub client_key: Option<PathBuf>,
    /// The algorithm of the key tok generates: `ES256` (default) or `EdDSA`.
    pub client_key_alg: Option<String>,
    /// The assertions' `aud`: `"issuer"` (default) or `"token-endpoint"`.
    pub client_assertion_aud: Option<String>,
    /// `tok login --resource-url`'s URL (RFC 9728; its RFC 8707 identifier is `audience`).
    pub resource_url: Option<String>,
    /// `true`: `client_id` is tok's RFC 7591 registration (`tok logout` deletes it).
    pub dynamic_client: Option<bool>,
}

/// A validated profile: everything tok needs to talk to one issuer as one client.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// The config file's top-level `audit` (default on): whether tok's audit log records this
    /// profile's events.
    pub audit: bool,
    pub issuer: Url,
    /// The issuer exactly as the config file writes it: what discovery documents and RFC 9207
    /// `iss` must name, character for character (`Url` would add a slash to a bare host). A
    /// login adopts the form the discovery document states when only a trailing slash differs.
    pub issuer_text: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub flow: Flow,
    /// RFC 8707 `resource` sent on authorization and token requests.
    pub audience: Option<String>,
    /// Sender-constrained tokens: every token request carries a DPoP proof (RFC 9449).
    pub dpop: bool,
    pub endpoints: EndpointOverrides,
    pub preset: Option<Preset>,
    /// Set for a profile that exchanges a CI job's identity token instead of holding a
    /// session: nothing secret is stored for it.
    pub workload: Option<WorkloadIdentity>,
    /// `ca_file`, `ca_only` and `proxy`: how requests reach the provider.
    pub network: crate::oauth::Network,
    /// `kubectl_token = "id"`: kubectl gets the ID token.
    pub kubectl_id_token: bool,
    /// Where the browser flow's redirect arrives (`redirect_uri`).
    pub redirect: crate::oauth::RedirectUri,
    /// `auth_params`: sent on every authorization request.
    pub auth_params: Vec<(String, String)>,
    /// `par = true`: push every authorization request (RFC 9126).
    pub par: bool,
    /// `aws_sts_endpoint`: the STS endpoint after the AWS variables.
    pub aws_sts_endpoint: Option<Url>,
    /// `client_auth = "private_key_jwt"` and its keys.
    pub private_key_jwt: Option<crate::oauth::PrivateKeyJwt>,
    /// `dpop_key`: the `pkcs11:` URI of the DPoP key on a token (parsed when the profile is).
    pub dpop_key: Option<String>,
    /// `pkcs11_module`: the PKCS#11 module to load for `dpop_key`.
    pub pkcs11_module: Option<PathBuf>,
}

impl Profile {
    pub fn scope_string(&self) -> Option<String> {
        (!self.scopes.is_empty()).then(|| self.scopes.join(" "))
    }

    /// Whether the profile asks for DPoP-bound tokens. Clients that cannot send a proof per
    /// request (git, docker) must refuse such profiles. A session logged in before `dpop` was
    /// set is still a bearer session: `session::CachedToken::is_dpop` tells what a token is.
    pub fn is_dpop(&self) -> bool {
        self.dpop
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid config {path}:{line}: {key}{message}")]
    Parse {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no profile is configured")]
    NoProfiles,
    #[error("several profiles are configured ({names}) and none is chosen")]
    Ambiguous { names: String },
    #[error("profile `{name}` is not in {path}")]
    UnknownProfile { name: String, path: PathBuf },
    #[error("profile `{profile}`: {key} {message}")]
    Invalid {
        profile: String,
        key: &'static str,
        message: String,
    },
    #[error("invalid profile name `{0}`: use letters, digits, `.`, `_` and `-` (at most 64)")]
    BadName(String),
    /// A private key file of a profile can be read by other users.
    #[error("refusing {}: {why}", path.display())]
    Readable { path: PathBuf, why: String },
    /// The config file, or its directory, could have been written by another user.
    #[error("refusing config {}: {why}", path.display())]
    Unsafe {
        path: PathBuf,
        why: String,
        fix: String,
    },
}

/// Check a profile name: it becomes a file name and a keychain account.
pub fn validate_name(name: &str) -> Result<(), ConfigError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::BadName(name.to_string()))
    }
}

/// The config file and where it came from.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    pub file: ConfigFile,
    /// The raw text, kept for error positions and format-preserving edits.
    pub text: String,
}

impl Config {
    /// Load the file at `path`; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        check_writers(path)?;
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.into(),
                    source,
                });
            }
        };
        let file = parse(&text, path)?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            text,
        })
    }

    /// Choose the profile name: `-p`, then `default_profile` (which `TOK_PROFILE` overrides,
    /// see `commands::Env::config`), then the only one.
    pub fn select(&self, explicit: Option<&str>) -> Result<String, ConfigError> {
        let name = explicit
            .map(str::to_string)
            .or_else(|| self.file.default_profile.clone());
        if let Some(name) = name {
            validate_name(&name)?;
            return Ok(name);
        }
        let mut names = self.file.profiles.keys();
        match (names.next(), names.next()) {
            (None, _) => Err(ConfigError::NoProfiles),
            (Some(only), None) => Ok(only.clone()),
            _ => Err(ConfigError::Ambiguous {
                names: self
                    .file
                    .profiles
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The validated profile `name`.
    pub fn profile(&self, name: &str) -> Result<Profile, ConfigError> {
        validate_name(name)?;
        let raw = self
            .file
            .profiles
            .get(name)
            .ok_or_else(|| ConfigError::UnknownProfile {
                name: name.to_string(),
                path: self.path.clone(),
            })?;
        let mut profile = resolve(name, raw)?;
        profile.audit = self.file.audit.unwrap_or(true);
        Ok(profile)
    }
}

/// Parse the config text, mapping serde errors to file, line and key.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    toml::from_str::<ConfigFile>(text).map_err(|e| {
        let (line, key) = match e.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                let line_text = text.lines().nth(line - 1).unwrap_or("");
                // The line is the user's text: shown on one line, control characters out.
                let key = line_text
                    .split_once('=')
                    .map(|(k, _)| format!("`{}`: ", crate::output::one_line(k)))
                    .unwrap_or_default();
                (line, key)
            }
            None => (0, String::new()),
        };
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            key,
            message: crate::output::one_line(e.message().lines().next().unwrap_or("invalid")),
        }
    })
}

/// The profile's scopes, each one word.
fn checked_scopes(raw: &ProfileConfig) -> Result<Vec<String>, String> {
    let scopes = raw.scopes.clone().unwrap_or_default();
    let bad = |s: &&String| s.is_empty() || s.contains(char::is_whitespace);
    match scopes.iter().find(bad) {
        Some(b) => Err(format!("has an invalid scope {b:?}")),
        None => Ok(scopes),
    }
}

fn resolve(name: &str, raw: &ProfileConfig) -> Result<Profile, ConfigError> {
    let invalid = |key: &'static str, message: String| ConfigError::Invalid {
        profile: name.to_string(),
        key,
        message,
    };
    let issuer = raw
        .issuer
        .as_deref()
        .ok_or_else(|| invalid("issuer", "is missing".into()))?;
    let issuer_text = issuer.to_string();
    let issuer = check_url(issuer).map_err(|m| invalid("issuer", m))?;
    let client_id = raw
        .client_id
        .clone()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| invalid("client_id", "is missing".into()))?;
    let endpoint = |key: &'static str, v: &Option<String>| -> Result<Option<Url>, ConfigError> {
        v.as_deref()
            .map(check_url)
            .transpose()
            .map_err(|m| invalid(key, m))
    };
    let scopes = checked_scopes(raw).map_err(|m| invalid("scopes", m))?;
    let workload = workload_identity(raw).map_err(|(key, m)| invalid(key, m))?;
    let network = network(raw).map_err(|(key, m)| invalid(key, m))?;
    if let Some(ca) = &network.trust.ca_file {
        writers::check_trusted_file(name, "ca_file", ca)?;
    }
    if let Some(IdentitySource::File(path)) = workload.as_ref().map(|w| &w.source) {
        writers::check_trusted_file(name, "workload identity file", path)?;
    }
    let (kubectl_id_token, redirect, auth_params) =
        login_keys(raw).map_err(|(key, m)| invalid(key, m))?;
    let private_key_jwt = client_auth::checked(name, raw, &issuer, &network)?;
    Ok(Profile {
        name: name.to_string(),
        audit: true,
        issuer,
        issuer_text,
        client_id,
        scopes,
        flow: raw.flow.unwrap_or_default(),
        audience: raw.audience.clone(),
        dpop: raw.dpop.unwrap_or(false),
        endpoints: EndpointOverrides {
            authorization_endpoint: endpoint(
                "authorization_endpoint",
                &raw.authorization_endpoint,
            )?,
            token_endpoint: endpoint("token_endpoint", &raw.token_endpoint)?,
            device_authorization_endpoint: endpoint(
                "device_authorization_endpoint",
                &raw.device_authorization_endpoint,
            )?,
            revocation_endpoint: endpoint("revocation_endpoint", &raw.revocation_endpoint)?,
            mtls: network.trust.client_cert.is_some(),
        },
        preset: match raw.preset.as_deref() {
            None => None,
            Some(p) => Some(
                Preset::from_name(p)
                    .ok_or_else(|| invalid("preset", format!("names no known preset: {p:?}")))?,
            ),
        },
        workload,
        network,
        kubectl_id_token,
        redirect,
        auth_params,
        par: raw.par.unwrap_or(false),
        aws_sts_endpoint: endpoint("aws_sts_endpoint", &raw.aws_sts_endpoint)?,
        private_key_jwt,
        dpop_key: token_key(name, raw)?,
        pkcs11_module: raw.pkcs11_module.clone(),
    })
}

/// A login's and kubectl's keys: `kubectl_token`, `redirect_uri`, `auth_params`; a refusal
/// names its key.
type LoginKeys = (bool, crate::oauth::RedirectUri, Vec<(String, String)>);

fn login_keys(raw: &ProfileConfig) -> Result<LoginKeys, (&'static str, String)> {
    let kubectl_id_token = match raw.kubectl_token.as_deref() {
        None | Some("access") => false,
        Some("id") => true,
        Some(other) => {
            let m = format!(
                "must be \"access\" or \"id\", not {:?}",
                crate::output::one_line(other)
            );
            return Err(("kubectl_token", m));
        }
    };
    let redirect = match raw.redirect_uri.as_deref() {
        None => Default::default(),
        Some(r) => r.parse().map_err(|m: String| ("redirect_uri", m))?,
    };
    let auth_params: Vec<(String, String)> = raw
        .auth_params
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    for (k, v) in &auth_params {
        crate::oauth::check_auth_param(k, v).map_err(|m| ("auth_params", m))?;
    }
    Ok((kubectl_id_token, redirect, auth_params))
}

/// The profile's `ca_file`, `ca_only` and `proxy`. The CA file itself is not read here: only
/// when a request is about to be made (`print`'s cached path never pays for it).
fn network(raw: &ProfileConfig) -> Result<crate::oauth::Network, (&'static str, String)> {
    use crate::oauth::{ProfileProxy, parse_proxy};
    if let Some(p) = &raw.ca_file
        && !p.is_absolute()
    {
        return Err((
            "ca_file",
            format!("must be an absolute path: {}", p.display()),
        ));
    }
    let ca_only = raw.ca_only.unwrap_or(false);
    if ca_only && raw.ca_file.is_none() {
        return Err(("ca_only", "needs `ca_file`".into()));
    }
    let proxy = match raw.proxy.as_deref().map(str::trim) {
        None => None,
        Some("none") => Some(ProfileProxy::None),
        Some(v) => Some(ProfileProxy::Url(parse_proxy(v).map_err(|m| ("proxy", m))?)),
    };
    Ok(crate::oauth::Network {
        trust: crate::oauth::Trust {
            ca_file: raw.ca_file.clone(),
            ca_only,
            client_cert: client_auth::client_cert(raw)?,
        },
        proxy,
    })
}

/// The workload identity keys of a profile, checked; `None` without `workload_identity`.
fn workload_identity(
    raw: &ProfileConfig,
) -> Result<Option<WorkloadIdentity>, (&'static str, String)> {
    let Some(source) = raw.workload_identity.as_deref() else {
        let stray = [
            ("exchange", raw.exchange.is_some()),
            ("ci_audience", raw.ci_audience.is_some()),
            ("subject_token_type", raw.subject_token_type.is_some()),
            ("exchange_params", raw.exchange_params.is_some()),
        ];
        if let Some((key, _)) = stray.iter().find(|(_, set)| *set) {
            return Err((key, "needs `workload_identity` in the same profile".into()));
        }
        return Ok(None);
    };
    let source = IdentitySource::parse(source).map_err(|m| ("workload_identity", m))?;
    let method = match raw.exchange.as_deref() {
        None => ExchangeMethod::default(),
        Some(m) => ExchangeMethod::parse(m).ok_or_else(|| {
            (
                "exchange",
                format!(
                    "{m:?} is not a method: use token-exchange, jwt-bearer or client-assertion"
                ),
            )
        })?,
    };
    let params = raw
        .exchange_params
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<Vec<_>>();
    // tok writes these itself; a duplicate would send two values for one field.
    const OWN: [&str; 8] = [
        "grant_type",
        "client_id",
        "subject_token",
        "subject_token_type",
        "assertion",
        "client_assertion",
        "client_assertion_type",
        "scope",
    ];
    if let Some((k, _)) = params
        .iter()
        .find(|(k, _)| OWN.contains(&k.as_str()) || k.is_empty())
    {
        return Err((
            "exchange_params",
            format!("must not set `{k}`: tok sends it (use --subject-token-type, --scope)"),
        ));
    }
    Ok(Some(WorkloadIdentity {
        source,
        method,
        ci_audience: raw.ci_audience.clone(),
        subject_token_type: raw.subject_token_type.clone(),
        params,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/x/config.toml";

    /// See: issue 24 (found by the `config` fuzz target): a NUL in the offending key reached
    /// the terminal.
    #[test]
    fn a_parse_error_shows_the_key_on_one_line() {
        let e = parse("[profiles.\0\u{1b}[31m\nbad = \n", Path::new(P)).unwrap_err();
        let msg = e.to_string();
        assert!(!msg.chars().any(char::is_control), "{msg:?}");
    }

    #[test]
    fn parse_error_names_line_and_key() {
        let text = "[profiles.work]\nissuer = \"https://a\"\nscopes = 5\n";
        let err = parse(text, Path::new(P)).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid config /x/config.toml:3: `scopes`: "),
            "{err}"
        );
    }

    #[test]
    fn kubectl_token_is_access_or_id() {
        let profile = |v: &str| {
            let text = format!(
                "[profiles.w]\nissuer = \"https://a\"\nclient_id = \"c\"\nkubectl_token = \"{v}\"\n"
            );
            let file = parse(&text, Path::new(P)).unwrap();
            resolve("w", &file.profiles["w"]).map(|p| p.kubectl_id_token)
        };
        assert_eq!(
            (profile("id").unwrap(), profile("access").unwrap()),
            (true, false)
        );
        let err = profile("ID").unwrap_err().to_string();
        assert!(
            err.contains("kubectl_token must be \"access\" or \"id\""),
            "{err}"
        );
    }

    #[test]
    fn aws_sts_endpoint_is_an_https_url() {
        let profile = |v: &str| {
            let text = format!(
                "[profiles.w]\nissuer = \"https://a\"\nclient_id = \"c\"\naws_sts_endpoint = \"{v}\"\n"
            );
            let file = parse(&text, Path::new(P)).unwrap();
            resolve("w", &file.profiles["w"]).map(|p| p.aws_sts_endpoint.map(|u| u.to_string()))
        };
        assert_eq!(
            profile("https://sts.eu-west-1.amazonaws.com")
                .unwrap()
                .as_deref(),
            Some("https://sts.eu-west-1.amazonaws.com/")
        );
        let err = profile("http://sts.example.com").unwrap_err().to_string();
        assert!(err.contains("aws_sts_endpoint must use https://"), "{err}");
    }

    #[test]
    fn unknown_key_is_named() {
        let text = "[profiles.work]\nissuer = \"https://a\"\nclient = \"x\"\n";
        let err = parse(text, Path::new(P)).unwrap_err().to_string();
        assert!(
            err.contains(":3:") && err.contains("unknown field `client`"),
            "{err}"
        );
    }

    #[test]
    fn private_key_jwt_keys_are_checked() {
        let profile = |extra: &str| {
            let text = format!(
                "[profiles.x]\nissuer = \"https://a\"\nclient_id = \"c\"\nclient_auth = \"private_key_jwt\"\n{extra}"
            );
            let c = Config {
                path: P.into(),
                file: parse(&text, Path::new(P)).unwrap(),
                text,
            };
            c.profile("x").map_err(|e| e.to_string())
        };
        let p = profile("client_assertion_aud = \"token-endpoint\"\nclient_key_alg = \"EdDSA\"\n");
        let pk = p.unwrap().private_key_jwt.unwrap();
        assert_eq!(pk.aud, crate::oauth::AssertionAudience::TokenEndpoint);
        assert_eq!(pk.alg, crate::oauth::KeyAlg::EdDSA);
        assert_eq!(pk.key_file, None);
        for (extra, want) in [
            ("client_key_alg = \"RS256\"\n", "cannot be generated"),
            (
                "client_key_alg = \"HS256\"\n",
                "must be ES256, EdDSA or RS256",
            ),
            ("client_assertion_aud = \"me\"\n", "client_assertion_aud"),
            ("client_key = \"key.pem\"\n", "absolute path"),
            ("workload_identity = \"github\"\n", "client_key is needed"),
        ] {
            let e = profile(extra).unwrap_err();
            assert!(e.contains(want), "{extra}: {e}");
        }
        let e = profile("").map(|_| ()).and_then(|_| {
            let text =
                "[profiles.x]\nissuer = \"https://a\"\nclient_id = \"c\"\nclient_auth = \"mtls\"\n";
            let c = Config {
                path: P.into(),
                file: parse(text, Path::new(P)).unwrap(),
                text: text.into(),
            };
            c.profile("x").map(|_| ()).map_err(|e| e.to_string())
        });
        assert!(e.unwrap_err().contains("private_key_jwt"));
    }

    #[test]
    fn a_private_key_jwt_key_on_a_pkcs11_token_is_named_by_its_uri() {
        let profile = |extra: &str| {
            let text = format!(
                "[profiles.x]\nissuer = \"https://a\"\nclient_id = \"c\"\nclient_auth = \"private_key_jwt\"\n{extra}"
            );
            let c = Config {
                path: P.into(),
                file: parse(&text, Path::new(P)).unwrap(),
                text,
            };
            c.profile("x").map_err(|e| e.to_string())
        };
        // Not a file: no path or permission checks; the URI is kept for the token.
        let uri = "pkcs11:token=t;object=client;type=private";
        let pk = profile(&format!("client_key = \"{uri}\"\n"))
            .unwrap()
            .private_key_jwt
            .unwrap();
        assert_eq!(pk.token_key.as_deref(), Some(uri));
        assert_eq!(pk.key_file, None);
        for (extra, want) in [
            (
                "client_key = \"pkcs11:token=t;object=c\"\nclient_key_alg = \"EdDSA\"\n",
                "must be ES256",
            ),
            (
                "client_key = \"pkcs11:token=t;type=cert\"\n",
                "not a PKCS#11 URI tok can use",
            ),
            (
                "client_key = \"pkcs11:object=c?module-path=lib.so\"\n",
                "pkcs11_module",
            ),
        ] {
            let e = profile(extra).unwrap_err();
            assert!(e.contains(want), "{extra}: {e}");
        }
    }

    #[test]
    fn workload_identity_keys_are_written_and_checked() {
        let up = ProfileUpdate {
            issuer: Some("https://a".into()),
            client_id: Some("ci".into()),
            extra: vec![
                ("workload_identity", "env:ID_TOKEN".into()),
                ("exchange", "jwt-bearer".into()),
            ],
            exchange_params: Some(vec![("connector_id".into(), "gh".into())]),
            ..Default::default()
        };
        let out = upsert_profile("", Path::new(P), "ci", &up).unwrap();
        assert!(
            out.contains("exchange_params = { connector_id = \"gh\" }"),
            "{out}"
        );
        let c = Config {
            path: P.into(),
            file: parse(&out, Path::new(P)).unwrap(),
            text: out.clone(),
        };
        let w = c.profile("ci").unwrap().workload.unwrap();
        assert_eq!(w.source, IdentitySource::Env("ID_TOKEN".into()));
        assert_eq!(w.method, ExchangeMethod::JwtBearer);
        assert_eq!(w.params, [("connector_id".to_string(), "gh".to_string())]);
        let bad = |text: &str| {
            let c = Config {
                path: P.into(),
                file: parse(text, Path::new(P)).unwrap(),
                text: text.into(),
            };
            c.profile("x").unwrap_err().to_string()
        };
        let base = "[profiles.x]\nissuer = \"https://a\"\nclient_id = \"c\"\n";
        let e = bad(&format!("{base}exchange = \"jwt-bearer\"\n"));
        assert!(e.contains("exchange needs `workload_identity`"), "{e}");
        let e = bad(&format!("{base}workload_identity = \"gitlab\"\n"));
        assert!(e.contains("github, env:NAME, file:PATH or auto"), "{e}");
        let e = bad(&format!(
            "{base}workload_identity = \"github\"\nexchange = \"magic\"\n"
        ));
        assert!(e.contains("is not a method"), "{e}");
        let e = bad(&format!(
            "{base}workload_identity = \"github\"\nexchange_params = {{ subject_token = \"x\" }}\n"
        ));
        assert!(e.contains("must not set `subject_token`"), "{e}");
    }

    #[test]
    fn upsert_keeps_comments_and_other_profiles() {
        let text = "# my config\ndefault_profile = \"a\"\n\n[profiles.a] # team\nissuer = \"https://a\" # keep\nclient_id = \"x\"\n";
        let up = ProfileUpdate {
            issuer: Some("https://b".into()),
            client_id: Some("y".into()),
            scopes: Some(vec!["openid".into(), "offline_access".into()]),
            ..Default::default()
        };
        let out = upsert_profile(text, Path::new(P), "b", &up).unwrap();
        assert!(out.starts_with(text), "{out}");
        let f = parse(&out, Path::new(P)).unwrap();
        assert_eq!(
            f.profiles["b"].scopes.as_deref().unwrap(),
            ["openid", "offline_access"]
        );
        let out2 = upsert_profile(
            &out,
            Path::new(P),
            "a",
            &ProfileUpdate {
                client_id: Some("z".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(out2.contains("issuer = \"https://a\" # keep"), "{out2}");
        assert!(out2.contains("# team"));
        assert_eq!(
            parse(&out2, Path::new(P)).unwrap().profiles["a"]
                .client_id
                .as_deref(),
            Some("z")
        );
    }

    #[test]
    fn select_order() {
        let c = Config {
            path: P.into(),
            file: parse(
                "[profiles.only]\nissuer=\"https://a\"\nclient_id=\"c\"\n",
                Path::new(P),
            )
            .unwrap(),
            text: String::new(),
        };
        assert_eq!(c.select(Some("x")).unwrap(), "x");
        assert_eq!(c.select(None).unwrap(), "only");
        assert!(c.select(Some("../etc")).is_err());
    }

    #[test]
    fn profile_validation() {
        let f = parse(
            "[profiles.w]\nissuer=\"http://evil.example\"\nclient_id=\"c\"\n",
            Path::new(P),
        )
        .unwrap();
        let c = Config {
            path: P.into(),
            file: f,
            text: String::new(),
        };
        let e = c.profile("w").unwrap_err().to_string();
        assert!(
            e.starts_with("profile `w`: issuer must use https://"),
            "{e}"
        );
        assert!(matches!(
            c.profile("nope"),
            Err(ConfigError::UnknownProfile { .. })
        ));
    }

    /// RFC 8705: a client certificate needs its key, absolute paths and an https issuer; its
    /// key must be private (OpenSSH's rule for keys).
    #[test]
    fn a_client_certificates_key_on_a_pkcs11_token_is_named_by_its_uri() {
        let profile = |extra: &str| {
            let text = format!(
                "[profiles.w]\nissuer = \"https://a\"\nclient_id = \"c\"\nclient_cert = \"/c.pem\"\n{extra}\n"
            );
            let file = parse(&text, Path::new(P)).unwrap();
            resolve("w", &file.profiles["w"])
        };
        // Not a file: neither absolute nor private, and kept as the URI.
        let uri = "pkcs11:token=t;object=mtls";
        let p = profile(&format!("client_key = \"{uri}\"")).unwrap();
        let cc = p.network.trust.client_cert.unwrap();
        assert_eq!(cc.token_uri(), Some(uri));
        assert!(p.private_key_jwt.is_none());
        // A file key stays a file.
        let e = profile("client_key = \"k.pem\"").unwrap_err();
        assert!(e.to_string().contains("must be an absolute path"), "{e}");
    }

    #[test]
    fn a_client_certificate_needs_its_private_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("client.key");
        std::fs::write(&key, "k").unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let profile = |issuer: &str, extra: &str| {
            let text = format!("[profiles.w]\nissuer = \"{issuer}\"\nclient_id = \"c\"\n{extra}\n");
            let file = parse(&text, Path::new(P)).unwrap();
            resolve("w", &file.profiles["w"])
        };
        let both = format!(
            "client_cert = \"/c.pem\"\nclient_key = \"{}\"",
            key.display()
        );
        let p = profile("https://a", &both).unwrap();
        let cc = p.network.trust.client_cert.unwrap();
        assert_eq!(cc.method, crate::oauth::CertMethod::Pki);
        assert!(p.endpoints.mtls);
        let e = profile("http://127.0.0.1:9", &both)
            .unwrap_err()
            .to_string();
        assert!(e.contains("client_cert needs an https issuer"), "{e}");
        let e = profile("https://a", "client_cert = \"/c.pem\"").unwrap_err();
        assert!(e.to_string().contains("needs `client_key`"), "{e}");
        let e = profile("https://a", "client_key = \"k.pem\"\nclient_cert = \"/c\"").unwrap_err();
        assert!(e.to_string().contains("must be an absolute path"), "{e}");
        let e = profile("https://a", "client_auth = \"self_signed_tls_client_auth\"").unwrap_err();
        assert!(e.to_string().contains("needs `client_cert`"), "{e}");
        let e = profile("https://a", &format!("{both}\nclient_auth = \"mtls\"")).unwrap_err();
        assert!(e.to_string().contains("client_auth must be"), "{e}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
            let e = profile("https://a", &both).unwrap_err();
            assert!(matches!(e, ConfigError::Readable { .. }), "{e}");
            assert!(
                e.to_string().contains("others can read it (mode 640)"),
                "{e}"
            );
        }
    }
}
