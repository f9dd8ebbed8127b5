//! The resource-URL part of `tok login` (`--resource-url`; RFC 9728, RFC 7591, RFC 8707):
//! before the profile is written, find the resource's authorization server (asking which on a
//! terminal when its metadata names several) and a client there — the one given, the one the
//! profile has, or tok's own dynamic registration — and put them into the login's arguments,
//! with the resource as the tokens' `resource`. A profile whose client is tok's registration
//! does this again on every login, so a registration `tok logout` deleted is made anew.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::LoginArgs;
use crate::config::{self, Config, ProfileConfig};
use crate::error::{Code, Hinted};
use crate::oauth::ResourceError;
use crate::output::one_line;
use crate::session;

use super::Env;

/// Fill `args` from the resource's metadata when the login is by resource URL.
pub fn resolve(env: &Env, config: &Config, args: &mut LoginArgs) -> anyhow::Result<()> {
    let name = match config.select(args.profile.profile.as_deref()) {
        Ok(n) => n,
        Err(config::ConfigError::NoProfiles) => "default".to_string(),
        Err(e) => return Err(e.into()),
    };
    let raw = config.file.profiles.get(&name);
    if args.client_id.is_some() && raw.is_some_and(|r| r.dynamic_client == Some(true)) {
        // A client given now replaces tok's registration (which logout still deletes).
        args.server.dynamic_client = Some(false);
    }
    let saved = raw
        .filter(|r| r.dynamic_client == Some(true) && args.client_id.is_none())
        .and_then(|r| r.resource_url.clone());
    let Some(text) = args.server.resource_url.clone().or(saved) else {
        return Ok(());
    };
    let url = crate::url_policy::check_url(&text).map_err(|why| ResourceError::BadUrl {
        url: one_line(&text),
        why,
    })?;
    let p = &env.ctx.printer;
    let mut network = config.profile(&name).map(|p| p.network).unwrap_or_default();
    if let Some(ca) = &args.ca_file {
        network.trust.ca_file = Some(std::path::absolute(ca)?);
    }
    let found = session::find_resource(&env.ctx, &url, &network)?;
    p.verbose(format!(
        "protected resource metadata of {url}: {}",
        found.metadata_url
    ));
    let issuer = choose_issuer(env, args, url.as_str(), &found.authorization_servers)?;
    p.verbose(format!(
        "{url}: resource {} of {issuer}",
        one_line(&found.resource)
    ));
    args.issuer = Some(issuer.clone());
    if args.audience.is_none() {
        args.audience = Some(found.resource.clone());
    }
    args.server.resource_url = Some(text);
    choose_client(env, &name, raw, args, &issuer, &network)
}

/// The client at `issuer`: the one given now, the one the user gave the profile before, or
/// tok's own registration (kept from an earlier login, else made now).
fn choose_client(
    env: &Env,
    name: &str,
    raw: Option<&ProfileConfig>,
    args: &mut LoginArgs,
    issuer: &str,
    network: &crate::oauth::Network,
) -> anyhow::Result<()> {
    if args.client_id.is_some() {
        args.server.dynamic_client = Some(false);
        return Ok(());
    }
    if let Some(r) = raw
        && r.dynamic_client != Some(true)
        && r.client_id.is_some()
        && r.issuer.as_deref() == Some(issuer)
    {
        // The client the user gave this profile before.
        return Ok(());
    }
    if env.ctx.settings.non_interactive && !(args.client_credentials || args.refresh_token_stdin) {
        // Registering a client for a login that cannot happen would leave it behind.
        return Err(non_interactive(name).into());
    }
    let redirect = redirect_uri(args, raw)?;
    let scope = match (&args.scopes, raw.and_then(|r| r.scopes.as_ref())) {
        (s, _) if !s.is_empty() => Some(s.join(" ")),
        (_, Some(s)) if !s.is_empty() => Some(s.join(" ")),
        _ => None,
    };
    let (client_id, new) =
        session::dynamic_client(&env.ctx, name, issuer, &redirect, scope.as_deref(), network)?;
    let p = &env.ctx.printer;
    if new {
        p.info(format!(
            "Registered tok at {issuer} as client {} (RFC 7591).",
            one_line(&client_id)
        ));
    } else {
        p.verbose(format!(
            "reusing tok's registration at {issuer} (client {})",
            one_line(&client_id)
        ));
    }
    args.client_id = Some(client_id);
    args.server.dynamic_client = Some(true);
    Ok(())
}

/// The redirect URI the registration names: the flag's, else the profile's, else tok's
/// default.
fn redirect_uri(
    args: &LoginArgs,
    raw: Option<&ProfileConfig>,
) -> anyhow::Result<crate::oauth::RedirectUri> {
    let given = args
        .server
        .redirect_uri
        .as_deref()
        .or(raw.and_then(|r| r.redirect_uri.as_deref()));
    Ok(match given {
        Some(r) => r
            .parse()
            .map_err(|m: String| Hinted::new(Code::Usage, m, None))?,
        None => Default::default(),
    })
}

/// The authorization server: `--issuer` (one the resource names), the only one, or the one
/// the user picks on a terminal.
fn choose_issuer(
    env: &Env,
    args: &LoginArgs,
    url: &str,
    servers: &[String],
) -> anyhow::Result<String> {
    let listed = || {
        servers
            .iter()
            .map(|s| one_line(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(i) = &args.issuer {
        let same = |s: &&String| s.trim_end_matches('/') == i.trim_end_matches('/');
        return match servers.iter().find(same) {
            Some(s) => Ok(s.clone()),
            None => Err(ResourceError::NotListed {
                url: url.to_string(),
                issuer: one_line(i),
                servers: listed(),
            }
            .into()),
        };
    }
    if let [only] = servers {
        return Ok(only.clone());
    }
    let terminal = std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
        && !env.ctx.settings.non_interactive;
    if !terminal {
        return Err(ResourceError::SeveralServers {
            url: url.to_string(),
            servers: listed(),
        }
        .into());
    }
    let p = &env.ctx.printer;
    p.info(format!("{url} names several authorization servers:"));
    for (n, s) in servers.iter().enumerate() {
        p.info(format!("  {}) {}", n + 1, one_line(s)));
    }
    for _ in 0..3 {
        eprint!("Log in at which one [1-{}]? ", servers.len());
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            break;
        }
        if let Some(s) = line
            .trim()
            .parse::<usize>()
            .ok()
            .and_then(|n| servers.get(n.wrapping_sub(1)))
        {
            return Ok(s.clone());
        }
    }
    Err(ResourceError::SeveralServers {
        url: url.to_string(),
        servers: listed(),
    }
    .into())
}

/// The refusal of an interactive login in a non-interactive run.
pub(super) fn non_interactive(name: &str) -> Hinted {
    Hinted::new(
        Code::LoginRequired,
        format!(
            "profile `{name}` needs an interactive login, and this run is non-interactive (CI or TOK_NONINTERACTIVE is set)"
        ),
        Some(format!(
            "in CI, use `tok login -p {name} --workload-identity github|env:NAME|file:PATH` (no secret), `--client-credentials` or `--refresh-token-stdin`; set TOK_NONINTERACTIVE=0 to allow a login here"
        )),
    )
}
