//! The refresh decision: serve the cached access token, or lock, re-read, refresh, persist the
//! rotated refresh token, and only then hand the new access token out.
//!
//! Three records per profile:
//! - the **session** (refresh token + last access token) lives in the store — the keychain by
//!   default — as one JSON blob;
//! - the **token cache** (access token only, no refresh token) is a 0600 file in the runtime
//!   directory, so that `print` answers without a keychain round trip, a TLS client or a
//!   discovery document;
//! - the **profile state** (no secrets: which store, last refresh, expiry) lets `status` answer
//!   without touching the keychain.

use std::cell::{Cell, OnceCell, RefCell};
use std::fs::File;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Requester};
use crate::config::Profile;
use crate::oauth::discovery::{self, Endpoints};
use crate::oauth::dpop::{self, DpopKey, Prover};
use crate::oauth::http::{ClientAuth, Http};
use crate::oauth::token::{self, TokenResponse};
use crate::oauth::{OAuthError, revoke};
use crate::output::Printer;
use crate::paths::{self, Paths};
use crate::secret::{self, AccessToken, ClientSecret, RefreshToken};
use crate::settings::Settings;
use crate::store::{self, StoreKind, TokenStore};
use crate::time::now;

/// The default `--min-ttl`: an access token with less left than this is refreshed first.
pub const DEFAULT_MIN_TTL: i64 = 60;

/// An access token with what is known about it. Stored in the session and in the token cache.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedToken {
    #[serde(serialize_with = "secret::serialize")]
    pub access_token: AccessToken,
    pub token_type: String,
    /// Unix seconds; `None` when the server gave no `expires_in`.
    pub expires_at: Option<i64>,
    pub scope: Option<String>,
    pub obtained_at: i64,
    pub issuer: String,
    pub client_id: String,
}

impl CachedToken {
    /// Seconds left; `i64::MAX` for tokens without a known expiry.
    pub fn ttl(&self, now: i64) -> i64 {
        self.expires_at.map_or(i64::MAX, |e| e - now)
    }

    /// Whether the token can be handed out with at least `min_ttl` seconds left. Clocks have
    /// whole-second resolution here, so a token in its last second counts as expired whatever
    /// `min_ttl` is.
    pub fn fresh_for(&self, now: i64, min_ttl: i64) -> bool {
        let ttl = self.ttl(now);
        ttl > 0 && ttl >= min_ttl
    }

    /// Whether the token is DPoP-bound (RFC 9449): every request with it needs a fresh proof
    /// from the session's key, so clients that only send a bearer header cannot use it.
    pub fn is_dpop(&self) -> bool {
        self.token_type == "DPoP"
    }

    fn belongs_to(&self, profile: &Profile) -> bool {
        self.issuer == profile.issuer.as_str() && self.client_id == profile.client_id
    }
}

/// What the store keeps for a profile.
#[derive(Debug, Serialize, Deserialize)]
pub struct Session {
    pub version: u32,
    pub issuer: String,
    pub client_id: String,
    #[serde(serialize_with = "secret::serialize_opt", default)]
    pub refresh_token: Option<RefreshToken>,
    pub access: Option<CachedToken>,
    pub created_at: i64,
    pub refreshed_at: Option<i64>,
    /// A confidential client's secret (`tok login --client-credentials`): `print` mints tokens
    /// with the client credentials grant when the session has no refresh token.
    #[serde(
        serialize_with = "secret::serialize_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_secret: Option<ClientSecret>,
    /// The DPoP private key the tokens are bound to (RFC 9449); only ever in the store.
    #[serde(
        serialize_with = "secret::serialize_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dpop_key: Option<DpopKey>,
}

impl Session {
    fn to_blob(&self) -> SecretString {
        // Copied into an exact-size box and the serialized string zeroized: a plain
        // `SecretString::from(String)` may reallocate and free the first buffer unwiped.
        let mut text = serde_json::to_string(self).expect("a session serializes");
        let blob = SecretString::from(text.as_str());
        zeroize::Zeroize::zeroize(&mut text);
        blob
    }

    fn from_blob(
        blob: &SecretString,
        profile: &str,
        store: &'static str,
    ) -> Result<Self, store::StoreError> {
        serde_json::from_str(blob.expose_secret()).map_err(|_| store::StoreError::Corrupt {
            store,
            profile: profile.into(),
            detail: "not a tok session".into(),
        })
    }
}

/// The outcome of the last refresh, kept in the profile state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub at: i64,
    pub ok: bool,
    pub error: Option<String>,
    pub latency_ms: u64,
    pub rotated: bool,
}

/// Non-secret facts about a profile's session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileState {
    pub store: Option<StoreKind>,
    pub issuer: Option<String>,
    pub logged_in_at: Option<i64>,
    pub access_expires_at: Option<i64>,
    pub scope: Option<String>,
    pub last_refresh: Option<RefreshRecord>,
    /// Whether the server rotates refresh tokens, as observed.
    pub rotates: Option<bool>,
    /// The token endpoint's clock minus ours, in seconds, from its `Date` header at the last
    /// refresh (`None` when it sent none or the difference was within [`SKEW_NOISE`]).
    #[serde(default)]
    pub clock_skew: Option<i64>,
    /// The RFC 7638 thumbprint of the session's DPoP key (public; `cnf.jkt` on the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
}

/// A `Date` header has one-second resolution and the round trip adds more: differences up to
/// this many seconds are not skew.
pub const SKEW_NOISE: i64 = 2;

/// The server's clock minus ours, from its `Date` header and the moment the answer arrived.
/// Expiry does not depend on it (tok counts `expires_in` from its own send time, which is
/// skew-free); it is reported by `status` and warned about when it exceeds the refresh margin,
/// because then the server's `exp`/`iat` checks and tok's disagree by more than the leeway.
pub fn clock_skew(server_date: Option<i64>, received_at: i64) -> Option<i64> {
    let skew = server_date? - received_at;
    (skew.abs() > SKEW_NOISE).then_some(skew)
}

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
}

/// Where an access token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The token cache, no lock, no network.
    Cache,
    /// Another process refreshed while this one waited for the lock.
    Peer,
    /// The session in the store had a newer token than the cache.
    Store,
    /// This process refreshed.
    Refreshed,
}

/// An access token handed to a caller.
#[derive(Debug)]
pub struct Served {
    pub token: CachedToken,
    pub source: Source,
}

/// What `print` asks for.
#[derive(Debug, Clone, Copy)]
pub struct Want {
    pub min_ttl: i64,
    pub force_refresh: bool,
}

impl Default for Want {
    fn default() -> Self {
        Self {
            min_ttl: DEFAULT_MIN_TTL,
            force_refresh: false,
        }
    }
}

/// A token narrower than the profile's default: another `scope` and/or RFC 8707 `resource`.
/// Served from its own cache file, never stored as the session's access token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrow {
    /// Space-separated scopes, already normalised (sorted, deduplicated) by the caller.
    pub scope: Option<String>,
    pub audience: Option<String>,
}

impl Narrow {
    pub fn is_default(&self) -> bool {
        self.scope.is_none() && self.audience.is_none()
    }

    /// The token-cache key: the profile name, plus a short hash of scope and audience.
    pub fn cache_key(&self, profile: &str) -> String {
        if self.is_default() {
            return profile.to_string();
        }
        let h = secret::fingerprint(&format!(
            "{}\n{}",
            self.scope.as_deref().unwrap_or(""),
            self.audience.as_deref().unwrap_or("")
        ));
        format!("{profile}+{}", &h[..8])
    }
}

/// Everything a command needs to reach sessions: directories, the printer, the store choice and
/// a lazily built HTTP client.
pub struct Ctx {
    pub paths: Paths,
    pub printer: Printer,
    /// `--store` / `TOK_STORE`, when given.
    pub store_override: Option<StoreKind>,
    http: OnceCell<Http>,
    /// Who asks for tokens, for the audit log (`print` unless a helper says otherwise).
    requester: RefCell<Requester>,
    /// The environment, resolved once at start.
    pub settings: Settings,
    /// Whether the audit log is written: the config file's `audit` (on until it is loaded).
    audit_on: Cell<bool>,
}

impl Ctx {
    pub fn new(
        paths: Paths,
        printer: Printer,
        store_override: Option<StoreKind>,
        settings: Settings,
    ) -> Self {
        Self {
            paths,
            printer,
            store_override,
            http: OnceCell::new(),
            requester: RefCell::default(),
            settings,
            audit_on: Cell::new(true),
        }
    }

    /// Turn the audit log on or off for this process (the config's `audit` key).
    pub fn set_audit(&self, on: bool) {
        self.audit_on.set(on);
    }

    pub fn audit_enabled(&self) -> bool {
        self.audit_on.get()
    }

    /// Append `event` to the audit log, unless it is turned off. Never fails the caller.
    pub fn audit(&self, event: audit::Event) {
        if self.audit_on.get() {
            audit::record(&self.paths, event);
        }
    }

    /// Name the consumer (and host) of the tokens this process serves, for the audit log.
    pub fn set_requester(&self, consumer: audit::Consumer, host: Option<String>) {
        *self.requester.borrow_mut() = Requester { consumer, host };
    }

    /// Name the host a helper is serving, keeping the consumer already set.
    pub fn set_requester_host(&self, host: &str) {
        self.requester.borrow_mut().host = Some(host.to_string());
    }

    /// The HTTP client, built on first use.
    pub fn http(&self) -> Result<&Http, OAuthError> {
        if let Some(h) = self.http.get() {
            return Ok(h);
        }
        let mut h = Http::new(&self.settings.http)?;
        let printer = self.printer.clone();
        h.set_observer(move |m| printer.verbose(m));
        Ok(self.http.get_or_init(|| h))
    }

    /// The endpoints of `profile` (discovery cached on disk).
    pub fn endpoints(&self, profile: &Profile) -> Result<Endpoints, OAuthError> {
        discovery::endpoints(profile, &self.paths, || self.http(), false)
    }

    /// The store holding `profile`'s session: the override, else the one recorded at login.
    pub fn store_for(&self, profile: &str) -> Result<Box<dyn TokenStore>, store::StoreError> {
        // `auto` as an override means "no preference": keep the store chosen at login.
        let kind = self
            .store_override
            .filter(|k| *k != StoreKind::Auto)
            .or_else(|| read_state(&self.paths, profile).store)
            .unwrap_or(StoreKind::Auto);
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

/// Read the profile state; a missing or unreadable file is an empty state.
pub fn read_state(paths: &Paths, profile: &str) -> ProfileState {
    paths::read_private(&paths.profile_state(profile))
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn write_state(paths: &Paths, profile: &str, state: &ProfileState) {
    if let Ok(b) = serde_json::to_vec_pretty(state) {
        let _ = paths::write_private_replace(&paths.profile_state(profile), &b);
    }
}

/// Read the token cache of `profile`, if it holds a token for the configured issuer and client.
pub fn read_cache(paths: &Paths, profile: &Profile) -> Option<CachedToken> {
    read_cache_key(paths, profile, &profile.name)
}

fn read_cache_key(paths: &Paths, profile: &Profile, key: &str) -> Option<CachedToken> {
    let bytes = paths::read_private(&paths.token_cache(key)).ok()??;
    let t: CachedToken = serde_json::from_slice(&bytes).ok()?;
    t.belongs_to(profile).then_some(t)
}

fn write_cache(ctx: &Ctx, profile: &str, token: &CachedToken) {
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(token).expect("a token serializes"));
    if let Err(e) = paths::write_private_replace(&ctx.paths.token_cache(profile), &bytes) {
        ctx.printer
            .verbose(format!("could not write the token cache: {e:#}"));
    }
}

/// Drop the cached access tokens, the default and the scoped ones (the session and its refresh
/// token stay).
pub fn evict_cache(paths: &Paths, profile: &str) -> bool {
    let default = paths.token_cache(profile);
    if let Some(dir) = default.parent()
        && let Ok(entries) = std::fs::read_dir(dir)
    {
        let prefix = format!("{profile}+");
        for e in entries.flatten() {
            if e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    paths::remove_optional(&default).unwrap_or(false)
}

/// A client (git, docker) reports that the access token it was served was rejected. Forget it —
/// in the cache and in the stored session — so the next request refreshes; the refresh token
/// stays. With a `fingerprint`, only that token is forgotten: a token another process already
/// replaced is left alone. Returns whether a token was forgotten.
pub fn reject_access_token(
    ctx: &Ctx,
    profile: &Profile,
    fingerprint: Option<&str>,
) -> anyhow::Result<bool> {
    let matches = |t: &CachedToken| fingerprint.is_none_or(|f| t.access_token.fingerprint() == f);
    let _lock = ProfileLock::acquire(ctx, &profile.name)?;
    let mut forgot = false;
    if read_cache(&ctx.paths, profile).is_some_and(|t| matches(&t)) {
        forgot |= evict_cache(&ctx.paths, &profile.name);
    }
    let store = ctx.store_for(&profile.name)?;
    if let Some(mut session) = load_session(store.as_ref(), profile)?
        && session.access.as_ref().is_some_and(matches)
    {
        session.access = None;
        store.save(&profile.name, &session.to_blob())?;
        forgot = true;
    }
    if forgot {
        ctx.printer
            .verbose("forgot the rejected access token; the next request refreshes");
    }
    Ok(forgot)
}

/// An exclusive per-profile lock across processes. Released when dropped, and by the kernel
/// when the holder dies, so a killed tok never leaves a stale lock behind.
pub struct ProfileLock {
    _file: File,
}

impl ProfileLock {
    pub fn acquire(ctx: &Ctx, profile: &str) -> Result<Self, anyhow::Error> {
        let path = ctx.paths.lock_file(profile);
        paths::ensure_private_dir(path.parent().expect("lock files live in a directory"))?;
        let file = paths::open_lock_file(&path)
            .map_err(|e| anyhow::anyhow!("cannot open lock file {}: {e}", path.display()))?;
        let deadline = Instant::now() + ctx.settings.lock_timeout;
        let mut said = false;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if Instant::now() >= deadline {
                        return Err(SessionError::Busy {
                            profile: profile.into(),
                            secs: ctx.settings.lock_timeout.as_secs(),
                        }
                        .into());
                    }
                    if !said {
                        ctx.printer.verbose(format!(
                            "waiting for another tok process to finish with profile `{profile}`"
                        ));
                        said = true;
                    }
                    std::thread::sleep(Duration::from_millis(15));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(anyhow::anyhow!("cannot lock {}: {e}", path.display()));
                }
            }
        }
    }
}

fn token_from_response(
    profile: &Profile,
    resp: &TokenResponse,
    sent_at: i64,
    old_scope: Option<&str>,
) -> CachedToken {
    CachedToken {
        access_token: resp.access_token.clone(),
        token_type: resp.token_type.clone(),
        // Count from when the request was sent: conservative by the round-trip time.
        expires_at: resp.expires_in.map(|e| sent_at + e),
        scope: resp.scope.clone().or_else(|| old_scope.map(str::to_string)),
        obtained_at: sent_at,
        issuer: profile.issuer.to_string(),
        client_id: profile.client_id.clone(),
    }
}

fn load_session(store: &dyn TokenStore, profile: &Profile) -> anyhow::Result<Option<Session>> {
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

/// Keep a just-rotated refresh token, whatever it takes: the old one is dead at the provider.
/// If the store refuses (a keychain that locked or hung meanwhile, a full disk), fall back to
/// the 0600 file store rather than lose the session, and say so loudly. Returns the store kind
/// the session moved to, if it moved.
fn save_rotated(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: &Session,
) -> anyhow::Result<Option<StoreKind>> {
    let blob = session.to_blob();
    let err = match store.save_rotated(&profile.name, &blob) {
        Ok(()) => return Ok(None),
        Err(e) => e,
    };
    let file = store::file::FileStore::new(&ctx.paths);
    if store.kind() != StoreKind::File && file.save_rotated(&profile.name, &blob).is_ok() {
        ctx.printer.warn(format!(
            "the {} did not accept the rotated refresh token ({err}); to keep the session it is              now in {} (mode 0600). Run `tok login -p {}` once the keychain works again to move              it back",
            store.describe(),
            file.path_for(&profile.name).display(),
            profile.name
        ));
        return Ok(Some(StoreKind::File));
    }
    Err(SessionError::Expired {
        profile: profile.name.clone(),
        detail: Some(format!(
            "the provider rotated the refresh token and it could not be stored: {err}"
        )),
    }
    .into())
}

/// The error for "the store has no session": a plain "log in" unless the state says a login
/// stored one there — then it was deleted, or is hidden because the keychain is locked (a locked
/// Secret Service collection reads as empty), and logging in again would orphan it.
fn missing(ctx: &Ctx, profile: &Profile, store: &dyn TokenStore) -> SessionError {
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

/// Serve an access token for `profile`, refreshing if needed. See the module docs.
pub fn access_token(ctx: &Ctx, profile: &Profile, want: Want) -> anyhow::Result<Served> {
    access_token_for(ctx, profile, want, &Narrow::default())
}

/// [`access_token`] for a narrowed scope or audience (`print --scope/--audience`).
pub fn access_token_for(
    ctx: &Ctx,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
) -> anyhow::Result<Served> {
    let served = serve(ctx, profile, want, narrow);
    ctx.audit(audit::Event::request(
        &profile.name,
        &ctx.requester.borrow(),
        served.as_ref().map(|s| (s.source, &s.token.access_token)),
    ));
    served
}

fn serve(ctx: &Ctx, profile: &Profile, want: Want, narrow: &Narrow) -> anyhow::Result<Served> {
    let p = &ctx.printer;
    let key = narrow.cache_key(&profile.name);
    if !narrow.is_default() {
        p.verbose(format!(
            "narrowed token (scope {}, resource {}): cache `{key}`",
            narrow.scope.as_deref().unwrap_or("as granted"),
            narrow.audience.as_deref().unwrap_or("default")
        ));
    }
    let before = read_cache_key(&ctx.paths, profile, &key);
    if let Some(t) = &before
        && !want.force_refresh
        && t.fresh_for(now(), want.min_ttl)
    {
        p.verbose(format!(
            "cache hit: access token {} valid for {}",
            t.access_token.fingerprint(),
            ttl_text(t)
        ));
        return Ok(Served {
            token: t.clone(),
            source: Source::Cache,
        });
    }
    match &before {
        Some(t) if want.force_refresh => p.verbose(format!(
            "--force-refresh: replacing access token {}",
            t.access_token.fingerprint()
        )),
        Some(t) => p.verbose(format!(
            "access token {} has {} left, less than --min-ttl {} s",
            t.access_token.fingerprint(),
            ttl_text(t),
            want.min_ttl
        )),
        None => p.verbose("no cached access token"),
    }
    let before_fp = before.as_ref().map(|t| t.access_token.fingerprint());
    let _lock = ProfileLock::acquire(ctx, &profile.name)?;

    // Another process may have refreshed while we waited: use its token rather than refresh
    // again, even if it lives less than --min-ttl (see PROTOCOLS: one refresh per expiry).
    let is_new = |t: &CachedToken| {
        before_fp
            .as_ref()
            .is_some_and(|fp| *fp != t.access_token.fingerprint())
    };
    let usable = |t: &CachedToken| {
        let ttl = t.ttl(now());
        (is_new(t) && ttl > 0) || (!want.force_refresh && t.fresh_for(now(), want.min_ttl))
    };
    // In the cache, any token that was not there before we waited is a peer's fresh one — also
    // when there was no cached token at all (after a git `erase`, say).
    let from_peer = |t: &CachedToken| {
        let new = before_fp
            .as_ref()
            .is_none_or(|fp| *fp != t.access_token.fingerprint());
        (new && t.ttl(now()) > 0) || usable(t)
    };
    if let Some(t) = read_cache_key(&ctx.paths, profile, &key).filter(|t| from_peer(t)) {
        p.verbose(format!(
            "another tok process refreshed: using access token {}",
            t.access_token.fingerprint()
        ));
        return Ok(Served {
            token: t,
            source: Source::Peer,
        });
    }

    let store = ctx.store_for(&profile.name)?;
    let session = load_session(store.as_ref(), profile)?
        .ok_or_else(|| missing(ctx, profile, store.as_ref()))?;
    if let Some(t) = session
        .access
        .as_ref()
        .filter(|t| narrow.is_default() && usable(t))
    {
        p.verbose(format!(
            "the {} holds a newer access token {}",
            store.describe(),
            t.access_token.fingerprint()
        ));
        write_cache(ctx, &profile.name, t);
        return Ok(Served {
            token: t.clone(),
            source: Source::Store,
        });
    }
    let token = refresh_locked(ctx, profile, store.as_ref(), session, true, narrow)?;
    let ttl = token.ttl(now());
    if ttl < want.min_ttl {
        p.warn(format!(
            "the provider issued an access token that lives {ttl} s, less than --min-ttl {} s",
            want.min_ttl
        ));
    }
    Ok(Served {
        token,
        source: Source::Refreshed,
    })
}

fn ttl_text(t: &CachedToken) -> String {
    match t.expires_at {
        None => "an unknown time".into(),
        Some(e) => format!("{} s", e - now()),
    }
}

/// `RefreshRecord::error` of a refresh whose request was sent but whose answer never arrived.
const INTERRUPTED: &str = "interrupted";

/// Refresh with the lock held. On success the rotated refresh token is in the store before
/// anything else happens; on failure the stored session is left exactly as it was.
fn refresh_locked(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: Session,
    may_retry: bool,
    narrow: &Narrow,
) -> anyhow::Result<CachedToken> {
    let p = &ctx.printer;
    let key = narrow.cache_key(&profile.name);
    let Some(rt) = session.refresh_token.as_ref() else {
        if let Some(secret) = &session.client_secret {
            return client_credentials_locked(ctx, profile, store, &session, secret, narrow);
        }
        return Err(SessionError::Expired {
            profile: profile.name.clone(),
            detail: Some("the provider issued no refresh token".into()),
        }
        .into());
    };
    let endpoints = ctx.endpoints(profile)?;
    let http = ctx.http()?;
    // From here until the answer is stored, Ctrl-C and SIGTERM wait (see crate::signals).
    let deferred = crate::signals::Deferred::new();
    let sent_at = now();
    let started = Instant::now();
    p.verbose(format!(
        "refreshing with refresh token {} at {}{}",
        rt.fingerprint(),
        crate::oauth::http::endpoint_name(&endpoints.token),
        if session.dpop_key.is_some() {
            " (with a DPoP proof)"
        } else {
            ""
        }
    ));
    // A DPoP-bound refresh token is useless without a proof from the session's key.
    let mut prover = session.dpop_key.as_ref().map(|key| Prover {
        key,
        nonce: dpop::load_nonce(&ctx.paths, &endpoints.token),
    });
    let result = token::refresh(
        http,
        &endpoints.token,
        &ClientAuth::None {
            client_id: &profile.client_id,
        },
        rt,
        narrow.scope.as_deref(),
        narrow.audience.as_deref().or(profile.audience.as_deref()),
        prover.as_mut(),
    );
    if let Some(n) = prover.and_then(|p| p.nonce) {
        dpop::save_nonce(&ctx.paths, &endpoints.token, &n);
    }
    let latency_ms = started.elapsed().as_millis() as u64;
    let mut state = read_state(&ctx.paths, &profile.name);
    let previous = state.last_refresh.clone();
    match result {
        Ok(resp) => {
            let delay = ctx.settings.test_delay_after_response;
            if !delay.is_zero() {
                // Test only: hold the crash window open (see ENV_TEST_DELAY_AFTER_RESPONSE_MS).
                std::thread::sleep(delay);
            }
            let rotated = resp.refresh_token.as_ref().is_some_and(|n| !n.same_as(rt));
            let old_scope = match &narrow.scope {
                Some(s) => Some(s.clone()),
                None => session.access.as_ref().and_then(|a| a.scope.clone()),
            };
            let token = token_from_response(profile, &resp, sent_at, old_scope.as_deref());
            let new = Session {
                refresh_token: Some(
                    resp.refresh_token
                        .unwrap_or_else(|| RefreshToken::new(rt.expose())),
                ),
                // A narrowed token never replaces the session's default access token.
                access: if narrow.is_default() {
                    Some(token.clone())
                } else {
                    session.access.clone()
                },
                refreshed_at: Some(sent_at),
                ..session
            };
            // Persist first: the old refresh token may already be dead on the server. Durably
            // only then: an unrotated refresh token is on disk already. A scoped refresh that
            // did not rotate changes nothing worth a store write.
            if rotated {
                if let Some(kind) = save_rotated(ctx, profile, store, &new)? {
                    state.store = Some(kind);
                }
            } else if narrow.is_default()
                && let Err(e) = store.save_unchanged_refresh_token(&profile.name, &new.to_blob())
            {
                // The stored refresh token is still the live one: nothing is lost.
                p.warn(format!(
                    "could not update the session in the {}: {e}",
                    store.describe()
                ));
            }
            drop(deferred);
            p.verbose(format!(
                "refreshed in {latency_ms} ms: access token {}{}",
                token.access_token.fingerprint(),
                if rotated {
                    ", refresh token rotated"
                } else {
                    ""
                }
            ));
            write_cache(ctx, &key, &token);
            state.clock_skew = clock_skew(resp.server_date, now());
            if let Some(skew) = state.clock_skew
                && skew.abs() > DEFAULT_MIN_TTL
            {
                p.warn(format!(
                    "the clock of {} is {} s {} this machine's; expiry is counted from \
                     expires_in and is unaffected, but check the system clock",
                    endpoints.token.host_str().unwrap_or("the provider"),
                    skew.abs(),
                    if skew > 0 { "ahead of" } else { "behind" }
                ));
            }
            if narrow.is_default() {
                state.access_expires_at = token.expires_at;
                state.scope = token.scope.clone();
            }
            state.rotates = Some(rotated || state.rotates == Some(true));
            state.last_refresh = Some(RefreshRecord {
                at: sent_at,
                ok: true,
                error: None,
                latency_ms,
                rotated,
            });
            write_state(&ctx.paths, &profile.name, &state);
            ctx.audit(audit::Event::refresh(
                &profile.name,
                state.last_refresh.as_ref().expect("just set"),
            ));
            Ok(token)
        }
        Err(e) => {
            let code = match &e {
                OAuthError::InvalidGrant { .. } => "invalid_grant".to_string(),
                OAuthError::Protocol { error, .. } => error.clone(),
                OAuthError::Unavailable { .. } => "unavailable".into(),
                OAuthError::Interrupted { .. } => INTERRUPTED.into(),
                OAuthError::BadResponse { .. } => "bad_response".into(),
                _ => "error".into(),
            };
            state.last_refresh = Some(RefreshRecord {
                at: sent_at,
                ok: false,
                error: Some(code),
                latency_ms,
                rotated: false,
            });
            write_state(&ctx.paths, &profile.name, &state);
            ctx.audit(audit::Event::refresh(
                &profile.name,
                state.last_refresh.as_ref().expect("just set"),
            ));
            if let OAuthError::InvalidGrant { description, .. } = &e {
                // Re-read before concluding: a login may have replaced the session meanwhile.
                if may_retry
                    && let Some(current) = load_session(store, profile)?
                    && let Some(now_rt) = &current.refresh_token
                    && !now_rt.same_as(rt)
                {
                    p.verbose("the stored refresh token changed meanwhile; retrying with it");
                    return refresh_locked(ctx, profile, store, current, false, narrow);
                }
                evict_cache(&ctx.paths, &profile.name);
                let lost_in_flight = previous
                    .as_ref()
                    .filter(|r| r.error.as_deref() == Some(INTERRUPTED))
                    .filter(|_| state.rotates != Some(false));
                let detail = match lost_in_flight {
                    Some(r) => Some(format!(
                        "the refresh at {} was cut off after it was sent; the provider {} \
                         refresh tokens, so it had probably spent the old one and refused it \
                         again now",
                        crate::time::rfc3339(r.at),
                        if state.rotates == Some(true) {
                            "rotates"
                        } else {
                            "may rotate"
                        }
                    )),
                    None => description.clone(),
                };
                return Err(SessionError::Expired {
                    profile: profile.name.clone(),
                    detail,
                }
                .into());
            }
            if let OAuthError::Interrupted { .. } = &e
                && state.rotates == Some(true)
            {
                p.warn(format!(
                    "the refresh was cut off after it was sent; the provider rotates refresh \
                     tokens, so the session of profile `{}` may be lost (tok does not resend \
                     it: a replay would revoke the session for certain)",
                    profile.name
                ));
            }
            Err(e.into())
        }
    }
}

/// The client credentials grant (RFC 6749 §4.4) with the lock held: a new token for the
/// session's confidential client. The default token is kept in the session like a refreshed one.
fn client_credentials_locked(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    session: &Session,
    secret: &ClientSecret,
    narrow: &Narrow,
) -> anyhow::Result<CachedToken> {
    let endpoints = ctx.endpoints(profile)?;
    let sent_at = now();
    let started = Instant::now();
    ctx.printer.verbose(format!(
        "minting a client-credentials token at {}",
        crate::oauth::http::endpoint_name(&endpoints.token)
    ));
    let resp = client_credentials(ctx, profile, &endpoints, secret, narrow)?;
    let scope = narrow.scope.clone().or_else(|| profile.scope_string());
    let token = token_from_response(profile, &resp, sent_at, scope.as_deref());
    if narrow.is_default() {
        let new = Session {
            version: session.version,
            issuer: session.issuer.clone(),
            client_id: session.client_id.clone(),
            refresh_token: None,
            access: Some(token.clone()),
            created_at: session.created_at,
            refreshed_at: Some(sent_at),
            client_secret: Some(ClientSecret::new(secret.expose())),
            dpop_key: None,
        };
        store.save(&profile.name, &new.to_blob())?;
    }
    ctx.printer.verbose(format!(
        "minted in {} ms: access token {}",
        started.elapsed().as_millis(),
        token.access_token.fingerprint()
    ));
    write_cache(ctx, &narrow.cache_key(&profile.name), &token);
    if narrow.is_default() {
        let mut state = read_state(&ctx.paths, &profile.name);
        state.access_expires_at = token.expires_at;
        state.scope = token.scope.clone();
        write_state(&ctx.paths, &profile.name, &state);
    }
    Ok(token)
}

/// One client credentials token request, with the profile's (or the narrowed) scope and resource.
pub fn client_credentials(
    ctx: &Ctx,
    profile: &Profile,
    endpoints: &Endpoints,
    secret: &ClientSecret,
    narrow: &Narrow,
) -> Result<TokenResponse, OAuthError> {
    let scope = narrow.scope.clone().or_else(|| profile.scope_string());
    let resource = narrow.audience.as_deref().or(profile.audience.as_deref());
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = &scope {
        form.push(("scope", s));
    }
    if let Some(r) = resource {
        form.push(("resource", r));
    }
    token::request(
        ctx.http()?,
        &endpoints.token,
        &form,
        &ClientAuth::Basic {
            client_id: &profile.client_id,
            secret,
        },
    )
}

/// Persist the tokens of a fresh login into `store`, replacing any previous session.
pub fn save_login(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    resp: TokenResponse,
    sent_at: i64,
    dpop_key: Option<DpopKey>,
) -> anyhow::Result<CachedToken> {
    save_new_session(ctx, profile, store, resp, sent_at, None, dpop_key)
}

/// [`save_login`] for `--client-credentials`: the session keeps the client secret.
pub fn save_client_credentials(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    resp: TokenResponse,
    sent_at: i64,
    secret: ClientSecret,
) -> anyhow::Result<CachedToken> {
    save_new_session(ctx, profile, store, resp, sent_at, Some(secret), None)
}

fn save_new_session(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    resp: TokenResponse,
    sent_at: i64,
    client_secret: Option<ClientSecret>,
    dpop_key: Option<DpopKey>,
) -> anyhow::Result<CachedToken> {
    let _lock = ProfileLock::acquire(ctx, &profile.name)?;
    let dpop_jkt = dpop_key.as_ref().map(DpopKey::thumbprint);
    let token = token_from_response(profile, &resp, sent_at, profile.scope_string().as_deref());
    let session = Session {
        version: 1,
        issuer: profile.issuer.to_string(),
        client_id: profile.client_id.clone(),
        refresh_token: resp.refresh_token,
        access: Some(token.clone()),
        created_at: sent_at,
        refreshed_at: None,
        client_secret,
        dpop_key,
    };
    let previous = read_state(&ctx.paths, &profile.name).store;
    store.save(&profile.name, &session.to_blob())?;
    // Scoped tokens of the previous session must not outlive it.
    evict_cache(&ctx.paths, &profile.name);
    if store.kind() != StoreKind::File {
        // A file session left by an earlier fallback would shadow nothing but still hold a
        // refresh token on disk: remove it.
        let _ = store::file::FileStore::new(&ctx.paths).delete(&profile.name);
    }
    if let Some(old) = previous.filter(|k| *k != store.kind() && *k != StoreKind::File) {
        // The previous session lived in another store (say, the keychain before `--store
        // file`): its refresh token must not linger there.
        let gone = store::open(
            old,
            &ctx.paths,
            &ctx.printer,
            &profile.name,
            store::Access::Read,
            ctx.settings.keychain_timeout,
        )
        .and_then(|s| s.delete(&profile.name));
        if let Err(e) = gone {
            ctx.printer.warn(format!(
                "the previous session of profile `{}` may remain in the {}: {e}",
                profile.name,
                old.as_str()
            ));
        }
    }
    write_cache(ctx, &profile.name, &token);
    let state = ProfileState {
        store: Some(store.kind()),
        issuer: Some(profile.issuer.to_string()),
        logged_in_at: Some(sent_at),
        access_expires_at: token.expires_at,
        scope: token.scope.clone(),
        last_refresh: None,
        rotates: None,
        clock_skew: None,
        dpop_jkt,
    };
    write_state(&ctx.paths, &profile.name, &state);
    ctx.audit(audit::Event::login(
        &profile.name,
        store.kind(),
        &token.access_token,
    ));
    Ok(token)
}

/// The DPoP key of `profile`'s session, to sign proofs for resource requests (`print --format
/// dpop`). `None` for a bearer session.
pub fn dpop_key(ctx: &Ctx, profile: &Profile) -> anyhow::Result<Option<DpopKey>> {
    let store = ctx.store_for(&profile.name)?;
    let session = load_session(store.as_ref(), profile)?
        .ok_or_else(|| missing(ctx, profile, store.as_ref()))?;
    Ok(session.dpop_key)
}

/// What `logout` did.
#[derive(Debug, Default, Serialize)]
pub struct LogoutReport {
    pub had_session: bool,
    pub revoked: bool,
    pub revocation_error: Option<String>,
}

/// Revoke (unless `revoke` is false or the server has no endpoint), then forget everything.
/// Local data is removed even when revocation fails.
pub fn logout(ctx: &Ctx, profile: &Profile, revoke_token: bool) -> anyhow::Result<LogoutReport> {
    let _lock = ProfileLock::acquire(ctx, &profile.name)?;
    let store = ctx.store_for(&profile.name)?;
    let mut report = LogoutReport::default();
    let session = match load_session(store.as_ref(), profile) {
        Ok(s) => s,
        Err(e) => {
            ctx.printer.warn(format!("{e:#}; removing it anyway"));
            None
        }
    };
    if let Some(session) = &session {
        report.had_session = true;
        // A confidential client (client credentials) authenticates; a public one names itself.
        let auth = match &session.client_secret {
            Some(secret) => ClientAuth::Basic {
                client_id: &profile.client_id,
                secret,
            },
            None => ClientAuth::None {
                client_id: &profile.client_id,
            },
        };
        // Revoke the refresh token (ending the grant); a session without one (client
        // credentials) revokes its current access token instead.
        let target = match (&session.refresh_token, &session.access) {
            (Some(rt), _) => Some(Ok(rt)),
            (None, Some(at)) => Some(Err(&at.access_token)),
            (None, None) => None,
        };
        if let (true, Some(target)) = (revoke_token, target) {
            let result = ctx.endpoints(profile).and_then(|ep| match ep.revocation {
                None => Err(OAuthError::Discovery(format!(
                    "{} has no revocation endpoint",
                    profile.issuer
                ))),
                Some(url) => match target {
                    Ok(rt) => revoke::revoke_refresh_token(ctx.http()?, &url, &auth, rt),
                    Err(at) => revoke::revoke_access_token(ctx.http()?, &url, &auth, at),
                },
            });
            match result {
                Ok(()) => report.revoked = true,
                Err(e) => report.revocation_error = Some(e.to_string()),
            }
        }
    }
    store.delete(&profile.name)?;
    evict_cache(&ctx.paths, &profile.name);
    let _ = paths::remove_optional(&ctx.paths.profile_state(&profile.name));
    ctx.audit(audit::Event::logout(&profile.name, &report));
    Ok(report)
}

/// Whether the store holds a session for `profile` (for `status`).
pub fn has_session(ctx: &Ctx, profile: &Profile) -> anyhow::Result<bool> {
    let store = ctx.store_for(&profile.name)?;
    Ok(store.load(&profile.name)?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keychain that reads but refuses every write (locked or hung after the read).
    struct RefusingStore;

    impl TokenStore for RefusingStore {
        fn kind(&self) -> StoreKind {
            StoreKind::Keychain
        }
        fn describe(&self) -> String {
            "refusing keychain".into()
        }
        fn load(&self, _: &str) -> Result<Option<SecretString>, store::StoreError> {
            Ok(None)
        }
        fn save(&self, _: &str, _: &SecretString) -> Result<(), store::StoreError> {
            Err(store::StoreError::Timeout {
                store: "refusing keychain",
                secs: 1,
            })
        }
        fn delete(&self, _: &str) -> Result<bool, store::StoreError> {
            Ok(false)
        }
    }

    fn test_ctx(dir: &std::path::Path) -> Ctx {
        let paths = Paths {
            config_dir: dir.join("config"),
            cache_dir: dir.join("cache"),
            runtime_dir: dir.join("run"),
            state_dir: dir.join("state"),
            data_dir: dir.join("data"),
        };
        Ctx::new(
            paths,
            Printer::new(crate::output::Verbosity::Quiet),
            None,
            Settings::default(),
        )
    }

    // See: review of issue 4 — a rotated refresh token the keychain refuses must not be lost.
    #[test]
    fn a_rotated_refresh_token_the_keychain_refuses_lands_in_the_file_store() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = test_ctx(dir.path());
        let config = crate::config::Config {
            path: dir.path().join("c.toml"),
            file: crate::config::parse(
                "[profiles.w]\nissuer = \"https://id.example\"\nclient_id = \"c\"\n",
                std::path::Path::new("c.toml"),
            )
            .unwrap(),
            text: String::new(),
        };
        let profile = config.profile("w").unwrap();
        let session = Session {
            version: 1,
            issuer: profile.issuer.to_string(),
            client_id: "c".into(),
            refresh_token: Some(RefreshToken::new("rt-rotated")),
            access: None,
            created_at: 0,
            refreshed_at: None,
            client_secret: None,
            dpop_key: None,
        };
        let moved = save_rotated(&ctx, &profile, &RefusingStore, &session).unwrap();
        assert_eq!(moved, Some(StoreKind::File));
        let file = store::file::FileStore::new(&ctx.paths);
        let back = Session::from_blob(&file.load("w").unwrap().unwrap(), "w", "file").unwrap();
        assert_eq!(back.refresh_token.unwrap().expose(), "rt-rotated");
    }

    #[test]
    fn session_debug_has_no_token() {
        let s = Session {
            version: 1,
            issuer: "https://i".into(),
            client_id: "c".into(),
            refresh_token: Some(RefreshToken::new("rt-canary-123")),
            access: Some(CachedToken {
                access_token: AccessToken::new("at-canary-456"),
                token_type: "Bearer".into(),
                expires_at: Some(10),
                scope: None,
                obtained_at: 0,
                issuer: "https://i".into(),
                client_id: "c".into(),
            }),
            created_at: 0,
            refreshed_at: None,
            client_secret: Some(ClientSecret::new("cs-canary-789")),
            dpop_key: Some(DpopKey::generate()),
        };
        let d = secret::Exposed::raw(s.dpop_key.as_ref().unwrap()).to_string();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains(&d), "{dbg}");
        assert!(!dbg.contains("canary"), "{dbg}");
        // ...while the store blob round-trips the values.
        let blob = s.to_blob();
        let back = Session::from_blob(&blob, "p", "memory").unwrap();
        assert_eq!(back.refresh_token.unwrap().expose(), "rt-canary-123");
        assert_eq!(back.access.unwrap().access_token.expose(), "at-canary-456");
        assert_eq!(
            back.dpop_key.unwrap().thumbprint(),
            s.dpop_key.unwrap().thumbprint()
        );
    }

    #[test]
    fn clock_skew_ignores_date_resolution_noise() {
        assert_eq!(clock_skew(None, 1000), None);
        assert_eq!(clock_skew(Some(1002), 1000), None);
        assert_eq!(clock_skew(Some(998), 1000), None);
        assert_eq!(clock_skew(Some(1600), 1000), Some(600));
        assert_eq!(clock_skew(Some(900), 1000), Some(-100));
    }

    #[test]
    fn ttl_of_unknown_expiry_is_unbounded() {
        let t = CachedToken {
            access_token: AccessToken::new("x"),
            token_type: "Bearer".into(),
            expires_at: None,
            scope: None,
            obtained_at: 0,
            issuer: String::new(),
            client_id: String::new(),
        };
        assert_eq!(t.ttl(100), i64::MAX);
        let t = CachedToken {
            expires_at: Some(100),
            ..t
        };
        assert!(t.fresh_for(99, 0) && t.fresh_for(40, 60));
        assert!(!t.fresh_for(100, 0), "the last second counts as expired");
        assert!(!t.fresh_for(41, 60));
    }
}
