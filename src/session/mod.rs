//! Sessions: serve the cached access token, or lock, re-read, refresh, persist the rotated
//! refresh token, and only then hand the new access token out.
//!
//! Three records per profile:
//! - the **session** ([`model::Session`]: what its [`Grant`] holds, plus the last access token)
//!   lives in the store — the keychain by default — as one JSON blob;
//! - the **token cache** (access token only, no refresh token) is a 0600 file in the runtime
//!   directory, so that `print` answers without a keychain round trip, a TLS client or a
//!   discovery document ([`files`]);
//! - the **profile state** (no secrets: which store, last refresh, expiry) lets `status` answer
//!   without touching the keychain ([`files`]).
//!
//! The rooms: [`model`] (the data), [`files`], [`lock`], [`serve`] (the decision),
//! [`refresh`] (send → persist → record; `mint` for the grants other than the refresh token), [`lifecycle`] (save a login, logout, reject), and
//! [`endpoint`] (the token endpoint and clock seams the decisions are tested through).

mod client_auth;
mod cloud;
mod endpoint;
mod files;
mod idtoken;
mod lifecycle;
mod lock;
mod login;
mod mint;
mod model;
mod refresh;
mod registration;
mod serve;
mod steps;
mod stepup;

use crate::audit;
use crate::config::Profile;
use crate::oauth::{DpopKey, Endpoints, Http, OAuthError, PinSource};
use crate::output::Printer;
use crate::paths::Paths;
use crate::settings::Settings;
use crate::store::{self, StoreKind, TokenStore};

pub use client_auth::{
    ClientKeyError, ClientKeyInfo, account as client_key_account, client_jwks, client_key_info,
    rotate_client_key,
};
pub use cloud::{AwsLock, AwsTarget, CloudError, assume_role, cached_aws, keep_aws};
pub use endpoint::{Clock, SystemClock, TokenEndpoint};
pub use files::{evict_cache, read_cache, read_state};
pub use lifecycle::{logout, reject_access_token};
pub use login::{LoggedIn, LoginError, LoginMethod, LoginUi, Wait, login, run_flow};
pub use model::{
    CachedToken, DEFAULT_MIN_TTL, Grant, GrantKind, Narrow, ProfileState, RefreshRecord, Served,
    Session, TokenKind, Want,
};
pub use registration::{Forgotten, dynamic_client, find_resource};
pub use stepup::{StepUp, forget as step_up_forget, held as step_up_held, keep as step_up_keep};

#[cfg(test)]
use model::Source;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no session for profile `{profile}`")]
    NotLoggedIn { profile: String },
    /// The state says a login happened, but the store has nothing: deleted, or hidden because
    /// the keychain is locked (a locked Secret Service collection reads as empty).
    #[error("the session of profile `{profile}` is missing from the {store}")]
    Missing { profile: String, store: String },
    #[error("session for profile `{profile}` expired or was revoked{}", detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Expired {
        profile: String,
        detail: Option<String>,
    },
    #[error("another tok process held the lock of profile `{profile}` for more than {secs} s")]
    Busy { profile: String, secs: u64 },
    #[error("the session of profile `{profile}` belongs to {issuer}, not to the configured issuer")]
    OtherIssuer { profile: String, issuer: String },
    /// A down-scoped token came back with more scope than asked for: not served, not cached.
    #[error(
        "the provider granted profile `{profile}` a token with scope `{granted}`, wider than the `{asked}` asked for; it was not used"
    )]
    WiderScope {
        profile: String,
        asked: String,
        granted: String,
    },
    /// An ID token was asked for and none that lives is held: the login asked for no `openid`
    /// scope (`held` false), or the provider does not renew ID tokens on refresh.
    #[error("{}", if *held {
        format!("the ID token of profile `{profile}` expired and the provider did not renew it on refresh")
    } else {
        format!("the session of profile `{profile}` holds no ID token")
    })]
    NoIdToken { profile: String, held: bool },
    /// A lock file could not be opened (the I/O error is part of the message, not a source).
    #[error("cannot open lock file {}: {error}", path.display())]
    LockFile {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
    /// A lock file was opened but could not be locked.
    #[error("cannot lock {}: {error}", path.display())]
    Lock {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
}

/// Why a session operation failed: the typed error of the layer that failed, kept whole (its
/// message and its sources are its own), so `error::classify` maps it as if it stood alone.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Login(#[from] LoginError),
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Path(#[from] crate::paths::PathError),
    #[error(transparent)]
    Workload(#[from] crate::oauth::grant::WorkloadError),
    #[error(transparent)]
    ClientKey(#[from] ClientKeyError),
    #[error(transparent)]
    Pkcs11(#[from] crate::oauth::Pkcs11Error),
    /// A file or terminal read or write with nothing more to say.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The failure inside, whose chain of sources decides the exit code and the hint.
    pub fn inner(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        match self {
            Error::Session(e) => e,
            Error::Login(e) => e,
            Error::OAuth(e) => e,
            Error::Store(e) => e,
            Error::Path(e) => e,
            Error::Workload(e) => e,
            Error::ClientKey(e) => e,
            Error::Pkcs11(e) => e,
            Error::Io(e) => e,
        }
    }
}

/// Opens the store of a profile; replaces [`store::open`] in unit tests.
type OpenStore = Box<dyn Fn() -> Box<dyn TokenStore>>;

/// Everything a command needs to reach sessions: directories, the printer, the store choice,
/// the token endpoint (a lazily built HTTP client) and the clock.
pub struct Ctx {
    pub paths: Paths,
    pub printer: Printer,
    /// `--store` / `TOK_STORE`, when given.
    pub store_override: Option<StoreKind>,
    remote: endpoint::Remote,
    /// Replaces `remote` as the token endpoint (unit tests).
    endpoint: Option<Box<dyn TokenEndpoint>>,
    clock: Box<dyn Clock>,
    open_store: Option<OpenStore>,
    /// The environment, resolved once at start.
    pub settings: Settings,
    /// Whether the audit log is written: the config file's `audit` (on until it is loaded).
    /// Where the PIN of a PKCS#11 token comes from (the terminal, `--pin-stdin`, or nowhere),
    /// chosen by `commands::run` before any command runs.
    pub pin: PinSource,
}

impl Ctx {
    pub fn new(
        paths: Paths,
        printer: Printer,
        store_override: Option<StoreKind>,
        settings: Settings,
    ) -> Self {
        Self {
            remote: endpoint::Remote::new(paths.clone(), printer.clone(), settings.http.clone()),
            paths,
            printer,
            store_override,
            endpoint: None,
            clock: Box::new(SystemClock),
            open_store: None,
            settings,
            pin: PinSource::Unavailable,
        }
    }

    /// Append `event` to the audit log, unless the config file turns it off (`audit = false`,
    /// carried by every `Profile`). Never fails the caller.
    pub fn audit(&self, profile: &Profile, event: audit::Event) {
        if profile.audit {
            audit::record(&self.paths, event);
        }
    }

    /// A context whose token endpoint, clock and store are the given ones (unit tests of the
    /// serve and refresh decisions).
    #[cfg(test)]
    pub fn with_seams(
        paths: Paths,
        printer: Printer,
        endpoint: Box<dyn TokenEndpoint>,
        clock: Box<dyn Clock>,
        open_store: OpenStore,
    ) -> Self {
        Self {
            endpoint: Some(endpoint),
            clock,
            open_store: Some(open_store),
            ..Self::new(paths, printer, None, Settings::default())
        }
    }

    /// The HTTP client, built on first use.
    pub fn http(&self) -> &Http {
        self.remote.http()
    }

    /// The endpoints of `profile` (discovery cached on disk).
    pub fn endpoints(&self, profile: &Profile) -> Result<Endpoints, OAuthError> {
        self.remote.endpoints(profile)
    }

    /// The endpoints of `profile` for a login (see [`endpoint::Remote::endpoints_for_login`]).
    pub fn endpoints_for_login(&self, profile: &Profile) -> Result<Endpoints, OAuthError> {
        self.remote.endpoints_for_login(profile)
    }

    /// The token endpoint refreshes and client-credentials tokens go through.
    pub fn token_endpoint(&self) -> &dyn TokenEndpoint {
        match &self.endpoint {
            Some(e) => e.as_ref(),
            None => &self.remote,
        }
    }

    /// Now, in unix seconds, by the context's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The store holding `profile`'s session: the override, else the one recorded at login.
    pub fn store_for(&self, profile: &str) -> Result<Box<dyn TokenStore>, store::StoreError> {
        let kind = self.store_kind_for(profile);
        if let Some(open) = &self.open_store {
            return Ok(open());
        }
        store::open(
            kind,
            &self.paths,
            &self.printer,
            profile,
            store::Access::Read,
            self.settings.keychain_timeout,
        )
    }
}

impl Ctx {
    /// Which store holds `profile`'s session: the file store after a fallback (until a login
    /// resolves it, whatever `--store`/`TOK_STORE` say, with a warning each time), else the
    /// override, else the store recorded at login.
    pub fn store_kind_for(&self, profile: &str) -> StoreKind {
        let (kind, warning) = self.store_choice(profile);
        if let Some(w) = warning {
            self.printer.warn(w);
        }
        kind
    }

    /// [`Ctx::store_kind_for`] without the warning.
    pub(crate) fn store_choice(&self, profile: &str) -> (StoreKind, Option<String>) {
        let state = read_state(&self.paths, profile);
        // `auto` as an override means "no preference": keep the store chosen at login.
        let wanted = self.store_override.filter(|k| *k != StoreKind::Auto);
        if let (Some(from), Some(StoreKind::File)) = (state.moved_from, state.store) {
            let ignored = wanted
                .filter(|k| *k != StoreKind::File)
                .map(|k| format!(" (not the {} that --store/TOK_STORE names)", k.as_str()))
                .unwrap_or_default();
            let warning = format!(
                "the session of profile `{profile}` is in the file store{ignored}: the {} \
                 refused its rotated refresh token and holds only a spent one. Run `tok login \
                 -p {profile}` to move it back",
                from.as_str()
            );
            return (StoreKind::File, Some(warning));
        }
        (wanted.or(state.store).unwrap_or(StoreKind::Auto), None)
    }
}

/// [`access_token_for`] without narrowing (the unit tests' shorthand).
#[cfg(test)]
pub fn access_token(ctx: &Ctx, profile: &Profile, want: Want) -> Result<Served, Error> {
    access_token_for(ctx, profile, want, &Narrow::default(), &mut None)
}

/// Serve an access token for `profile`, refreshing if needed, for a narrowed scope or audience
/// when `narrow` says so (`print --scope/--audience`). See the module docs. The request is
/// recorded in the audit log by the command, which knows who asked (`commands::request`); for
/// it, `lock_wait_ms` is set to how long the profile lock was waited for, if it was, served or
/// not.
pub fn access_token_for(
    ctx: &Ctx,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
    lock_wait_ms: &mut Option<u64>,
) -> Result<Served, Error> {
    let served = serve::serve(ctx, profile, want, narrow, lock_wait_ms)?;
    Ok(Served {
        token: served.token.serving(want.token),
        ..served
    })
}

/// OIDC Core §5.3: what the provider's UserInfo endpoint says of the holder of `token`.
pub fn userinfo(
    ctx: &Ctx,
    profile: &Profile,
    token: &CachedToken,
) -> Result<serde_json::Map<String, serde_json::Value>, OAuthError> {
    let ep = ctx.endpoints(profile)?;
    let url = ep.userinfo.ok_or_else(|| {
        OAuthError::Discovery(format!("{} publishes no userinfo_endpoint", profile.issuer))
    })?;
    crate::oauth::userinfo(ctx.http(), &url, token.access_token.expose())
}

/// The DPoP key of `profile`'s session, to sign proofs for resource requests (`print --format
/// dpop`). `None` for a bearer session.
pub fn dpop_key(ctx: &Ctx, profile: &Profile) -> Result<Option<DpopKey>, Error> {
    if profile.workload.is_some() {
        // Exchanged tokens are bearer tokens, and there is no stored session to ask.
        return Ok(None);
    }
    let store = ctx.store_for(&profile.name)?;
    let session = load_session(store.as_ref(), profile)?
        .ok_or_else(|| missing(ctx, profile, store.as_ref()))?;
    let key = match session.grant {
        Grant::Interactive { dpop_key, .. } | Grant::AccessOnly { dpop_key } => dpop_key,
        Grant::Confidential { .. } | Grant::WorkloadIdentity(_) => None,
    };
    if let Some(k) = &key {
        k.unlock(&ctx.pin)?;
    }
    Ok(key)
}

/// The session of `profile` in `store`, if any; one for another issuer or client is an error.
pub(crate) fn load_session(
    store: &dyn TokenStore,
    profile: &Profile,
) -> Result<Option<Session>, Error> {
    let Some(blob) = store.load(&profile.name)? else {
        return Ok(None);
    };
    let kind = store.kind().as_str();
    let s = Session::from_blob(&blob, &profile.name, kind)?;
    if s.issuer != profile.issuer.as_str() || s.client_id != profile.client_id {
        return Err(SessionError::OtherIssuer {
            profile: profile.name.clone(),
            issuer: s.issuer,
        }
        .into());
    }
    Ok(Some(s))
}

/// The error for "the store has no session": a plain "log in" unless the state says a login
/// stored one there — then it was deleted, or is hidden because the keychain is locked (a locked
/// Secret Service collection reads as empty), and logging in again would orphan it.
pub(crate) fn missing(ctx: &Ctx, profile: &Profile, store: &dyn TokenStore) -> SessionError {
    let state = read_state(&ctx.paths, &profile.name);
    if state.logged_in_at.is_some() && store.kind() != StoreKind::File {
        SessionError::Missing {
            profile: profile.name.clone(),
            store: store.describe(),
        }
    } else {
        SessionError::NotLoggedIn {
            profile: profile.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
