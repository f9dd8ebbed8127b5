//! The login-time flows: a [`LoginMethod`] names how the first tokens are obtained, and
//! [`login`] opens the store (before anyone approves anything: a locked keychain fails first),
//! drives the grant, and saves the new session. What the user sees and types — codes, the
//! browser, a pasted URL, progress — goes through a [`LoginUi`] the command implements, so no
//! command opens a store or drives a grant itself.

mod code;

#[cfg(test)]
use code::paste_target;

use std::time::{Duration, Instant};

use url::Url;

use crate::config::Profile;
use crate::oauth::grant::{
    self, Client, CodeExchange as Exchange, DeviceAuthorization, IdentityClaims as Claims, Party,
    WorkloadIdentity,
};
use crate::oauth::{
    Callback, CallbackOutcome as Outcome, ClientAuth, DpopKey, Endpoints, Listener, OAuthError,
    Pages, Pkcs11Error, Prover, TokenResponse, TokenType, Waited, load_nonce, parse_callback_at,
    pkcs11_module_for, save_nonce,
};
use crate::secret::{ClientSecret, Ephemeral, RefreshToken};
use crate::store::{self, StoreKind};

use super::lifecycle::{login_workload, save_client_credentials, save_login};
use super::model::CachedToken;
use super::{Ctx, Error};

/// How a login obtains its first tokens.
pub enum LoginMethod {
    /// Authorization code with PKCE; the browser's redirect lands on a loopback listener.
    Browser,
    /// Authorization code with PKCE; the user pastes the redirect URL the browser failed to
    /// load (`--paste`: the browser runs on another machine).
    Paste,
    /// The device authorization grant (RFC 8628).
    Device,
    /// The client credentials grant; the session keeps the secret.
    ClientCredentials(ClientSecret),
    /// A refresh token minted elsewhere (`--refresh-token-stdin`): proven by one refresh.
    RefreshToken(RefreshToken),
    /// A CI job's identity exchanged for an access token; nothing is stored.
    WorkloadIdentity(WorkloadIdentity),
}

/// What a login waits for.
#[derive(Debug, Clone, Copy)]
pub enum Wait {
    /// The device code's approval.
    Approval,
    /// The browser's redirect.
    Browser,
}

/// The user interface of a login, implemented by the command.
pub trait LoginUi {
    /// RFC 8628: show the user code and where to enter it (and open a browser there, if
    /// allowed).
    fn device_code(&self, auth: &DeviceAuthorization);
    /// Say where to sign in (`url`) and open the browser at `start_link` (a one-time link to
    /// it: a browser's argv is readable by every local user), if allowed.
    fn browser(&self, url: &Url, start_link: &str);
    /// Show `url`, then read the redirect URL the browser failed to load at `redirect_uri`,
    /// waiting up to `timeout`. `Ok(None)` when the time is up; an empty line at the end of
    /// input.
    fn paste(
        &self,
        url: &Url,
        redirect_uri: &str,
        timeout: Duration,
    ) -> std::io::Result<Option<String>>;
    /// Show that the login waits for `what` until `deadline`; called again at each poll.
    fn waiting(&self, what: Wait, deadline: Instant);
    /// The wait is over.
    fn done_waiting(&self);
}

/// Why a login did not happen, in the user's terms (the token endpoint's own errors stay
/// [`OAuthError`]s).
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the login was not approved in time")]
    TimedOut { profile: String },
    #[error("the login was denied{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Denied {
        profile: String,
        description: Option<String>,
    },
    #[error("the refresh token on stdin was rejected (invalid_grant{})", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    SeedRejected {
        profile: String,
        description: Option<String>,
    },
    #[error("no redirect URL was pasted (end of input)")]
    NothingPasted { profile: String },
    #[error("the pasted text is not this login's redirect URL ({why})")]
    NotTheRedirect {
        profile: String,
        redirect_uri: String,
        why: &'static str,
    },
}

/// A login that happened.
pub struct LoggedIn {
    pub token: CachedToken,
    /// Where the session is kept (`None`: nothing is stored, a workload identity).
    pub store: Option<String>,
    /// A workload identity's claims, for display.
    pub claims: Option<Claims>,
    /// The provider ignored the DPoP proof and issued tokens of this type.
    pub unbound: Option<TokenType>,
    /// The provider issued no refresh token.
    pub no_refresh_token: bool,
}

/// Log in to `profile` by `method` at `endpoints` (resolved by the caller: a login may adopt
/// the issuer's spelling first), waiting for a person up to `timeout`.
pub fn login(
    ctx: &Ctx,
    profile: &Profile,
    endpoints: Option<&Endpoints>,
    method: LoginMethod,
    ui: &dyn LoginUi,
    timeout: Duration,
    generate_key: bool,
) -> Result<LoggedIn, Error> {
    if let LoginMethod::WorkloadIdentity(wi) = &method {
        let (token, claims) = login_workload(ctx, profile, wi)?;
        return Ok(LoggedIn {
            token,
            store: None,
            claims: Some(claims),
            unbound: None,
            no_refresh_token: false,
        });
    }
    let resolved;
    let ep = match endpoints {
        Some(ep) => ep,
        None => {
            resolved = ctx.endpoints(profile)?;
            &resolved
        }
    };
    // `--generate-key` makes the DPoP key on its token, else the client key on its token.
    let client_key_on_token = generate_key && profile.dpop_key.is_none();
    let store = open_store(ctx, profile, client_key_on_token)?;
    let sent_at = crate::time::now();
    let done = match method {
        LoginMethod::ClientCredentials(secret) => {
            let token = confidential(ctx, profile, ep, store.as_ref(), sent_at, secret)?;
            LoggedIn {
                token,
                store: None,
                claims: None,
                unbound: None,
                no_refresh_token: false,
            }
        }
        method => {
            let flow = Flow {
                ctx,
                profile,
                ep,
                ui,
                timeout,
                client: ctx.http(),
                nonce: Default::default(),
                generate_key,
            };
            let (mut resp, dpop_key) = flow.run(method)?;
            let nonce = flow.nonce.borrow().clone();
            super::idtoken::check_login(ctx, profile, &mut resp, nonce.as_deref())?;
            let unbound = (dpop_key.is_some() && resp.token_type != TokenType::DPoP)
                .then(|| resp.token_type.clone());
            let no_refresh_token = resp.refresh_token.is_none();
            let token = save_login(ctx, profile, store.as_ref(), resp, sent_at, dpop_key)?;
            LoggedIn {
                token,
                store: None,
                claims: None,
                unbound,
                no_refresh_token,
            }
        }
    };
    Ok(LoggedIn {
        store: Some(store.describe()),
        ..done
    })
}

/// Open the store before asking the user to approve anything (a locked keychain should fail
/// now, not after the login), and take the client's key from it (made now if there is none;
/// on its PKCS#11 token when `on_token`).
fn open_store(
    ctx: &Ctx,
    profile: &Profile,
    on_token: bool,
) -> Result<Box<dyn store::TokenStore>, Error> {
    let store = store::open(
        ctx.store_override.unwrap_or(StoreKind::Auto),
        &ctx.paths,
        &ctx.printer,
        &profile.name,
        store::Access::Write,
        ctx.settings.keychain_timeout,
    )?;
    super::client_auth::attach(ctx, profile, store.as_ref(), true, on_token)?;
    Ok(store)
}

/// Run an interactive `method` (browser, paste, device) as `profile`: the token response,
/// neither checked nor saved.
pub fn run_flow(
    ctx: &Ctx,
    profile: &Profile,
    method: LoginMethod,
    ui: &dyn LoginUi,
    timeout: Duration,
) -> Result<super::stepup::Flowed, Error> {
    let tls_key_on_token = (profile.network.trust.client_cert.as_ref())
        .is_some_and(crate::oauth::ClientCert::is_on_token);
    if profile.private_key_jwt.is_some() || tls_key_on_token {
        // The client's key signs its assertions (or its handshakes, on a token); a step-up
        // never makes one.
        let store = store::open(
            ctx.store_override.unwrap_or(StoreKind::Auto),
            &ctx.paths,
            &ctx.printer,
            &profile.name,
            store::Access::Read,
            ctx.settings.keychain_timeout,
        )?;
        super::client_auth::attach(ctx, profile, store.as_ref(), false, false)?;
    }
    let ep = ctx.endpoints(profile)?;
    let sent_at = crate::time::now();
    let flow = Flow {
        ctx,
        profile,
        ep: &ep,
        ui,
        timeout,
        client: ctx.http(),
        nonce: Default::default(),
        // A step-up signs in again; it never makes a key (DPoP profiles cannot step up).
        generate_key: false,
    };
    let (resp, _) = flow.run(method)?;
    let nonce = flow.nonce.borrow().clone();
    let flowed = super::stepup::Flowed {
        resp,
        nonce,
        sent_at,
    };
    Ok(flowed)
}

/// `--client-credentials`: one token request, and a session that keeps the secret.
fn confidential(
    ctx: &Ctx,
    profile: &Profile,
    ep: &Endpoints,
    store: &dyn store::TokenStore,
    sent_at: i64,
    secret: ClientSecret,
) -> Result<CachedToken, Error> {
    let scope = profile.scope_string();
    let resp = grant::client_credentials(
        ctx.http(),
        &ep.token,
        &profile.client_id,
        &secret,
        scope.as_deref(),
        profile.audience.as_deref(),
    )?;
    save_client_credentials(ctx, profile, store, resp, sent_at, secret)
}

/// One interactive or seeded flow's inputs.
struct Flow<'a, C> {
    ctx: &'a Ctx,
    profile: &'a Profile,
    ep: &'a Endpoints,
    ui: &'a dyn LoginUi,
    timeout: Duration,
    client: &'a C,
    /// The `nonce` the code flow sent (OIDC, when `openid` is asked for), for the ID token.
    nonce: std::cell::RefCell<Option<String>>,
    /// Make the profile's PKCS#11 DPoP key on its token first (`--generate-key`).
    generate_key: bool,
}

impl<C: Client> Flow<'_, C> {
    /// Obtain the first tokens by `method` (an interactive or seeded one), with a fresh DPoP
    /// key for a DPoP profile; the key comes back for the session.
    fn run(&self, method: LoginMethod) -> Result<(TokenResponse, Option<DpopKey>), Error> {
        let (ctx, ep) = (self.ctx, self.ep);
        let dpop_key = self.dpop_key()?;
        let mut prover = dpop_key.as_ref().map(|key| Prover {
            key,
            nonce: load_nonce(&ctx.paths, &ep.token),
        });
        if let Some(k) = &dpop_key {
            ctx.printer.verbose(format!("DPoP key {}", k.thumbprint()));
        }
        let dp = prover.as_mut();
        let resp = match method {
            LoginMethod::RefreshToken(rt) => self.seeded(rt),
            LoginMethod::Device => self.device(dp),
            LoginMethod::Browser => self.code(false, dp),
            LoginMethod::Paste => self.code(true, dp),
            LoginMethod::ClientCredentials(_) | LoginMethod::WorkloadIdentity(_) => {
                unreachable!("`login` answers them itself")
            }
        };
        if let Some(n) = prover.and_then(|p| p.nonce) {
            save_nonce(&ctx.paths, &ep.token, &n);
        }
        Ok((resp?, dpop_key))
    }

    /// The key a DPoP profile's new session is bound to: the profile's key on a PKCS#11 token
    /// (logged in now, made there first if asked), else a fresh software key that lives only in
    /// the new session.
    fn dpop_key(&self) -> Result<Option<DpopKey>, Pkcs11Error> {
        if !self.profile.is_dpop() {
            return Ok(None);
        }
        let Some(uri) = &self.profile.dpop_key else {
            return Ok(Some(DpopKey::generate()));
        };
        let module = pkcs11_module_for(uri, self.profile.pkcs11_module.as_deref())?;
        let pin = &self.ctx.pin;
        DpopKey::on_token(&module, uri, pin, self.generate_key).map(Some)
    }

    fn profile_name(&self) -> String {
        self.profile.name.clone()
    }

    /// `--refresh-token-stdin`: prove the refresh token works (and take the rotated one)
    /// before storing it.
    fn seeded(&self, rt: RefreshToken) -> Result<TokenResponse, Error> {
        let auth = ClientAuth::None {
            client_id: &self.profile.client_id,
        };
        let audience = self.profile.audience.as_deref();
        let sent = grant::refresh(self.client, &self.ep.token, auth, &rt, None, audience, None);
        let mut resp = sent.map_err(|e| match e {
            OAuthError::InvalidGrant { description, .. } => Error::from(LoginError::SeedRejected {
                profile: self.profile_name(),
                description,
            }),
            e => e.into(),
        })?;
        if resp.refresh_token.is_none() {
            resp.refresh_token = Some(rt);
        }
        Ok(resp)
    }

    fn device(&self, mut dpop: Option<&mut Prover<'_>>) -> Result<TokenResponse, Error> {
        let profile = self.profile;
        let url = self.ep.device_authorization.as_ref().ok_or_else(|| {
            OAuthError::Discovery(format!(
                "{} offers no device authorization endpoint; use --browser",
                profile.issuer
            ))
        })?;
        let scope = profile.scope_string();
        let auth = grant::start_device(
            self.client,
            url,
            &profile.client_id,
            scope.as_deref(),
            profile.audience.as_deref(),
            &profile.auth_params,
        )?;
        let lifetime =
            Duration::from_secs(auth.expires_in).min(self.timeout.max(Duration::from_secs(1)));
        let deadline = Instant::now() + lifetime;
        self.ui.device_code(&auth);
        let interval = grant::initial_device_interval(auth.interval);
        self.ui.waiting(Wait::Approval, deadline);
        let result = grant::poll_until(
            &grant::SystemClock,
            interval,
            deadline,
            || {
                grant::poll_device(
                    self.client,
                    &self.ep.token,
                    &profile.client_id,
                    &auth.device_code,
                    profile.audience.as_deref(),
                    dpop.as_deref_mut(),
                )
            },
            || self.ui.waiting(Wait::Approval, deadline),
        );
        self.ui.done_waiting();
        result.map_err(|e| self.login_error(e))
    }

    fn login_error(&self, e: OAuthError) -> Error {
        let profile = self.profile_name();
        match e {
            OAuthError::Expired => LoginError::TimedOut { profile }.into(),
            OAuthError::AccessDenied { description } => LoginError::Denied {
                profile,
                description,
            }
            .into(),
            e => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paste_targets() {
        assert_eq!(
            paste_target("http://127.0.0.1:5/callback?code=c&state=s\n", "/callback"),
            "/callback?code=c&state=s"
        );
        assert_eq!(
            paste_target("/callback?code=c", "/callback"),
            "/callback?code=c"
        );
        assert_eq!(paste_target("?code=c&state=s", "/cb"), "/cb?code=c&state=s");
        assert!(matches!(
            parse_callback_at(
                &paste_target("http://127.0.0.1:5/oauth/cb?code=c&state=s", "/oauth/cb"),
                "/oauth/cb",
                "s"
            ),
            Outcome::Done(Callback::Code { .. })
        ));
        assert!(matches!(
            parse_callback_at(
                &paste_target("http://127.0.0.1:5/callback?code=c&state=s", "/oauth/cb"),
                "/oauth/cb",
                "s"
            ),
            Outcome::Ignore(_)
        ));
        assert!(matches!(
            parse_callback_at(
                &paste_target("http://127.0.0.1:5/callback?code=c&state=x", "/callback"),
                "/callback",
                "s"
            ),
            Outcome::Ignore(_)
        ));
    }
}
