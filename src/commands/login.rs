//! `tok login`: create or update the profile, run the device or browser flow, store the session.

use std::time::{Duration, Instant};

use crate::cli::LoginArgs;
use crate::config::{self, Flow, Profile, ProfileUpdate};
use crate::error::{Code, Hinted};
use crate::oauth::discovery::Endpoints;
use crate::oauth::http::ClientAuth;
use crate::oauth::loopback::{Callback, Listener};
use crate::oauth::token::{self, TokenResponse};
use crate::oauth::{OAuthError, browser, device, pkce};
use crate::output::Printer;
use crate::session;
use crate::store::{self, StoreKind};
use crate::time::now;

use super::Env;

pub fn run(env: &Env, args: LoginArgs) -> anyhow::Result<()> {
    let p = &env.ctx.printer;
    let mut config = env.config()?;
    let update = ProfileUpdate {
        issuer: args.issuer.clone(),
        client_id: args.client_id.clone(),
        scopes: (!args.scopes.is_empty()).then(|| args.scopes.clone()),
        flow: None,
        audience: args.audience.clone(),
    };
    let name = match config.select(args.profile.profile.as_deref()) {
        Ok(n) => n,
        Err(config::ConfigError::NoProfiles) if !update.is_empty() => "default".to_string(),
        Err(e) => return Err(e.into()),
    };
    if !update.is_empty() {
        if let Some(i) = &update.issuer {
            config::check_url(i).map_err(|m| config::ConfigError::Invalid {
                profile: name.clone(),
                key: "issuer",
                message: m,
            })?;
        }
        let text = config::upsert_profile(&config.text, &config.path, &name, &update)?;
        // Validate before writing, so a bad flag never leaves a broken file behind.
        let file = config::parse(&text, &config.path)?;
        config::save(&config.path, &text)?;
        p.verbose(format!(
            "saved profile `{name}` in {}",
            config.path.display()
        ));
        config.file = file;
        config.text = text;
    }
    let profile = config.profile(&name)?;
    let endpoints = env.ctx.endpoints(&profile)?;
    let flow = choose_flow(
        args.flow().unwrap_or(profile.flow),
        &endpoints,
        args.no_browser,
    );
    let store_kind = env.ctx.store_override.unwrap_or(StoreKind::Auto);
    // Open the store before asking the user to approve anything: a locked keychain should fail
    // now, not after the login.
    let store = store::open(store_kind, &env.ctx.paths, p, &name, store::Access::Write)?;
    let sent_at = now();
    let resp = match flow {
        Flow::Device => device_flow(env, &profile, &endpoints, &args)?,
        _ => browser_flow(env, &profile, &endpoints, &args)?,
    };
    let has_refresh = resp.refresh_token.is_some();
    let token = session::save_login(&env.ctx, &profile, store.as_ref(), resp, sent_at)?;
    let lifetime = token
        .expires_at
        .map(|e| {
            format!(
                "; the access token is valid for {}",
                humantime::format_duration(Duration::from_secs((e - now()).max(0) as u64))
            )
        })
        .unwrap_or_default();
    p.info(format!(
        "Logged in: profile `{name}` at {} (session in {}){lifetime}.",
        profile.issuer,
        store.describe()
    ));
    if !has_refresh {
        p.warn("the provider issued no refresh token, so `tok print` will need a new login when the access token expires; request the offline_access scope (--scope offline_access) if the provider supports it");
    }
    Ok(())
}

/// `auto` picks the browser flow when a display is available and not over SSH, else the device
/// flow; an explicit choice is kept. A flow the server does not offer falls back to the other.
pub fn choose_flow(wanted: Flow, ep: &Endpoints, no_browser: bool) -> Flow {
    let has_browser = ep.authorization.is_some();
    let has_device = ep.device_authorization.is_some();
    match wanted {
        Flow::Device if has_device => Flow::Device,
        Flow::Browser if has_browser => Flow::Browser,
        Flow::Device => Flow::Browser,
        Flow::Browser => Flow::Device,
        Flow::Auto => {
            let display = !no_browser && browser::display_available();
            if (display && has_browser) || !has_device {
                Flow::Browser
            } else {
                Flow::Device
            }
        }
    }
}

fn spinner(p: &Printer, msg: String) -> Option<indicatif::ProgressBar> {
    if !p.interactive() {
        p.info(msg);
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb.set_message(msg);
    Some(pb)
}

fn remaining(deadline: Instant) -> String {
    let left = deadline.saturating_duration_since(Instant::now()).as_secs();
    humantime::format_duration(Duration::from_secs(left)).to_string()
}

fn device_flow(
    env: &Env,
    profile: &Profile,
    ep: &Endpoints,
    args: &LoginArgs,
) -> anyhow::Result<TokenResponse> {
    let p = &env.ctx.printer;
    let url = ep.device_authorization.as_ref().ok_or_else(|| {
        OAuthError::Discovery(format!(
            "{} offers no device authorization endpoint; use --browser",
            profile.issuer
        ))
    })?;
    let http = env.ctx.http()?;
    let scope = profile.scope_string();
    let auth = device::start(
        http,
        url,
        &profile.client_id,
        scope.as_deref(),
        profile.audience.as_deref(),
    )?;
    let lifetime =
        Duration::from_secs(auth.expires_in).min(args.timeout.max(Duration::from_secs(1)));
    let deadline = Instant::now() + lifetime;
    p.info(format!(
        "To sign in, open {}\nand enter the code: {}",
        auth.verification_uri, auth.user_code
    ));
    let open_url = auth
        .verification_uri_complete
        .as_deref()
        .unwrap_or(&auth.verification_uri);
    if !args.no_browser && browser::display_available() {
        match browser::open(open_url) {
            Ok(what) => p.verbose(format!("opened {what}")),
            Err(e) => p.verbose(e),
        }
    }
    let mut interval = auth.interval.unwrap_or(device::DEFAULT_INTERVAL).max(1);
    let pb = spinner(
        p,
        format!(
            "Waiting for approval (the code expires in {})…",
            remaining(deadline)
        ),
    );
    let result = loop {
        let wait = Duration::from_secs(interval);
        let until = Instant::now() + wait;
        while Instant::now() < until {
            if Instant::now() >= deadline {
                break;
            }
            if let Some(pb) = &pb {
                pb.set_message(format!(
                    "Waiting for approval (the code expires in {})…",
                    remaining(deadline)
                ));
            }
            std::thread::sleep(
                Duration::from_millis(100).min(until.saturating_duration_since(Instant::now())),
            );
        }
        if Instant::now() >= deadline {
            break Err(OAuthError::Expired);
        }
        match device::next_step(
            device::poll(http, &ep.token, &profile.client_id, &auth.device_code),
            &mut interval,
        ) {
            Ok(device::Step::Done(t)) => break Ok(*t),
            Ok(device::Step::Wait(_)) => continue,
            Err(e) => break Err(e),
        }
    };
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    result.map_err(|e| login_error(e, &profile.name))
}

fn browser_flow(
    env: &Env,
    profile: &Profile,
    ep: &Endpoints,
    args: &LoginArgs,
) -> anyhow::Result<TokenResponse> {
    let p = &env.ctx.printer;
    let auth_url = ep.authorization.as_ref().ok_or_else(|| {
        OAuthError::Discovery(format!(
            "{} offers no authorization endpoint; use --device",
            profile.issuer
        ))
    })?;
    let listener = Listener::bind()?;
    let redirect_uri = listener.redirect_uri();
    let verifier = pkce::verifier();
    let state = pkce::random_urlsafe(16);
    let mut url = auth_url.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &profile.client_id)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("state", &state)
            .append_pair("code_challenge", &pkce::challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        if let Some(s) = profile.scope_string() {
            q.append_pair("scope", &s);
        }
        if let Some(a) = &profile.audience {
            q.append_pair("resource", a);
        }
    }
    p.info(format!(
        "Sign in with your browser. If it does not open, visit:\n  {url}"
    ));
    if !args.no_browser {
        match browser::open(url.as_str()) {
            Ok(what) => p.verbose(format!("opened {what}")),
            Err(e) => p.warn(e),
        }
    }
    let deadline = Instant::now() + args.timeout;
    let pb = spinner(
        p,
        format!("Waiting for the browser (up to {})…", remaining(deadline)),
    );
    let cb = listener.wait(&state, deadline);
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    let (code, iss) = match cb.map_err(|e| login_error(e, &profile.name))? {
        Callback::Code { code, iss } => (code, iss),
        Callback::Error { error, description } if error == "access_denied" => {
            return Err(login_error(
                OAuthError::AccessDenied { description },
                &profile.name,
            ));
        }
        Callback::Error { error, description } => {
            return Err(OAuthError::Protocol {
                endpoint: "authorization endpoint".into(),
                status: 302,
                error,
                description,
            }
            .into());
        }
    };
    // RFC 9207: when the server says it sends `iss`, it must be there and be our issuer.
    let want_iss = profile.issuer.as_str().trim_end_matches('/');
    match iss.as_deref() {
        Some(i) if i.trim_end_matches('/') != want_iss => {
            return Err(OAuthError::Login(format!(
                "the authorization response came from issuer {:?}, not {want_iss} (possible mix-up attack); login aborted",
                crate::oauth::sanitize(i)
            ))
            .into());
        }
        None if ep.iss_parameter => {
            return Err(OAuthError::Login("the authorization response lacks the `iss` parameter the server promised (RFC 9207); login aborted".into()).into());
        }
        _ => {}
    }
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", verifier.expose()),
    ];
    if let Some(a) = &profile.audience {
        form.push(("resource", a));
    }
    Ok(token::request(
        env.ctx.http()?,
        &ep.token,
        &form,
        &ClientAuth::None {
            client_id: &profile.client_id,
        },
    )?)
}

fn login_error(e: OAuthError, profile: &str) -> anyhow::Error {
    match e {
        OAuthError::Expired => Hinted::new(
            Code::Denied,
            "the login was not approved in time",
            Some(format!(
                "run `tok login -p {profile}` again (--timeout sets the wait)"
            )),
        )
        .into(),
        OAuthError::AccessDenied { description } => Hinted::new(
            Code::Denied,
            format!(
                "the login was denied{}",
                description.map(|d| format!(" ({d})")).unwrap_or_default()
            ),
            Some(format!(
                "run `tok login -p {profile}` and approve the request"
            )),
        )
        .into(),
        e => e.into(),
    }
}
