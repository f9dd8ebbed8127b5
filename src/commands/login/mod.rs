//! `tok login`: the user interface of a login — create or update the profile, choose the
//! [`LoginMethod`], show codes, URLs and progress, read pasted input — around
//! [`session::login`](crate::session::login()), which opens the store, drives the grant
//! and saves the session.

mod ui;

use ui::TerminalUi;
#[cfg(test)]
use ui::qr_block;

use std::cell::RefCell;
use std::path::Path;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::cli::LoginArgs;
use crate::config::{self, Config, Flow, Profile, ProfileUpdate};
use crate::error::{Code, Hinted};
use crate::oauth::grant::{DeviceAuthorization, IdentityClaims as Claims, IdentitySource};
use crate::oauth::{Endpoints, browser_display_available, open_browser};
use crate::output::Printer;
use crate::secret::{ClientSecret, RefreshToken};
use crate::session::{LoggedIn, LoginMethod, LoginUi, Wait};
use crate::time::now;

use super::Env;

pub fn run(env: &Env, mut args: LoginArgs) -> anyhow::Result<()> {
    let p = &env.ctx.printer;
    check_generate_key(&args)?;
    let mut config = env.config()?;
    super::resource::resolve(env, &config, &mut args)?;
    let (name, mut pending) = update_profile(&mut config, &args)?;
    let mut profile = config.profile(&name)?;
    if let Some(w) = profile.workload.clone() {
        if profile.is_dpop() {
            return Err(Hinted::new(
                Code::Usage,
                format!("profile `{name}` uses DPoP, which a workload identity does not support"),
                Some(format!("set `dpop = false` under [profiles.{name}]")),
            )
            .into());
        }
        let method = LoginMethod::WorkloadIdentity(w);
        let ui = TerminalUi::new(p, &args);
        let done =
            crate::session::login(&env.ctx, &profile, None, method, &ui, args.timeout, false)?;
        save_pending(p, &name, &config.path, pending)?;
        return report(p, &profile, &done);
    }
    check_interactive(env, &args, &profile)?;
    // Read secrets from stdin before any network call, so a missing one fails fast.
    let method = secret_method(env, &args, &profile)?;
    if args.client.rotate_client_key {
        let kid = crate::session::rotate_client_key(&env.ctx, &profile)?;
        p.warn(format!("the client key {kid} signs from now on: register the new JWK Set (`tok profile jwks -p {name}`)"));
    }
    let mut endpoints = env.ctx.endpoints_for_login(&profile)?;
    if let Some(text) = adopt_stated_issuer(p, &mut config, &profile, &endpoints)? {
        pending = Some(text);
        profile = config.profile(&name)?;
        endpoints = env.ctx.endpoints(&profile)?;
    }
    let method = match method {
        Some(m) => m,
        None => interactive_method(&args, &profile, &endpoints, &config.path)?,
    };
    let ui = TerminalUi::new(p, &args);
    let done = crate::session::login(
        &env.ctx,
        &profile,
        Some(&endpoints),
        method,
        &ui,
        args.timeout,
        args.key.generate_key,
    )?;
    save_pending(p, &name, &config.path, pending)?;
    report(p, &profile, &done)
}

/// A step-up login (RFC 9470) for `profile`, interactive as its own login would be (browser,
/// device, `--paste` never): the stepped-up token, kept apart from the everyday session.
pub fn step_up(
    env: &Env,
    profile: &Profile,
    want: crate::session::Want,
    narrow: &crate::session::Narrow,
    step: &crate::session::StepUp,
) -> anyhow::Result<crate::session::Served> {
    use clap::Parser;
    let cli = crate::cli::Cli::try_parse_from(["tok", "login", "-p", &profile.name])?;
    let crate::cli::Command::Login(args) = cli.command else {
        unreachable!("parsed a login command")
    };
    let config = env.config()?;
    let endpoints = env.ctx.endpoints(profile)?;
    let method = interactive_method(&args, profile, &endpoints, &config.path)?;
    let ui = TerminalUi::new(&env.ctx.printer, &args);
    let as_profile = step.login_profile(profile, narrow);
    let flowed = crate::session::run_flow(&env.ctx, &as_profile, method, &ui, args.timeout)?;
    Ok(crate::session::step_up_keep(
        &env.ctx, profile, want, narrow, step, flowed,
    )?)
}

/// Apply the command line's profile fields. Returns the profile's name and, for an existing
/// profile, the new config text to save once the login succeeded: a failed or cancelled login
/// must not leave its session pointing at another issuer or client.
fn update_profile(
    config: &mut Config,
    args: &LoginArgs,
) -> anyhow::Result<(String, Option<String>)> {
    let update = profile_update(args)?;
    let name = match config.select(args.profile.profile.as_deref()) {
        Ok(n) => n,
        Err(config::ConfigError::NoProfiles) if !update.is_empty() => "default".to_string(),
        Err(e) => return Err(e.into()),
    };
    if update.is_empty() {
        return Ok((name, None));
    }
    if let Some(i) = &update.issuer {
        crate::url_policy::check_url(i).map_err(|m| config::ConfigError::Invalid {
            profile: name.clone(),
            key: "issuer",
            message: m,
        })?;
    }
    let text = config::upsert_profile(&config.text, &config.path, &name, &update)?;
    // Validate now, so a bad flag never leaves a broken file behind.
    let existed = config.file.profiles.contains_key(&name);
    config.file = config::parse(&text, &config.path)?;
    config.text = text.clone();
    if existed {
        return Ok((name, Some(text)));
    }
    // A new profile breaks no session: keep it even if this login fails, so that the next
    // attempt needs only `-p NAME`.
    config::save(&config.path, &text)?;
    Ok((name, None))
}

/// Refuse what this login cannot do before anything is asked of anyone.
/// `--generate-key` makes a key on a PKCS#11 token: the --dpop-key's, else the --client-key's.
fn check_generate_key(args: &LoginArgs) -> anyhow::Result<()> {
    let on_token = |k: &Option<std::path::PathBuf>| {
        k.as_ref()
            .and_then(|f| f.to_str())
            .is_some_and(|t| t.starts_with("pkcs11:"))
    };
    if args.key.generate_key && args.key.dpop_key.is_none() && !on_token(&args.client.client_key) {
        return Err(Hinted::new(
            Code::Usage,
            "--generate-key needs the key's place on a PKCS#11 token",
            Some("give --dpop-key pkcs11:… or --client-key pkcs11:…".into()),
        )
        .into());
    }
    Ok(())
}

fn check_interactive(env: &Env, args: &LoginArgs, profile: &Profile) -> anyhow::Result<()> {
    let name = &profile.name;
    let interactive = !(args.client_credentials || args.refresh_token_stdin);
    if profile.is_dpop() && !interactive {
        return Err(Hinted::new(
            Code::Usage,
            format!("profile `{name}` uses DPoP, which --client-credentials and --refresh-token-stdin do not support"),
            Some(format!("log in interactively, or set `dpop = false` under [profiles.{name}]")),
        )
        .into());
    }
    if interactive && env.ctx.settings.non_interactive {
        return Err(super::resource::non_interactive(name).into());
    }
    Ok(())
}

/// `--client-credentials` or `--refresh-token-stdin`, with the secret read now.
fn secret_method(
    env: &Env,
    args: &LoginArgs,
    profile: &Profile,
) -> anyhow::Result<Option<LoginMethod>> {
    let keyed = profile.private_key_jwt.is_some() || profile.network.trust.client_cert.is_some();
    if args.client_credentials && keyed {
        // The client's key (its assertions, or its certificate over mutual TLS, where the form
        // carries `client_id` alone: RFC 8705 §2) authenticates it: there is no secret to keep.
        return Ok(Some(LoginMethod::ClientCredentials(ClientSecret::new(""))));
    }
    if args.client_credentials {
        let secret = read_secret(
            Some(crate::settings::ENV_CLIENT_SECRET),
            env.ctx.settings.client_secret.as_ref(),
            "client secret",
        )?;
        return Ok(Some(LoginMethod::ClientCredentials(ClientSecret::new(
            secret,
        ))));
    }
    if args.refresh_token_stdin {
        let rt = read_secret(None, None, "refresh token")?;
        return Ok(Some(LoginMethod::RefreshToken(RefreshToken::new(rt))));
    }
    Ok(None)
}

/// When the discovery document states the issuer with a trailing slash the profile lacks (or
/// the other way round; discovery checked that only the slash differs), keep the document's
/// form, so that every later comparison can be exact (RFC 8414 §3.3). Returns the config text
/// to save after the login.
fn adopt_stated_issuer(
    p: &Printer,
    config: &mut Config,
    profile: &Profile,
    endpoints: &Endpoints,
) -> anyhow::Result<Option<String>> {
    let Some(stated) = endpoints.stated_issuer.clone() else {
        return Ok(None);
    };
    if stated == profile.issuer_text {
        return Ok(None);
    }
    p.info(format!(
        "{} states its issuer as {stated}; profile `{}` keeps it in that form",
        profile.issuer_text, profile.name
    ));
    let up = ProfileUpdate {
        issuer: Some(stated),
        ..ProfileUpdate::default()
    };
    let text = config::upsert_profile(&config.text, &config.path, &profile.name, &up)?;
    config.file = config::parse(&text, &config.path)?;
    config.text = text.clone();
    Ok(Some(text))
}

/// The interactive method: `--paste`, else the flow asked for (or chosen, see [`choose_flow`]).
fn interactive_method(
    args: &LoginArgs,
    profile: &Profile,
    endpoints: &Endpoints,
    config_path: &Path,
) -> anyhow::Result<LoginMethod> {
    let name = &profile.name;
    let wanted = args.flow().unwrap_or(profile.flow);
    if wanted == Flow::Device && !args.paste && endpoints.device_authorization.is_none() {
        // An explicit device flow (`--device`, or `flow = "device"`) is what people ask for
        // over SSH: running the browser flow instead would only wait out its timeout.
        return Err(Hinted::new(
            Code::Config,
            format!(
                "{} publishes no device authorization endpoint, so profile `{name}` cannot use the device flow",
                profile.issuer
            ),
            Some(format!(
                "set `device_authorization_endpoint = \"https://…\"` under [profiles.{name}] in {}, or log in with --browser",
                config_path.display()
            )),
        )
        .into());
    }
    Ok(match choose_flow(wanted, endpoints, args.no_browser) {
        _ if args.paste => LoginMethod::Paste,
        Flow::Device => LoginMethod::Device,
        Flow::Browser | Flow::Auto => LoginMethod::Browser,
    })
}

/// Save the profile changes a login waited for.
fn save_pending(
    p: &Printer,
    name: &str,
    path: &Path,
    pending: Option<String>,
) -> anyhow::Result<()> {
    if let Some(text) = pending {
        config::save(path, &text)?;
        p.verbose(format!("saved profile `{name}` in {}", path.display()));
    }
    Ok(())
}

/// The closing lines of a login.
fn report(p: &Printer, profile: &Profile, done: &LoggedIn) -> anyhow::Result<()> {
    let name = &profile.name;
    if let Some(t) = &done.unbound {
        p.warn(format!(
            "{} ignored the DPoP proof and issued {t} tokens: the session is not bound to a key",
            profile.issuer
        ));
    }
    if done.no_refresh_token {
        p.warn("the provider issued no refresh token, so `tok print` will need a new login when the access token expires; request the offline_access scope (--scope offline_access) if the provider supports it");
    }
    let t = now();
    let lifetime = done
        .token
        .expires_at
        .map(|e| {
            format!(
                "; the access token is valid for {}",
                humantime::format_duration(Duration::from_secs((e - t).max(0) as u64))
            )
        })
        .unwrap_or_default();
    match (&done.store, &done.claims, &profile.workload) {
        (None, Some(claims), Some(w)) => {
            p.info(claims_text(claims, t));
            p.info(format!(
                "Logged in: profile `{name}` at {} with workload identity {} ({}); nothing is stored{lifetime}.",
                profile.issuer,
                w.source,
                w.method.as_str()
            ));
        }
        (store, _, _) => p.info(format!(
            "Logged in: profile `{name}` at {} (session in {}){lifetime}.",
            profile.issuer,
            store.as_deref().unwrap_or("memory")
        )),
    }
    Ok(())
}

/// A workload identity token's claims, decoded for display (the provider verified them).
fn claims_text(claims: &Claims, t: i64) -> String {
    let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
    let exp = claims.exp.map_or("(none)".into(), |e| {
        format!(
            "{} ({})",
            crate::time::rfc3339(e),
            crate::time::relative(e, t)
        )
    });
    format!(
        "The CI identity token claims (decoded for display; the provider verified them):\n  iss: {}\n  sub: {}\n  aud: {}\n  exp: {exp}",
        or(&claims.iss),
        or(&claims.sub),
        if claims.aud.is_empty() {
            "(none)".into()
        } else {
            claims.aud.join(" ")
        },
    )
}

/// `--client-auth`, `--client-cert`, `--client-key` (paths saved absolute, not read here),
/// `--client-key-alg`, `--client-assertion-aud` into the profile's keys.
fn client_auth_update(
    up: &mut ProfileUpdate,
    c: &crate::cli::ClientAuthArgs,
) -> anyhow::Result<()> {
    for (key, path) in [
        ("client_cert", &c.client_cert),
        ("client_key", &c.client_key),
    ] {
        // A key on a PKCS#11 token is named by its URI, checked as the config will check it.
        if let Some(uri) = path.as_ref().and_then(|f| f.to_str())
            && uri.starts_with("pkcs11:")
        {
            crate::oauth::Pkcs11Uri::parse(uri)
                .map_err(|problem| crate::oauth::Pkcs11Error::Uri { problem })?;
            up.extra.push((key, uri.to_string()));
            continue;
        }
        if let Some(f) = path {
            up.extra
                .push((key, std::path::absolute(f)?.display().to_string()));
        }
    }
    for (k, v) in [
        (
            "client_auth",
            c.client_auth.as_ref().map(|m| m.replace('-', "_")),
        ),
        ("client_key_alg", c.client_key_alg.clone()),
        ("client_assertion_aud", c.client_assertion_aud.clone()),
    ] {
        up.extra.extend(v.map(|v| (k, v)));
    }
    Ok(())
}

/// `--dpop-key` (implies `--dpop`) and `--pkcs11-module`, into the profile.
fn token_key_update(args: &LoginArgs, up: &mut ProfileUpdate) -> anyhow::Result<()> {
    if let Some(uri) = &args.key.dpop_key {
        // Checked before the profile is written, as the config will check it when read.
        crate::oauth::Pkcs11Uri::parse(uri)
            .map_err(|problem| crate::oauth::Pkcs11Error::Uri { problem })?;
        up.extra.push(("dpop_key", uri.clone()));
        up.dpop = Some(true);
    }
    if let Some(module) = &args.key.pkcs11_module {
        let abs = std::path::absolute(module)?;
        up.extra.push(("pkcs11_module", abs.display().to_string()));
    }
    Ok(())
}

/// The profile fields given on the command line, `--preset` first, explicit flags over it.
fn profile_update(args: &LoginArgs) -> anyhow::Result<ProfileUpdate> {
    let mut up = ProfileUpdate {
        issuer: args.issuer.clone(),
        client_id: args.client_id.clone(),
        scopes: (!args.scopes.is_empty()).then(|| args.scopes.clone()),
        flow: None,
        audience: args.audience.clone(),
        dpop: args.dpop.then_some(true),
        extra: vec![],
        exchange_params: (!args.exchange_params.is_empty()).then(|| args.exchange_params.clone()),
        auth_params: args.auth_params(),
        par: args.server.par.then_some(true),
        dynamic_client: args.server.dynamic_client,
    };
    client_auth_update(&mut up, &args.client)?;
    token_key_update(args, &mut up)?;
    if let Some(source) = &args.workload_identity {
        // Checked before the profile is written: a new profile is kept even if the login fails.
        IdentitySource::parse(source).map_err(|m| {
            Hinted::new(
                Code::Usage,
                format!("--workload-identity {m}"),
                Some("e.g. --workload-identity github, env:GITLAB_ID_TOKEN or file:/var/run/secrets/tokens/ci".into()),
            )
        })?;
        up.extra.push(("workload_identity", source.clone()));
    }
    for (k, v) in [
        ("exchange", args.exchange.map(|m| m.as_str().to_string())),
        ("ci_audience", args.ci_audience.clone()),
        ("subject_token_type", args.subject_token_type.clone()),
        ("redirect_uri", args.server.redirect_uri.clone()),
        ("resource_url", args.server.resource_url.clone()),
    ] {
        if let Some(v) = v {
            up.extra.push((k, v));
        }
    }
    if let Some(preset) = args.preset {
        let s = preset
            .settings(args.issuer.as_deref(), args.tenant.as_deref())
            .map_err(|e| {
                Hinted::new(
                    Code::Usage,
                    e.to_string(),
                    Some(format!(
                        "see `tok login --help`; source: {}",
                        preset.source()
                    )),
                )
            })?;
        up.issuer = Some(s.issuer);
        up.scopes = up.scopes.or(Some(s.scopes));
        up.flow = s.flow;
        for (k, v) in [
            ("authorization_endpoint", s.authorization_endpoint),
            ("token_endpoint", s.token_endpoint),
            (
                "device_authorization_endpoint",
                s.device_authorization_endpoint,
            ),
        ] {
            if let Some(v) = v {
                up.extra.push((k, v));
            }
        }
        up.extra.push(("preset", preset.name().to_string()));
    }
    if let Some(path) = &args.ca_file {
        // Saved absolute: later runs start from other directories. Not read here: a missing
        // or unusable file is reported, naming it, by the first request.
        let abs = std::path::absolute(path)?;
        up.extra.push(("ca_file", abs.display().to_string()));
    }
    Ok(up)
}

/// A secret from the environment variable `var` (when named and set: its value is
/// `from_env`), else the first line of stdin. Never from argv.
fn read_secret(
    var: Option<&str>,
    from_env: Option<&SecretString>,
    what: &str,
) -> anyhow::Result<String> {
    if let Some(v) = from_env {
        return Ok(v.expose_secret().trim().to_string());
    }
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    // Zeroized on drop: the trimmed copy below lives on only inside a redacting type.
    let line = zeroize::Zeroizing::new(if stdin.is_terminal() {
        // Typed at a terminal: no echo, so the secret stays off the screen and out of
        // scrollback and terminal recordings.
        rpassword::prompt_password(format!("{what}: "))?
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line
    });
    let v = line.trim().to_string();
    if v.is_empty() {
        let from = match var {
            None => "stdin".to_string(),
            Some(var) => format!("${var} or stdin"),
        };
        return Err(Hinted::new(
            Code::Usage,
            format!("no {what} on {from}"),
            Some(format!(
                "pipe the {what} into tok, e.g. `printf %s \"$SECRET\" | tok login …`"
            )),
        )
        .into());
    }
    Ok(v)
}

/// `auto` picks the browser flow when a display is available and not over SSH, else the device
/// flow; an explicit choice is kept. A browser flow the server does not offer falls back to the
/// device flow (`run` refuses an explicit device flow without a device endpoint before this).
pub fn choose_flow(wanted: Flow, ep: &Endpoints, no_browser: bool) -> Flow {
    let has_browser = ep.authorization.is_some();
    let has_device = ep.device_authorization.is_some();
    match wanted {
        Flow::Device if has_device => Flow::Device,
        Flow::Browser if has_browser => Flow::Browser,
        Flow::Device => Flow::Browser,
        Flow::Browser => Flow::Device,
        Flow::Auto => {
            let display = !no_browser && browser_display_available();
            if (display && has_browser) || !has_device {
                Flow::Browser
            } else {
                Flow::Device
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_is_drawn_with_blocks() {
        let q = qr_block("http://127.0.0.1:1/device?user_code=ABCD-EFGH").unwrap();
        assert!(q.lines().count() > 10);
        assert!(q.contains('█') || q.contains('▀') || q.contains('▄'));
    }
}
