//! `tok login`.

use clap::Args;

use super::ProfileArg;
use crate::config::Flow;

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
///   tok login -p ci --issuer https://id.example.com --client-id ci-bot --client-credentials \
///       --client-auth private-key-jwt --client-key key.pem   # no shared secret (README: In a CI job)
///   printf %s "$REFRESH_TOKEN" | tok login -p ci --refresh-token-stdin
///   tok login -p ci --issuer https://id.example.com --client-id ci \
///       --workload-identity github        # GitHub Actions, no secret (README: In CI)
///   tok login -p ci --workload-identity env:ID_TOKEN --exchange jwt-bearer
///   tok login -p corp --issuer https://sso.corp.internal --client-id tok \
///       --ca-file /etc/corp/root-ca.pem   # a provider behind a private CA
///
/// When the server is stricter than most (README: Servers that need more):
///   it accepts only the registered redirect URI   --redirect-uri http://127.0.0.1:8400/callback
///   it needs MFA, a fresh sign-in, an account     --acr-values A, --max-age SECS, --prompt login,
///                                                 --login-hint USER, --ui-locales "fr en"
///   it wants parameters of its own                --auth-param KEY=VALUE (Entra: domain_hint=…)
///   it requires pushed authorization requests     nothing when its metadata says so; else --par
///   it authenticates clients by TLS certificate   --client-cert FILE --client-key FILE
///                                                 [--client-auth self-signed-tls-client-auth]
///   it wants a signed client assertion            --client-auth private-key-jwt (then register
///                                                 `tok profile jwks -p NAME`)
///   you know only the resource (an MCP server)    --resource-url https://api.example.com/mcp
///                                                 (its RFC 9728 metadata names the issuer; tok
///                                                 registers itself when the server allows it)
///   it asks some resources for a stronger sign-in not at login: `tok print --acr-values A
///   (RFC 9470 step-up)                            [--max-age SECS]`; git's helper steps up itself
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

    #[command(flatten)]
    pub key: Box<TokenKeyArgs>,

    /// Give up after this long waiting for approval (e.g. 90s, 5m)
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub timeout: std::time::Duration,

    #[command(flatten)]
    pub server: Box<ServerArgs>,

    #[command(flatten)]
    pub client: Box<ClientAuthArgs>,

    /// Browser flow without a loopback listener: print the URL, read the redirected URL from stdin
    #[arg(long, conflicts_with_all = ["device", "client_credentials", "refresh_token_stdin"])]
    pub paste: bool,

    /// Fill issuer, endpoints and scopes for a well-known provider (see README: Presets)
    #[arg(long, value_enum, value_name = "NAME")]
    pub preset: Option<crate::config::Preset>,

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
    pub exchange: Option<crate::oauth::grant::ExchangeMethod>,

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

/// What a stricter server needs of the browser flow (issue 21); boxed, as they make `tok login`'s
/// arguments the largest command's.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The browser flow's redirect URI: http://127.0.0.1:PORT/PATH, http://localhost:PORT/PATH
    /// or http://[::1]:PORT/PATH, for a server that matches the registered one exactly (port 0
    /// or none: any free port, the default); a taken port fails, no other is tried; saved in
    /// the profile as `redirect_uri`
    #[arg(long, value_name = "URI", value_parser = redirect_uri)]
    pub redirect_uri: Option<String>,

    /// Authorization request `prompt` (login, consent, select_account, none); saved in the
    /// profile's `auth_params`, like the options below (an empty value takes one out)
    #[arg(long, value_name = "PROMPT")]
    pub prompt: Option<String>,

    /// Authorization request `login_hint`: the account to sign in as (e.g. an email); saved
    #[arg(long, value_name = "HINT")]
    pub login_hint: Option<String>,

    /// Authorization request `acr_values`: the authentication the server must perform (e.g.
    /// MFA), space-separated in order of preference; saved
    #[arg(long, value_name = "ACR")]
    pub acr_values: Option<String>,

    /// Authorization request `max_age`: sign in again if the last sign-in at the server is
    /// older than SECONDS; saved
    #[arg(long, value_name = "SECONDS")]
    pub max_age: Option<u64>,

    /// Authorization request `ui_locales`: languages for the sign-in pages (e.g. "fr en"); saved
    #[arg(long, value_name = "LOCALES")]
    pub ui_locales: Option<String>,

    /// Another authorization request parameter (Entra: domain_hint=example.com); repeat for
    /// several; the protocol's own (state, client_id, redirect_uri…) are refused; saved
    #[arg(long = "auth-param", value_name = "KEY=VALUE", value_parser = auth_param)]
    pub auth_params: Vec<(String, String)>,

    /// Push the authorization request to the server first (RFC 9126 PAR); the browser gets
    /// only a reference to it. Automatic when the server requires it; saved in the profile
    #[arg(long)]
    pub par: bool,

    /// Log in for this resource (e.g. https://api.example.com/mcp): tok reads its RFC 9728
    /// metadata for the authorization server (--issuer picks one when it names several),
    /// registers itself there when no --client-id is given (RFC 7591; `tok logout` deletes
    /// the registration), and asks for tokens for the resource (RFC 8707); saved in the
    /// profile as `resource_url`
    #[arg(long, value_name = "URL", conflicts_with_all = ["workload_identity", "preset"])]
    pub resource_url: Option<String>,

    /// Set by a `--resource-url` login: whether `client_id` is tok's dynamic registration.
    #[arg(skip)]
    pub dynamic_client: Option<bool>,
}

/// `--redirect-uri`, checked before anything is saved.
fn redirect_uri(s: &str) -> Result<String, String> {
    s.parse::<crate::oauth::RedirectUri>()?;
    Ok(s.to_string())
}

/// `KEY=VALUE` of `--auth-param`, not one of the protocol's own parameters.
fn auth_param(s: &str) -> Result<(String, String), String> {
    let (k, v) = key_value(s)?;
    crate::oauth::check_auth_param(&k, &v)?;
    Ok((k, v))
}

/// `KEY=VALUE` of `--exchange-param`.
fn key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
}

impl LoginArgs {
    /// The authorization parameters given, named options first.
    pub fn auth_params(&self) -> Vec<(String, String)> {
        let a = &self.server;
        let named = [
            ("prompt", a.prompt.clone()),
            ("login_hint", a.login_hint.clone()),
            ("acr_values", a.acr_values.clone()),
            ("max_age", a.max_age.map(|n| n.to_string())),
            ("ui_locales", a.ui_locales.clone()),
        ];
        named
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_string(), v?)))
            .chain(a.auth_params.iter().cloned())
            .collect()
    }

    pub fn flow(&self) -> Option<Flow> {
        match (self.device, self.browser) {
            (true, _) => Some(Flow::Device),
            (_, true) => Some(Flow::Browser),
            _ => None,
        }
    }
}

/// How the client authenticates itself (private_key_jwt, RFC 7523 §2.2 / OIDC Core §9).
#[derive(Debug, Args, Default)]
pub struct ClientAuthArgs {
    /// How the server authenticates this client instead of a shared secret (its
    /// token_endpoint_auth_method): private-key-jwt signs JWTs with the client's own key
    /// (register it: `tok profile jwks -p NAME` prints the JWK Set); tls-client-auth presents
    /// --client-cert, which the server matches by subject DN or SAN (RFC 8705, the default with
    /// --client-cert); self-signed-tls-client-auth presents a certificate registered in the
    /// client's JWKS; saved as `client_auth`
    #[arg(long, value_name = "METHOD", value_parser = ["private-key-jwt", "tls-client-auth", "self-signed-tls-client-auth", "none"])]
    pub client_auth: Option<String>,

    /// Mutual TLS (RFC 8705): present this PEM certificate (leaf first, chain may follow) to
    /// the provider instead of sending a client secret; needs --client-key; saved as
    /// `client_cert`
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<std::path::PathBuf>,

    /// The client's private key, a PEM file readable by you alone (exit 8 otherwise): the key
    /// of --client-cert, or the key that signs private-key-jwt assertions (PKCS#8; without
    /// it, tok generates one and keeps it beside the session), or for either a P-256 key on a
    /// PKCS#11 token (`pkcs11:token=NAME;object=LABEL`; see --pkcs11-module); saved as
    /// `client_key`
    #[arg(long, value_name = "FILE|PKCS11-URI")]
    pub client_key: Option<std::path::PathBuf>,

    /// The algorithm of the key tok generates: ES256 (P-256, default) or EdDSA (Ed25519);
    /// RS256 only with --client-key (tok cannot generate RSA keys); saved
    #[arg(long, value_name = "ALG", value_parser = ["ES256", "EdDSA", "RS256"])]
    pub client_key_alg: Option<String>,

    /// The assertions' audience: issuer (default) or token-endpoint (for servers that want
    /// the token endpoint's URL); saved as `client_assertion_aud`
    #[arg(long, value_name = "AUD", value_parser = ["issuer", "token-endpoint"])]
    pub client_assertion_aud: Option<String>,

    /// Generate a new client key to sign with, keeping the previous one in the JWK Set (the
    /// oldest beyond that is dropped): register the new set, then log in
    #[arg(long)]
    pub rotate_client_key: bool,
}

/// A DPoP key on a PKCS#11 token (issue 22); boxed, as `ServerArgs`.
#[derive(Debug, Args)]
pub struct TokenKeyArgs {
    /// Bind the session to a key on a PKCS#11 token instead (an RFC 7512 URI,
    /// `pkcs11:token=NAME;object=LABEL`): proofs are signed on the token and the private key
    /// never enters tok; implies --dpop; saved in the profile as `dpop_key`
    #[arg(long, value_name = "PKCS11-URI")]
    pub dpop_key: Option<String>,

    /// The PKCS#11 module that reaches the token (e.g. /usr/lib/softhsm/libsofthsm2.so); saved in
    /// the profile as `pkcs11_module`
    #[arg(long, value_name = "PATH")]
    pub pkcs11_module: Option<std::path::PathBuf>,

    /// Generate the key pair on the token first: P-256, sensitive, not extractable; the
    /// --dpop-key's, else (without --dpop-key) the --client-key pkcs11:URI's
    #[arg(long)]
    pub generate_key: bool,

    /// Read the token's PIN from the first line of stdin (else it is asked at the terminal, or
    /// not at all when the token has its own PIN pad)
    #[arg(long, conflicts_with_all = ["paste", "client_credentials", "refresh_token_stdin"])]
    pub pin_stdin: bool,
}
