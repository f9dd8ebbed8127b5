//! `tok login`: the user interface of a login — create or update the profile, show codes,
//! URLs and progress, read pasted input — around the grants of `oauth::grant`, then store the
//! session.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::cli::LoginArgs;
use crate::config::{self, Flow, Profile, ProfileUpdate};
use crate::error::{Code, Hinted};
use crate::oauth::discovery::Endpoints;
use crate::oauth::dpop::{self, DpopKey, Prover};
use crate::oauth::grant::authorization_code::{self, Exchange};
use crate::oauth::grant::workload_identity::{self as wi, WorkloadIdentity};
use crate::oauth::grant::{client_credentials, device, refresh};
use crate::oauth::http::ClientAuth;
use crate::oauth::loopback::{Callback, Listener, Pages};
use crate::oauth::loopback::{Outcome, parse_callback};
use crate::oauth::token::TokenResponse;
use crate::oauth::{OAuthError, TokenType, browser, pkce};
use crate::output::Printer;
use crate::secret::{ClientSecret, RefreshToken};
use crate::session;
use crate::store::{self, StoreKind};
use crate::time::now;

use super::Env;

pub fn run(env: &Env, args: LoginArgs) -> anyhow::Result<()> {
    let p = &env.ctx.printer;
    let mut config = env.config()?;
    let update = profile_update(&args)?;
    // Changes to an existing profile are written only once the login succeeded: a failed or
    // cancelled login must not leave its session pointing at another issuer or client.
    let mut pending = None;
    let name = match config.select(args.profile.profile.as_deref()) {
        Ok(n) => n,
        Err(config::ConfigError::NoProfiles) if !update.is_empty() => "default".to_string(),
        Err(e) => return Err(e.into()),
    };
    if !update.is_empty() {
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
            pending = Some(text);
        } else {
            // A new profile breaks no session: keep it even if this login fails, so that the
            // next attempt needs only `-p NAME`.
            config::save(&config.path, &text)?;
        }
    }
    let mut profile = config.profile(&name)?;
    if let Some(wi) = &profile.workload {
        return workload_login(env, &profile, wi, &config.path, pending);
    }
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
        return Err(Hinted::new(
            Code::LoginRequired,
            format!("profile `{name}` needs an interactive login, and this run is non-interactive (CI or TOK_NONINTERACTIVE is set)"),
            Some(format!("in CI, use `tok login -p {name} --workload-identity github|env:NAME|file:PATH` (no secret), `--client-credentials` or `--refresh-token-stdin`; set TOK_NONINTERACTIVE=0 to allow a login here")),
        )
        .into());
    }
    // Read secrets from stdin before any network call, so a missing one fails fast.
    let secret = args
        .client_credentials
        .then(|| {
            read_secret(
                Some(crate::settings::ENV_CLIENT_SECRET),
                env.ctx.settings.client_secret.as_ref(),
                "client secret",
            )
        })
        .transpose()?
        .map(ClientSecret::new);
    let seed = args
        .refresh_token_stdin
        .then(|| read_secret(None, None, "refresh token"))
        .transpose()?
        .map(RefreshToken::new);
    let mut endpoints = env.ctx.endpoints_for_login(&profile)?;
    if let Some(stated) = endpoints.stated_issuer.clone()
        && stated != profile.issuer_text
    {
        // Only a trailing slash differs (discovery checked that): keep the issuer as the
        // document states it, so that every later comparison can be exact (RFC 8414 §3.3).
        p.info(format!(
            "{} states its issuer as {stated}; profile `{name}` keeps it in that form",
            profile.issuer_text
        ));
        let up = ProfileUpdate {
            issuer: Some(stated),
            ..ProfileUpdate::default()
        };
        let text = config::upsert_profile(&config.text, &config.path, &name, &up)?;
        config.file = config::parse(&text, &config.path)?;
        config.text = text.clone();
        pending = Some(text);
        profile = config.profile(&name)?;
        endpoints = env.ctx.endpoints(&profile)?;
    }
    let wanted = args.flow().unwrap_or(profile.flow);
    if wanted == Flow::Device
        && interactive
        && !args.paste
        && endpoints.device_authorization.is_none()
    {
        // An explicit device flow (`--device`, or `flow = "device"`) is what people ask for over
        // SSH: running the browser flow instead would only wait out its timeout.
        return Err(Hinted::new(
            Code::Config,
            format!(
                "{} publishes no device authorization endpoint, so profile `{name}` cannot use the device flow",
                profile.issuer
            ),
            Some(format!(
                "set `device_authorization_endpoint = \"https://…\"` under [profiles.{name}] in {}, or log in with --browser",
                config.path.display()
            )),
        )
        .into());
    }
    let flow = choose_flow(wanted, &endpoints, args.no_browser);
    let store_kind = env.ctx.store_override.unwrap_or(StoreKind::Auto);
    // Open the store before asking the user to approve anything: a locked keychain should fail
    // now, not after the login.
    let store = store::open(
        store_kind,
        &env.ctx.paths,
        p,
        &name,
        store::Access::Write,
        env.ctx.settings.keychain_timeout,
    )?;
    let sent_at = now();
    let token = if let Some(secret) = secret {
        let resp = client_credentials::client_credentials(
            env.ctx.http(),
            &endpoints.token,
            &profile.client_id,
            &secret,
            profile.scope_string().as_deref(),
            profile.audience.as_deref(),
        )?;
        session::save_client_credentials(&env.ctx, &profile, store.as_ref(), resp, sent_at, secret)?
    } else {
        // A DPoP profile gets a fresh key with every login; it lives only in the new session.
        let dpop_key = profile.is_dpop().then(DpopKey::generate);
        let mut prover = dpop_key.as_ref().map(|key| Prover {
            key,
            nonce: dpop::load_nonce(&env.ctx.paths, &endpoints.token),
        });
        if let Some(k) = &dpop_key {
            p.verbose(format!("DPoP key {}", k.thumbprint()));
        }
        let dp = prover.as_mut();
        let resp = match (seed, flow) {
            (Some(rt), _) => seed_refresh_token(env, &profile, &endpoints, rt),
            (None, Flow::Device) if !args.paste => {
                device_flow(env, &profile, &endpoints, &args, dp)
            }
            (None, _) => code_flow(env, &profile, &endpoints, &args, dp),
        };
        if let Some(n) = prover.and_then(|p| p.nonce) {
            dpop::save_nonce(&env.ctx.paths, &endpoints.token, &n);
        }
        let resp = resp?;
        if dpop_key.is_some() && resp.token_type != TokenType::DPoP {
            p.warn(format!(
                "{} ignored the DPoP proof and issued {} tokens: the session is not bound to a key",
                profile.issuer, resp.token_type
            ));
        }
        let has_refresh = resp.refresh_token.is_some();
        let token =
            session::save_login(&env.ctx, &profile, store.as_ref(), resp, sent_at, dpop_key)?;
        if !has_refresh {
            p.warn("the provider issued no refresh token, so `tok print` will need a new login when the access token expires; request the offline_access scope (--scope offline_access) if the provider supports it");
        }
        token
    };
    if let Some(text) = pending {
        config::save(&config.path, &text)?;
        p.verbose(format!(
            "saved profile `{name}` in {}",
            config.path.display()
        ));
    }
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
    };
    if let Some(source) = &args.workload_identity {
        // Checked before the profile is written: a new profile is kept even if the login fails.
        wi::Source::parse(source).map_err(|m| {
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

/// `tok login` of a workload-identity profile: one exchange proves the setup works; the
/// identity token's claims are shown (decoded, not verified: the provider verified them).
fn workload_login(
    env: &Env,
    profile: &Profile,
    wi: &WorkloadIdentity,
    config_path: &std::path::Path,
    pending: Option<String>,
) -> anyhow::Result<()> {
    let p = &env.ctx.printer;
    let name = &profile.name;
    if profile.is_dpop() {
        return Err(Hinted::new(
            Code::Usage,
            format!("profile `{name}` uses DPoP, which a workload identity does not support"),
            Some(format!("set `dpop = false` under [profiles.{name}]")),
        )
        .into());
    }
    let (token, claims) = session::login_workload(&env.ctx, profile, wi)?;
    if let Some(text) = pending {
        config::save(config_path, &text)?;
        p.verbose(format!(
            "saved profile `{name}` in {}",
            config_path.display()
        ));
    }
    let or = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
    let t = now();
    let exp = claims.exp.map_or("(none)".into(), |e| {
        format!(
            "{} ({})",
            crate::time::rfc3339(e),
            crate::time::relative(e, t)
        )
    });
    p.info(format!(
        "The CI identity token claims (decoded for display; the provider verified them):\n  iss: {}\n  sub: {}\n  aud: {}\n  exp: {exp}",
        or(&claims.iss),
        or(&claims.sub),
        if claims.aud.is_empty() { "(none)".into() } else { claims.aud.join(" ") },
    ));
    let lifetime = token
        .expires_at
        .map(|e| {
            format!(
                "; the access token is valid for {}",
                humantime::format_duration(Duration::from_secs((e - t).max(0) as u64))
            )
        })
        .unwrap_or_default();
    p.info(format!(
        "Logged in: profile `{name}` at {} with workload identity {} ({}); nothing is stored{lifetime}.",
        profile.issuer,
        wi.source,
        wi.method.as_str()
    ));
    Ok(())
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

/// `--refresh-token-stdin`: prove the refresh token works (and take the rotated one) before
/// storing it.
fn seed_refresh_token(
    env: &Env,
    profile: &Profile,
    ep: &Endpoints,
    rt: RefreshToken,
) -> anyhow::Result<TokenResponse> {
    let mut resp = refresh::refresh(
        env.ctx.http(),
        &ep.token,
        &ClientAuth::None {
            client_id: &profile.client_id,
        },
        &rt,
        None,
        profile.audience.as_deref(),
        None,
    )
    .map_err(|e| match e {
        OAuthError::InvalidGrant { description, .. } => anyhow::Error::from(Hinted::new(
            Code::LoginRequired,
            format!(
                "the refresh token on stdin was rejected (invalid_grant{})",
                description.map(|d| format!(": {d}")).unwrap_or_default()
            ),
            Some(format!(
                "mint a new one with an interactive `tok login -p {}`",
                profile.name
            )),
        )),
        e => e.into(),
    })?;
    if resp.refresh_token.is_none() {
        resp.refresh_token = Some(rt);
    }
    Ok(resp)
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
    mut dpop: Option<&mut Prover<'_>>,
) -> anyhow::Result<TokenResponse> {
    let p = &env.ctx.printer;
    let url = ep.device_authorization.as_ref().ok_or_else(|| {
        OAuthError::Discovery(format!(
            "{} offers no device authorization endpoint; use --browser",
            profile.issuer
        ))
    })?;
    let http = env.ctx.http();
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
    if p.interactive()
        && let Some(block) = auth.verification_uri_complete.as_deref().and_then(qr_block)
    {
        p.info(format!("or scan this code with a phone:\n{block}"));
    }
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
    let interval = device::initial_interval(auth.interval);
    let pb = spinner(
        p,
        format!(
            "Waiting for approval (the code expires in {})…",
            remaining(deadline)
        ),
    );
    let result = device::poll_until(
        &device::SystemClock,
        interval,
        deadline,
        || {
            device::poll(
                http,
                &ep.token,
                &profile.client_id,
                &auth.device_code,
                dpop.as_deref_mut(),
            )
        },
        || {
            if let Some(pb) = &pb {
                pb.set_message(format!(
                    "Waiting for approval (the code expires in {})…",
                    remaining(deadline)
                ));
            }
        },
    );
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    result.map_err(|e| login_error(e, &profile.name))
}

/// The authorization code flow, with the browser on this machine (a loopback listener takes
/// the redirect) or, with `--paste`, on any machine (the user pastes the redirect URL back).
fn code_flow(
    env: &Env,
    profile: &Profile,
    ep: &Endpoints,
    args: &LoginArgs,
    dpop: Option<&mut Prover<'_>>,
) -> anyhow::Result<TokenResponse> {
    let auth_url = ep.authorization.as_ref().ok_or_else(|| {
        OAuthError::Discovery(format!(
            "{} offers no authorization endpoint; use --device",
            profile.issuer
        ))
    })?;
    let receiver = if args.paste {
        // A free port, released at once: the browser's redirect then fails to load, and its
        // address bar shows the URL to paste.
        let port = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| OAuthError::Login(format!("cannot pick a loopback port: {e}")))?;
        Receiver::Paste { port }
    } else {
        let warn = env.ctx.printer.clone();
        let pages = Pages {
            profile: profile.name.clone(),
            issuer: profile.issuer.to_string(),
        };
        Receiver::Loopback(Listener::bind(pages, move |m| warn.warn(m))?)
    };
    let redirect_uri = match &receiver {
        Receiver::Loopback(l) => l.redirect_uri(),
        Receiver::Paste { port } => format!("http://127.0.0.1:{port}/callback"),
    };
    let verifier = pkce::verifier();
    let state = pkce::random_urlsafe(16);
    let jkt = dpop.as_ref().map(|d| d.key.thumbprint());
    let url = authorization_code::authorization_url(
        profile,
        auth_url,
        &redirect_uri,
        &state,
        &verifier,
        jkt.as_deref(),
    );
    let cb = match &receiver {
        Receiver::Loopback(listener) => {
            browser_callback(env, profile, args, &url, listener, &state)?
        }
        Receiver::Paste { port } => pasted_callback(env, profile, args, &url, *port, &state)?,
    };
    let exchange = Exchange {
        token_url: &ep.token,
        iss_parameter: ep.iss_parameter,
        redirect_uri: &redirect_uri,
        verifier: &verifier,
    };
    let resp = authorization_code::exchange(env.ctx.http(), profile, &exchange, cb, dpop);
    // The browser waits on the callback for this outcome: it is sent on to /done or /failed,
    // so no code or state stays in its address bar or history.
    if let Receiver::Loopback(listener) = &receiver {
        listener.finish(resp.is_ok());
    }
    resp.map_err(|e| match e {
        e @ OAuthError::AccessDenied { .. } => login_error(e, &profile.name),
        e => e.into(),
    })
}

/// Where the authorization response arrives.
enum Receiver {
    Loopback(Listener),
    /// `--paste`: the browser's redirect goes to this unused loopback port.
    Paste {
        port: u16,
    },
}

/// Open the browser at `url` and wait for its redirect on the loopback listener.
fn browser_callback(
    env: &Env,
    profile: &Profile,
    args: &LoginArgs,
    url: &url::Url,
    listener: &Listener,
    state: &str,
) -> anyhow::Result<Callback> {
    let p = &env.ctx.printer;
    p.info(format!(
        "Sign in with your browser. If it does not open, visit:\n  {url}"
    ));
    if !args.no_browser {
        // Not the URL itself: a browser's argv is readable by every local user.
        match browser::open(&listener.start_link(url.as_str(), state)) {
            Ok(what) => p.verbose(format!("opened {what}")),
            Err(e) => p.warn(e),
        }
    }
    let deadline = Instant::now() + args.timeout;
    let pb = spinner(
        p,
        format!("Waiting for the browser (up to {})…", remaining(deadline)),
    );
    let cb = listener.wait(state, deadline);
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    cb.map_err(|e| login_error(e, &profile.name))
}

/// `--paste`: for a machine whose loopback the browser cannot reach. The user copies the URL
/// the browser failed to load back to us.
fn pasted_callback(
    env: &Env,
    profile: &Profile,
    args: &LoginArgs,
    url: &url::Url,
    port: u16,
    state: &str,
) -> anyhow::Result<Callback> {
    let p = &env.ctx.printer;
    // Shown even with -q: without it there is nothing to do.
    eprintln!(
        "Open this URL in a browser on any machine and approve:\n  {url}\nThe browser then fails to load a page at http://127.0.0.1:{port}/callback?...\nCopy that whole address from the address bar and paste it here:"
    );
    // Read on a worker so that --timeout bounds the wait like the other flows.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let r = std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line);
        let _ = tx.send(r.map(|_| line));
    });
    let line = match rx.recv_timeout(args.timeout) {
        Ok(r) => r?,
        Err(_) => {
            return Err(login_error(OAuthError::Expired, &profile.name));
        }
    };
    if line.trim().is_empty() {
        return Err(Hinted::new(
            Code::Usage,
            "no redirect URL was pasted (end of input)",
            Some(format!(
                "run `tok login -p {} --paste` on a terminal, or pipe the URL into it",
                profile.name
            )),
        )
        .into());
    }
    p.verbose("read the pasted URL");
    match parse_callback(&paste_target(&line), state) {
        Outcome::Done(cb) => Ok(cb),
        Outcome::Ignore(why) => Err(Hinted::new(
            Code::Usage,
            format!("the pasted text is not this login's redirect URL ({why})"),
            Some(format!(
                "paste the full address starting with http://127.0.0.1:{port}/callback; run `tok login -p {} --paste` again",
                profile.name
            )),
        )
        .into()),
    }
}

/// The request target (`/callback?…`) in what the user pasted: a full URL, a path, or a query.
pub fn paste_target(pasted: &str) -> String {
    let t = pasted.trim();
    if let Ok(u) = url::Url::parse(t) {
        return match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        };
    }
    if t.starts_with('/') {
        return t.to_string();
    }
    format!("/callback?{}", t.trim_start_matches('?'))
}

/// `url` as a QR code of Unicode half blocks (light modules drawn, for dark terminals).
pub fn qr_block(url: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paste_targets() {
        assert_eq!(
            paste_target("http://127.0.0.1:5/callback?code=c&state=s\n"),
            "/callback?code=c&state=s"
        );
        assert_eq!(paste_target("/callback?code=c"), "/callback?code=c");
        assert_eq!(paste_target("?code=c&state=s"), "/callback?code=c&state=s");
        assert!(matches!(
            parse_callback(
                &paste_target("http://127.0.0.1:5/callback?code=c&state=s"),
                "s"
            ),
            Outcome::Done(Callback::Code { .. })
        ));
        assert!(matches!(
            parse_callback(
                &paste_target("http://127.0.0.1:5/callback?code=c&state=x"),
                "s"
            ),
            Outcome::Ignore(_)
        ));
    }

    #[test]
    fn qr_is_drawn_with_blocks() {
        let q = qr_block("http://127.0.0.1:1/device?user_code=ABCD-EFGH").unwrap();
        assert!(q.lines().count() > 10);
        assert!(q.contains('█') || q.contains('▀') || q.contains('▄'));
    }
}
