//! The environment, read once at start into [`Settings`] and passed down.
//!
//! As in ripgrep (low-level args → high-level args): `main` resolves every environment
//! variable tok reads for itself into one value, and the layers below take what they need from
//! it (the HTTP client its timeouts, the keychain its deadline, the session its lock timeout).
//! No other module reads tok's variables, and there are no process-wide switches. The names
//! are the `ENV_*` constants below and [`ProxyEnv`] (the proxy variables, with their
//! precedence; `oauth::proxy` decides each request's route from them). Variables read by the crates tok uses
//! (`NO_COLOR` by anstream, `BROWSER` and `DISPLAY` for the browser, the D-Bus address, the XDG
//! directories, `SSL_CERT_FILE`/`SSL_CERT_DIR` by the system roots loader) stay where those
//! crates expect them.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use crate::secret::{CiRequestToken, IdentityToken};

/// Overrides the config file path (as `--config` does).
pub const ENV_CONFIG: &str = "TOK_CONFIG";
/// Selects the profile when `-p` is not given.
pub const ENV_PROFILE: &str = "TOK_PROFILE";
/// Selects the store: `auto`, `keychain`, `keyutils` or `file`.
pub const ENV_STORE: &str = "TOK_STORE";
/// Seconds to wait for another tok process holding a profile's lock (default 60).
pub const ENV_LOCK_TIMEOUT: &str = "TOK_LOCK_TIMEOUT";
/// Seconds a keychain operation may take before tok gives up (default 5).
pub const ENV_KEYCHAIN_TIMEOUT: &str = "TOK_KEYCHAIN_TIMEOUT";
/// Seconds one HTTP attempt may take in all (default 30).
pub const ENV_HTTP_TIMEOUT: &str = "TOK_HTTP_TIMEOUT";
/// git's switch for prompts; `0` forbids the credential helper's interactive login.
pub const ENV_GIT_TERMINAL_PROMPT: &str = "GIT_TERMINAL_PROMPT";
/// docker's config directory (default `~/.docker`), where `tok setup docker` writes `credHelpers`.
pub const ENV_DOCKER_CONFIG: &str = "DOCKER_CONFIG";
/// The `ExecCredential` kubectl passes to exec plugins.
pub const ENV_KUBERNETES_EXEC_INFO: &str = "KUBERNETES_EXEC_INFO";
/// Terraform's CLI configuration file (default `~/.terraformrc`), where `tok setup terraform`
/// adds its `credentials_helper` block.
pub const ENV_TF_CLI_CONFIG_FILE: &str = "TF_CLI_CONFIG_FILE";
/// Seconds one HTTP request may take with all its retries (default 60).
pub const ENV_HTTP_DEADLINE: &str = "TOK_HTTP_DEADLINE";
/// Test only: milliseconds to sleep after a refresh response arrives and before the rotated
/// refresh token is persisted — widens the crash window so stress tests can kill tok inside it.
/// Never set it in real use.
pub const ENV_TEST_DELAY_AFTER_RESPONSE_MS: &str = "TOK_TEST_DELAY_AFTER_RESPONSE_MS";

/// A confidential client's secret for `tok login --client-credentials` (never a flag: argv is
/// visible to every user of the machine).
pub const ENV_CLIENT_SECRET: &str = "TOK_CLIENT_SECRET";
/// `1`: never start an interactive login (browser, device, paste); `0`: allow it even when
/// `CI` is set. Unset: non-interactive when `CI` is set (as CI services do).
pub const ENV_NONINTERACTIVE: &str = "TOK_NONINTERACTIVE";
/// Set by CI services; makes the run non-interactive unless `TOK_NONINTERACTIVE=0`.
pub const ENV_CI: &str = "CI";
/// Report errors as JSON (as `--json-errors` does).
pub const ENV_JSON_ERRORS: &str = "TOK_JSON_ERRORS";
/// GitHub Actions: the URL a job asks for its identity token (set only with `permissions:
/// id-token: write`).
pub const ENV_ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// GitHub Actions: the bearer token for [`ENV_ACTIONS_ID_TOKEN_REQUEST_URL`].
pub const ENV_ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// The AWS SDKs' STS endpoint override, first in their order.
pub const ENV_AWS_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";
/// The AWS SDKs' endpoint override for every service.
pub const ENV_AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// The AWS region (`AWS_DEFAULT_REGION` when unset), naming the regional STS endpoint.
pub const ENV_AWS_REGION: &str = "AWS_REGION";
/// The older name of [`ENV_AWS_REGION`].
pub const ENV_AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// The AWS config file (default `~/.aws/config`), where `tok setup aws` writes
/// `credential_process`.
pub const ENV_AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";

/// Google's external-account libraries, running `tok gcp-credential` as an executable source:
/// the subject token type the configuration expects.
pub const ENV_GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE: &str = "GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE";
/// The configuration's `audience` (the workload identity pool provider), compared with the one
/// `tok setup gcp` wrote into the command.
pub const ENV_GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE: &str = "GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE";
/// `1` when the library runs the command in interactive mode (its stdin and stdout are the
/// user's terminal): tok may log in; otherwise it never prompts.
pub const ENV_GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE: &str = "GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE";
/// The service account the configuration impersonates, compared with the one `tok setup gcp`
/// wrote into the command.
pub const ENV_GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL: &str =
    "GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL";
/// The file the configuration names for the command's output (written 0600 too).
pub const ENV_GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE: &str = "GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE";

/// The proxy variables of the environment (their use is `oauth::proxy`'s).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    pub https: Option<(&'static str, String)>,
    pub http: Option<(&'static str, String)>,
    pub all: Option<(&'static str, String)>,
    pub no_proxy: Option<String>,
}

impl ProxyEnv {
    /// The variables, read through `get` (lower case first).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let pick = |lower: &'static str, upper: &'static str| {
            get(lower)
                .map(|v| (lower, v))
                .or_else(|| get(upper).map(|v| (upper, v)))
                .filter(|(_, v)| !v.trim().is_empty())
        };
        Self {
            https: pick("https_proxy", "HTTPS_PROXY"),
            http: pick("http_proxy", "HTTP_PROXY"),
            all: pick("all_proxy", "ALL_PROXY"),
            no_proxy: pick("no_proxy", "NO_PROXY").map(|(_, v)| v),
        }
    }
}

/// The largest value a numeric environment variable may set (one day): a huge timeout must
/// not overflow a deadline (`Instant + Duration` panics on overflow).
pub const MAX_ENV_SECS: u64 = 24 * 3600;

/// Everything tok takes from its environment. `Default` is the environment with nothing set.
#[derive(Debug)]
pub struct Settings {
    /// `TOK_CONFIG`: the config file instead of the default path.
    pub config_path: Option<PathBuf>,
    /// `TOK_PROFILE`: the profile when `-p` is not given.
    pub profile: Option<String>,
    /// The HTTP client's timeouts and tracing.
    pub http: HttpSettings,
    /// `TOK_KEYCHAIN_TIMEOUT` (default 5 s, at least 1 s): how long one keychain operation may
    /// take.
    pub keychain_timeout: Duration,
    /// `TOK_LOCK_TIMEOUT` (default 60 s): how long to wait for a profile's lock.
    pub lock_timeout: Duration,
    /// `TOK_NONINTERACTIVE`, else `CI`: this run must not wait for a human.
    pub non_interactive: bool,
    /// `GIT_TERMINAL_PROMPT=0`: git forbids prompts, so the credential helper must not log in.
    pub git_prompts_off: bool,
    /// `KUBERNETES_EXEC_INFO`: the `ExecCredential` kubectl passes to exec plugins.
    pub kubernetes_exec_info: Option<String>,
    /// `TOK_CLIENT_SECRET`: a confidential client's secret for `tok login --client-credentials`.
    pub client_secret: Option<SecretString>,
    /// `DOCKER_CONFIG`: docker's config directory.
    pub docker_config: Option<PathBuf>,
    /// `TF_CLI_CONFIG_FILE`: Terraform's CLI configuration file.
    pub tf_cli_config_file: Option<PathBuf>,
    /// `TOK_JSON_ERRORS`: errors as JSON (clap reads it too; this copy serves a command line
    /// that did not parse).
    pub json_errors: bool,
    /// Test only (`TOK_TEST_DELAY_AFTER_RESPONSE_MS`): the pause between a refresh response
    /// and persisting its rotated refresh token.
    pub test_delay_after_response: Duration,
    /// GitHub Actions' identity-token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`), for
    /// `--workload-identity github`.
    pub actions_id_token_url: Option<String>,
    /// Its bearer credential (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
    pub actions_id_token_request_token: Option<CiRequestToken>,
    /// The variables a profile names for its identity token (`--workload-identity env:NAME`).
    pub named_vars: NamedVars,
    /// What the AWS SDKs read: endpoint overrides, region, config file.
    pub aws: AwsEnv,
    /// What Google's libraries pass an executable credential source.
    pub google: GoogleEnv,
}

/// The `GOOGLE_EXTERNAL_ACCOUNT_*` variables of an executable credential source that tok uses.
#[derive(Debug, Clone, Default)]
pub struct GoogleEnv {
    pub token_type: Option<String>,
    pub output_file: Option<PathBuf>,
    pub audience: Option<String>,
    /// `GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE=1`.
    pub interactive: bool,
    pub impersonated_email: Option<String>,
}

/// The AWS variables `tok aws-credential` and `tok setup aws` follow, as the SDKs do.
#[derive(Debug, Clone, Default)]
pub struct AwsEnv {
    /// `AWS_ENDPOINT_URL_STS`.
    pub endpoint_url_sts: Option<String>,
    /// `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`.
    pub region: Option<String>,
    /// `AWS_CONFIG_FILE`.
    pub config_file: Option<PathBuf>,
}

/// Reads the one kind of variable whose name is the user's, not tok's: the identity token of
/// `--workload-identity env:NAME` (GitLab's `id_tokens:` puts it in a variable the job names).
/// Its name is known only once the profile is read, so it cannot be read ahead with the rest;
/// this is still the only place that reads it. Values come back wrapped as secrets.
pub struct NamedVars(Option<fn(&str) -> Option<String>>);

impl NamedVars {
    /// The process environment.
    pub fn process() -> Self {
        Self(Some(|name| std::env::var(name).ok()))
    }

    /// The identity token in variable `name`, if set and not empty.
    pub fn identity_token(&self, name: &str) -> Option<IdentityToken> {
        let get = self.0?;
        get(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| IdentityToken::new(v.trim()))
    }
}

impl std::fmt::Debug for NamedVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NamedVars")
    }
}

/// What the HTTP client needs: timeouts, and whether `-vv` traces each request.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `TOK_HTTP_TIMEOUT` (default 30 s): one attempt in all.
    pub timeout: Duration,
    /// `TOK_HTTP_DEADLINE` (default 60 s): one request with all its retries.
    pub deadline: Duration,
    /// `-vv`: log each request's method, endpoint, route, status, content type, size and time.
    pub trace: bool,
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY` (either case; the names are in
    /// [`crate::oauth::proxy`], which decides each request's route).
    pub proxy_env: ProxyEnv,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Settings::default().http
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_lookup(|_| None)
    }
}

impl Settings {
    /// Read the process environment.
    pub fn from_env() -> Self {
        Self {
            named_vars: NamedVars::process(),
            ..Self::from_lookup(|name| std::env::var(name).ok())
        }
    }

    /// Read settings through `get` (the environment, or a table in tests). Empty counts as
    /// unset; a malformed number counts as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| get(name).filter(|v| !v.is_empty());
        let secs = |name: &str, default: u64| {
            Duration::from_secs(
                get(name)
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(default)
                    .min(MAX_ENV_SECS),
            )
        };
        let non_interactive = match get(ENV_NONINTERACTIVE) {
            Some(v) => yes(&v),
            None => get(ENV_CI).is_some_and(|v| yes(&v)),
        };
        Self {
            config_path: get(ENV_CONFIG).map(PathBuf::from),
            profile: get(ENV_PROFILE),
            http: HttpSettings {
                timeout: secs(ENV_HTTP_TIMEOUT, 30),
                deadline: secs(ENV_HTTP_DEADLINE, 60),
                trace: false,
                proxy_env: ProxyEnv::from_lookup(get),
            },
            keychain_timeout: secs(ENV_KEYCHAIN_TIMEOUT, 5).max(Duration::from_secs(1)),
            lock_timeout: secs(ENV_LOCK_TIMEOUT, 60),
            non_interactive,
            git_prompts_off: get(ENV_GIT_TERMINAL_PROMPT).is_some_and(|v| git_no(&v)),
            kubernetes_exec_info: get(ENV_KUBERNETES_EXEC_INFO),
            client_secret: get(ENV_CLIENT_SECRET).map(SecretString::from),
            docker_config: get(ENV_DOCKER_CONFIG).map(PathBuf::from),
            tf_cli_config_file: get(ENV_TF_CLI_CONFIG_FILE).map(PathBuf::from),
            json_errors: get(ENV_JSON_ERRORS).is_some_and(|v| yes(&v)),
            // A number of milliseconds, bounded like the others (in seconds' worth).
            test_delay_after_response: Duration::from_millis(
                get(ENV_TEST_DELAY_AFTER_RESPONSE_MS)
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0u64)
                    .min(MAX_ENV_SECS),
            ),
            actions_id_token_url: get(ENV_ACTIONS_ID_TOKEN_REQUEST_URL),
            actions_id_token_request_token: get(ENV_ACTIONS_ID_TOKEN_REQUEST_TOKEN)
                .map(CiRequestToken::new),
            named_vars: NamedVars(None),
            aws: AwsEnv {
                endpoint_url_sts: get(ENV_AWS_ENDPOINT_URL_STS),
                endpoint_url: get(ENV_AWS_ENDPOINT_URL),
                region: get(ENV_AWS_REGION).or_else(|| get(ENV_AWS_DEFAULT_REGION)),
                config_file: get(ENV_AWS_CONFIG_FILE).map(PathBuf::from),
            },
            google: GoogleEnv {
                token_type: get(ENV_GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE),
                output_file: get(ENV_GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE).map(PathBuf::from),
                audience: get(ENV_GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE),
                interactive: get(ENV_GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE).as_deref() == Some("1"),
                impersonated_email: get(ENV_GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL),
            },
        }
    }
}

/// A yes/no variable: anything but `0`, `false`, `no` and `off` (any case, trimmed) is yes.
pub fn yes(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

/// A git yes/no setting that says no: as [`yes`], and `never` too.
pub fn git_no(value: &str) -> bool {
    !yes(value) || value.trim().eq_ignore_ascii_case("never")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Settings {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let s = Settings::default();
        assert_eq!(s.keychain_timeout, Duration::from_secs(5));
        assert_eq!(s.lock_timeout, Duration::from_secs(60));
        assert_eq!(s.http.timeout, Duration::from_secs(30));
        assert_eq!(s.http.deadline, Duration::from_secs(60));
        assert_eq!(s.test_delay_after_response, Duration::ZERO);
        assert!(!s.non_interactive && !s.git_prompts_off && !s.json_errors);
    }

    #[test]
    fn numbers_are_bounded_and_malformed_ones_ignored() {
        let s = with(&[
            (ENV_LOCK_TIMEOUT, "99999999999"),
            (ENV_HTTP_TIMEOUT, "soon"),
            (ENV_KEYCHAIN_TIMEOUT, "0"),
            (ENV_TEST_DELAY_AFTER_RESPONSE_MS, " 250 "),
        ]);
        assert_eq!(s.lock_timeout, Duration::from_secs(MAX_ENV_SECS));
        assert_eq!(s.http.timeout, Duration::from_secs(30));
        assert_eq!(s.keychain_timeout, Duration::from_secs(1));
        assert_eq!(s.test_delay_after_response, Duration::from_millis(250));
    }

    #[test]
    fn yes_no_variables() {
        for v in ["1", "true", "yes", "on", "anything"] {
            assert!(yes(v), "{v}");
        }
        for v in ["0", "false", " No ", "OFF"] {
            assert!(!yes(v), "{v}");
        }
        assert!(with(&[(ENV_CI, "true")]).non_interactive);
        assert!(!with(&[(ENV_CI, "true"), (ENV_NONINTERACTIVE, "0")]).non_interactive);
        assert!(!with(&[(ENV_CI, "")]).non_interactive);
        assert!(with(&[(ENV_GIT_TERMINAL_PROMPT, "never")]).git_prompts_off);
        assert!(with(&[(ENV_GIT_TERMINAL_PROMPT, "0")]).git_prompts_off);
        assert!(!with(&[(ENV_GIT_TERMINAL_PROMPT, "1")]).git_prompts_off);
    }
}
