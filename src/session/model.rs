//! The data of a session: what the store keeps ([`Session`] and its [`Grant`]), the access token
//! with what is known about it ([`CachedToken`]), and the non-secret profile state.
//!
//! The store blob keeps the flat JSON shape written since the first release (`refresh_token`,
//! `client_secret`, `dpop_key` side by side): [`Session`] reads and writes it through the private
//! [`Wire`] struct, so sessions already in users' keychains keep loading.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::Profile;
use crate::oauth::grant::WorkloadIdentity;
use crate::oauth::{DpopKey, TokenKeyRef, TokenResponse, TokenType};
use crate::secret::{self, AccessToken, ClientSecret, IdToken, RefreshToken};
use crate::store::{self, StoreKind};

/// The default `--min-ttl`: an access token with less left than this is refreshed first.
pub const DEFAULT_MIN_TTL: i64 = 60;

/// An access token with what is known about it. Stored in the session and in the token cache.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedToken {
    #[serde(serialize_with = "secret::serialize")]
    pub access_token: AccessToken,
    pub token_type: TokenType,
    /// Unix seconds; `None` when the server gave no `expires_in`.
    pub expires_at: Option<i64>,
    pub scope: Option<String>,
    pub obtained_at: i64,
    pub issuer: String,
    pub client_id: String,
    /// OIDC: the validated ID token that came with this access token or an earlier one (a
    /// refresh without one keeps the last), served by `--token id`.
    #[serde(
        default,
        serialize_with = "secret::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub id_token: Option<IdToken>,
    /// The ID token's `exp`, unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_expires_at: Option<i64>,
    /// When the ID token was obtained (unix seconds): a refresh that brings no new ID token
    /// keeps the old one, so its lifetime is not counted from `obtained_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_obtained_at: Option<i64>,
}

impl CachedToken {
    /// Seconds left; `i64::MAX` for tokens without a known expiry.
    pub fn ttl(&self, now: i64) -> i64 {
        self.expires_at.map_or(i64::MAX, |e| e - now)
    }

    /// Seconds from obtaining the token to its expiry; `None` when the expiry is unknown.
    pub fn lifetime(&self) -> Option<i64> {
        self.expires_at.map(|e| e - self.obtained_at)
    }

    /// The whole lifetime of the token of `kind`, when its expiry is known.
    pub fn lifetime_kind(&self, kind: TokenKind) -> Option<i64> {
        match kind {
            TokenKind::Access => self.lifetime(),
            TokenKind::Id => self
                .id_expires_at
                .map(|e| e - self.id_obtained_at.unwrap_or(self.obtained_at)),
        }
    }

    /// Whether the token can be handed out with at least `min_ttl` seconds left. Clocks have
    /// whole-second resolution here, so a token in its last second counts as expired whatever
    /// `min_ttl` is.
    pub fn fresh_for(&self, now: i64, min_ttl: i64) -> bool {
        let ttl = self.ttl(now);
        ttl > 0 && ttl >= min_ttl
    }

    /// Whether the token of `kind` can be handed out with at least `min_ttl` seconds left.
    pub fn fresh_kind(&self, kind: TokenKind, now: i64, min_ttl: i64) -> bool {
        match kind {
            TokenKind::Access => self.fresh_for(now, min_ttl),
            TokenKind::Id => self.id_expires_at.is_some_and(|e| {
                let ttl = e - now;
                self.id_token.is_some() && ttl > 0 && ttl >= min_ttl
            }),
        }
    }

    /// Seconds the token of `kind` has left (`i64::MAX`: unknown expiry; 0: none held).
    pub fn ttl_kind(&self, kind: TokenKind, now: i64) -> i64 {
        match kind {
            TokenKind::Access => self.ttl(now),
            TokenKind::Id => self.id_expires_at.map_or(0, |e| e - now),
        }
    }

    /// The token of `kind` in the place of the access token, with its expiry, for the consumers
    /// that take "a bearer token" (print, exec, the helpers). An ID token is a bearer token.
    pub fn serving(self, kind: TokenKind) -> Self {
        match (kind, &self.id_token) {
            (TokenKind::Id, Some(id)) => CachedToken {
                access_token: AccessToken::new(id.expose()),
                token_type: TokenType::Bearer,
                expires_at: self.id_expires_at,
                ..self
            },
            _ => self,
        }
    }

    /// This token without an ID token (one no check has validated).
    pub(crate) fn without_id(self) -> Self {
        CachedToken {
            id_token: None,
            id_expires_at: None,
            id_obtained_at: None,
            ..self
        }
    }

    /// Keep `previous`'s ID token when the response that made this token carried none (OIDC
    /// Core §12.2: a refresh response may omit it). It is served only while it lives: an
    /// expired one tells that the provider did not renew it.
    pub(crate) fn keeping_id_of(mut self, previous: Option<&CachedToken>) -> Self {
        if self.id_token.is_none()
            && let Some(p) = previous
        {
            self.id_token = p.id_token.clone();
            self.id_expires_at = p.id_expires_at;
            self.id_obtained_at = p.id_obtained_at.or(Some(p.obtained_at));
        }
        self
    }

    /// Whether the token is DPoP-bound (RFC 9449): every request with it needs a fresh proof
    /// from the session's key, so clients that only send a bearer header cannot use it.
    pub fn is_dpop(&self) -> bool {
        self.token_type == TokenType::DPoP
    }

    pub(crate) fn belongs_to(&self, profile: &Profile) -> bool {
        self.issuer == profile.issuer.as_str() && self.client_id == profile.client_id
    }

    /// The token of a token response, counted from `sent_at`. `old_scope` stands in when the
    /// server does not repeat the granted scope.
    pub(crate) fn from_response(
        profile: &Profile,
        resp: &TokenResponse,
        sent_at: i64,
        old_scope: Option<&str>,
    ) -> Self {
        CachedToken {
            access_token: resp.access_token.clone(),
            token_type: resp.token_type.clone(),
            // Count from when the request was sent: conservative by the round-trip time.
            expires_at: resp.expires_in.map(|e| sent_at + e),
            scope: resp.scope.clone().or_else(|| old_scope.map(str::to_string)),
            obtained_at: sent_at,
            issuer: profile.issuer.to_string(),
            client_id: profile.client_id.clone(),
            id_expires_at: resp.id_token.as_ref().and_then(|t| {
                crate::oauth::decode_unverified::<crate::oauth::IdClaims>(t.expose())
                    .ok()
                    .map(|c| c.exp)
            }),
            id_obtained_at: resp.id_token.as_ref().map(|_| sent_at),
            id_token: resp.id_token.clone(),
        }
    }
}

/// Which token a consumer asks for (`--token id|access`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenKind {
    /// The OAuth access token (the default).
    #[default]
    Access,
    /// The OpenID Connect ID token.
    Id,
}

/// How a session obtains its next access token: the one thing that differs between kinds of
/// session. Adding a way to get tokens (a workload identity, say) is one more variant here and
/// one more arm in [`super::refresh`].
#[derive(Debug)]
pub enum Grant {
    /// An interactive login (browser, device, `--refresh-token-stdin`): refresh with the
    /// refresh token, with a proof from `dpop_key` when the tokens are DPoP-bound.
    Interactive {
        refresh_token: RefreshToken,
        dpop_key: Option<DpopKey>,
    },
    /// `--client-credentials`: a confidential client mints each token with its secret.
    Confidential { client_secret: ClientSecret },
    /// An interactive login whose provider issued no refresh token: the access token is all
    /// there is, and a new login is needed once it expires.
    AccessOnly { dpop_key: Option<DpopKey> },
    /// A CI job's workload identity: each token is obtained by exchanging a fresh identity
    /// token from the CI platform. It holds no secret and is never stored: the profile says
    /// where the identity comes from, and the session is made from it each time.
    WorkloadIdentity(WorkloadIdentity),
}

impl Grant {
    /// The login's grant from the token response that ended it.
    pub fn interactive(refresh_token: Option<RefreshToken>, dpop_key: Option<DpopKey>) -> Self {
        match refresh_token {
            Some(refresh_token) => Grant::Interactive {
                refresh_token,
                dpop_key,
            },
            None => Grant::AccessOnly { dpop_key },
        }
    }

    pub fn dpop_key(&self) -> Option<&DpopKey> {
        match self {
            Grant::Interactive { dpop_key, .. } | Grant::AccessOnly { dpop_key } => {
                dpop_key.as_ref()
            }
            Grant::Confidential { .. } | Grant::WorkloadIdentity(_) => None,
        }
    }

    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        match self {
            Grant::Interactive { refresh_token, .. } => Some(refresh_token),
            Grant::Confidential { .. } | Grant::AccessOnly { .. } | Grant::WorkloadIdentity(_) => {
                None
            }
        }
    }

    /// What kind of session this is, without its secrets: recorded in the profile state at
    /// login, so `status` and `profile show` name it without a keychain round trip.
    pub fn kind(&self) -> GrantKind {
        match self {
            Grant::Interactive { .. } => GrantKind::Interactive,
            Grant::Confidential { .. } => GrantKind::Confidential,
            Grant::AccessOnly { .. } => GrantKind::AccessOnly,
            Grant::WorkloadIdentity(_) => GrantKind::WorkloadIdentity,
        }
    }
}

/// [`Grant`] without what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    Interactive,
    Confidential,
    AccessOnly,
    WorkloadIdentity,
}

impl GrantKind {
    /// How `status` and `profile show` name it.
    pub fn describe(self) -> &'static str {
        match self {
            GrantKind::Interactive => "refreshed with a refresh token",
            GrantKind::Confidential => "client credentials (a confidential client's secret)",
            GrantKind::AccessOnly => "access token only (the provider issued no refresh token)",
            GrantKind::WorkloadIdentity => "exchanges the CI job's identity token (nothing stored)",
        }
    }
}

/// What the store keeps for a profile.
#[derive(Debug, Deserialize)]
#[serde(from = "Wire")]
pub struct Session {
    pub version: u32,
    pub issuer: String,
    pub client_id: String,
    pub grant: Grant,
    pub access: Option<CachedToken>,
    pub created_at: i64,
    pub refreshed_at: Option<i64>,
}

impl Session {
    /// The session of a workload-identity profile, made from the profile (nothing is stored).
    pub(crate) fn workload(profile: &Profile, wi: &WorkloadIdentity) -> Self {
        Session {
            version: 1,
            issuer: profile.issuer.to_string(),
            client_id: profile.client_id.clone(),
            grant: Grant::WorkloadIdentity(wi.clone()),
            access: None,
            created_at: 0,
            refreshed_at: None,
        }
    }

    pub fn to_blob(&self) -> SecretString {
        // Copied into an exact-size box and the serialized string zeroized: a plain
        // `SecretString::from(String)` may reallocate and free the first buffer unwiped.
        let mut text = serde_json::to_string(&WireRef::from(self)).expect("a session serializes");
        let blob = SecretString::from(text.as_str());
        zeroize::Zeroize::zeroize(&mut text);
        blob
    }

    pub fn from_blob(
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

/// The store blob as written since the first release: one flat object whose optional secrets
/// say what kind of session it is. Only [`Session`] reads it.
#[derive(Deserialize)]
struct Wire {
    version: u32,
    issuer: String,
    client_id: String,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    access: Option<CachedToken>,
    created_at: i64,
    refreshed_at: Option<i64>,
    #[serde(default)]
    client_secret: Option<ClientSecret>,
    #[serde(default)]
    dpop_key: Option<DpopKey>,
    /// A DPoP key on a PKCS#11 token: where it is and its public key (no secret). Added by
    /// issue 22; a blob without it reads as before.
    #[serde(default)]
    dpop_pkcs11: Option<TokenKeyRef>,
}

/// [`Wire`] for writing, borrowing the secrets (refresh tokens are not `Clone`).
#[derive(Serialize)]
struct WireRef<'a> {
    version: u32,
    issuer: &'a str,
    client_id: &'a str,
    #[serde(serialize_with = "secret::serialize_opt")]
    refresh_token: Option<&'a RefreshToken>,
    access: Option<&'a CachedToken>,
    created_at: i64,
    refreshed_at: Option<i64>,
    #[serde(
        serialize_with = "secret::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    client_secret: Option<&'a ClientSecret>,
    #[serde(
        serialize_with = "secret::serialize_opt",
        skip_serializing_if = "Option::is_none"
    )]
    dpop_key: Option<&'a DpopKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dpop_pkcs11: Option<&'a TokenKeyRef>,
}

impl From<Wire> for Session {
    fn from(w: Wire) -> Self {
        // A confidential client mints with its secret even if its provider once sent a refresh
        // token along (RFC 6749 §4.4.3 says it should not).
        let grant = match (w.client_secret, w.refresh_token) {
            (Some(client_secret), _) => Grant::Confidential { client_secret },
            (None, refresh_token) => Grant::interactive(
                refresh_token,
                w.dpop_key
                    .or_else(|| w.dpop_pkcs11.map(DpopKey::from_token_ref)),
            ),
        };
        Session {
            version: w.version,
            issuer: w.issuer,
            client_id: w.client_id,
            grant,
            access: w.access,
            created_at: w.created_at,
            refreshed_at: w.refreshed_at,
        }
    }
}

impl<'a> From<&'a Session> for WireRef<'a> {
    fn from(s: &'a Session) -> Self {
        let client_secret = match &s.grant {
            Grant::Confidential { client_secret } => Some(client_secret),
            Grant::Interactive { .. } | Grant::AccessOnly { .. } | Grant::WorkloadIdentity(_) => {
                None
            }
        };
        WireRef {
            version: s.version,
            issuer: &s.issuer,
            client_id: &s.client_id,
            refresh_token: s.grant.refresh_token(),
            access: s.access.as_ref(),
            created_at: s.created_at,
            refreshed_at: s.refreshed_at,
            client_secret,
            // A software key's private scalar, or a token key's reference: never both.
            dpop_key: s.grant.dpop_key().filter(|k| k.is_software()),
            dpop_pkcs11: s.grant.dpop_key().and_then(DpopKey::token_ref),
        }
    }
}

impl Serialize for Session {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WireRef::from(self).serialize(s)
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

impl From<&RefreshRecord> for crate::audit::Attempt {
    fn from(r: &RefreshRecord) -> Self {
        Self {
            at: r.at,
            ok: r.ok,
            error: r.error.clone(),
            latency_ms: r.latency_ms,
            rotated: r.rotated,
        }
    }
}

impl From<Source> for crate::audit::Source {
    fn from(s: Source) -> Self {
        match s {
            Source::Cache => Self::Cache,
            Source::Peer => Self::Peer,
            Source::Store => Self::Store,
            Source::Refreshed => Self::Refreshed,
        }
    }
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
    /// Where that key lives (`session store`, or its `pkcs11:` URI and token label): public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key_at: Option<String>,
    /// What kind of session the login stored ([`Grant::kind`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<GrantKind>,
    /// Set when this store refused a rotated refresh token and the session moved to the file
    /// store (`store` then says `file`). Until a login resolves it, the file store wins over
    /// `--store`/`TOK_STORE` for reading: the store it came from holds a spent refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<StoreKind>,
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
    /// The token that must live at least `min_ttl`.
    pub token: TokenKind,
}

impl Default for Want {
    fn default() -> Self {
        Self {
            min_ttl: DEFAULT_MIN_TTL,
            force_refresh: false,
            token: TokenKind::Access,
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

/// How the scope a server granted compares with the scope asked for. RFC 6749 §3.3: the token
/// response states `scope` when it differs from the request; without it, it is as asked.
#[derive(Debug, PartialEq, Eq)]
pub enum ScopeGrant {
    AsAsked,
    /// Scopes granted beyond those asked for (maybe some asked for missing too): the token
    /// can do more than the caller meant to hand out.
    Wider {
        extra: Vec<String>,
    },
    /// Only some of the scopes asked for.
    Narrower {
        missing: Vec<String>,
    },
}

pub fn compare_scope(asked: &str, granted: Option<&str>) -> ScopeGrant {
    let Some(granted) = granted else {
        return ScopeGrant::AsAsked;
    };
    let asked: std::collections::BTreeSet<&str> = asked.split_whitespace().collect();
    let granted: std::collections::BTreeSet<&str> = granted.split_whitespace().collect();
    let extra: Vec<String> = granted.difference(&asked).map(|s| s.to_string()).collect();
    if !extra.is_empty() {
        return ScopeGrant::Wider { extra };
    }
    let missing: Vec<String> = asked.difference(&granted).map(|s| s.to_string()).collect();
    if !missing.is_empty() {
        return ScopeGrant::Narrower { missing };
    }
    ScopeGrant::AsAsked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ID token kept across a refresh that brought none lives from when it was obtained,
    /// not from the new access token's `obtained_at`: the --min-ttl cap weighs its real
    /// lifetime. See: issue 20.
    #[test]
    fn a_kept_id_token_keeps_its_own_lifetime() {
        let first = CachedToken {
            id_token: Some(IdToken::new("id-1")),
            id_expires_at: Some(1_000 + 3_600),
            id_obtained_at: Some(1_000),
            obtained_at: 1_000,
            ..token("at-1")
        };
        assert_eq!(first.lifetime_kind(TokenKind::Id), Some(3_600));
        // The access token is refreshed 3,000 s later, without a new ID token.
        let refreshed = CachedToken {
            obtained_at: 4_000,
            expires_at: Some(4_300),
            ..token("at-2")
        }
        .keeping_id_of(Some(&first));
        assert_eq!(refreshed.lifetime_kind(TokenKind::Id), Some(3_600));
        assert_eq!(refreshed.lifetime_kind(TokenKind::Access), Some(300));
        // A cache written before the field existed: the obtained time of the token it came
        // with is the ID token's.
        let old: CachedToken = serde_json::from_str(
            r#"{"access_token":"at-1","token_type":"Bearer","expires_at":4600,"scope":null,
                "obtained_at":1000,"issuer":"https://i","client_id":"c","id_token":"id-1",
                "id_expires_at":4600}"#,
        )
        .unwrap();
        assert_eq!(old.id_obtained_at, None);
        let refreshed = CachedToken {
            obtained_at: 4_000,
            ..token("at-2")
        }
        .keeping_id_of(Some(&old));
        assert_eq!(refreshed.lifetime_kind(TokenKind::Id), Some(3_600));
        // A new ID token is counted from its own response.
        let resp_obtained = CachedToken {
            id_token: Some(IdToken::new("id-2")),
            id_expires_at: Some(4_000 + 600),
            id_obtained_at: Some(4_000),
            obtained_at: 4_000,
            ..token("at-2")
        }
        .keeping_id_of(Some(&first));
        assert_eq!(resp_obtained.lifetime_kind(TokenKind::Id), Some(600));
        assert_eq!(resp_obtained.without_id().id_obtained_at, None);
    }

    #[test]
    fn a_granted_scope_is_compared_as_a_set_with_the_one_asked_for() {
        assert_eq!(compare_scope("a b", None), ScopeGrant::AsAsked);
        assert_eq!(compare_scope("a b", Some("b  a")), ScopeGrant::AsAsked);
        assert_eq!(
            compare_scope("tok.api", Some("tok.api tok.extra")),
            ScopeGrant::Wider {
                extra: vec!["tok.extra".into()]
            }
        );
        assert_eq!(
            compare_scope("a b", Some("a c")),
            ScopeGrant::Wider {
                extra: vec!["c".into()]
            }
        );
        assert_eq!(
            compare_scope("a b", Some("a")),
            ScopeGrant::Narrower {
                missing: vec!["b".into()]
            }
        );
    }

    fn token(at: &str) -> CachedToken {
        CachedToken {
            access_token: AccessToken::new(at),
            token_type: TokenType::Bearer,
            expires_at: Some(10),
            scope: None,
            obtained_at: 0,
            issuer: "https://i".into(),
            client_id: "c".into(),
            id_token: None,
            id_expires_at: None,
            id_obtained_at: None,
        }
    }

    fn back(blob: &str) -> Session {
        Session::from_blob(&SecretString::from(blob.to_string()), "p", "memory").unwrap()
    }

    // Blobs printed by the flat-struct code before the Grant enum (`Session::to_blob` at commit
    // 3798a57): that key order, `refresh_token: null` always present, `client_secret` and
    // `dpop_key` only when set.
    const OLD_INTERACTIVE: &str = r#"{"version":1,"issuer":"https://i","client_id":"c","refresh_token":"rt-1","access":{"access_token":"at-1","token_type":"Bearer","expires_at":10,"scope":null,"obtained_at":0,"issuer":"https://i","client_id":"c"},"created_at":5,"refreshed_at":7}"#;
    const OLD_CONFIDENTIAL: &str = r#"{"version":1,"issuer":"https://i","client_id":"c","refresh_token":null,"access":null,"created_at":5,"refreshed_at":null,"client_secret":"cs-1"}"#;
    const OLD_NO_REFRESH: &str = r#"{"version":1,"issuer":"https://i","client_id":"c","refresh_token":null,"access":null,"created_at":5,"refreshed_at":null}"#;

    #[test]
    fn blobs_of_the_flat_format_load_and_are_written_back_byte_for_byte() {
        for old in [OLD_INTERACTIVE, OLD_CONFIDENTIAL, OLD_NO_REFRESH] {
            let s = back(old);
            assert_eq!(s.to_blob().expose_secret(), old);
        }
        let s = back(OLD_INTERACTIVE);
        assert!(
            matches!(&s.grant, Grant::Interactive { refresh_token, dpop_key: None } if refresh_token.expose() == "rt-1")
        );
        assert_eq!(s.access.unwrap().access_token.expose(), "at-1");
        assert!(
            matches!(back(OLD_CONFIDENTIAL).grant, Grant::Confidential { client_secret } if client_secret.expose() == "cs-1")
        );
        assert!(matches!(
            back(OLD_NO_REFRESH).grant,
            Grant::AccessOnly { dpop_key: None }
        ));
        // A blob without the optional fields at all (hand-made or older still) loads too.
        let bare = r#"{"version":1,"issuer":"https://i","client_id":"c","access":null,"created_at":5,"refreshed_at":null}"#;
        assert!(matches!(back(bare).grant, Grant::AccessOnly { .. }));
    }

    #[test]
    fn a_dpop_session_round_trips_its_key() {
        let key = DpopKey::generate();
        let jkt = key.thumbprint();
        let s = Session {
            version: 1,
            issuer: "https://i".into(),
            client_id: "c".into(),
            grant: Grant::Interactive {
                refresh_token: RefreshToken::new("rt-2"),
                dpop_key: Some(key),
            },
            access: None,
            created_at: 0,
            refreshed_at: None,
        };
        let blob = s.to_blob();
        let raw: serde_json::Value = serde_json::from_str(blob.expose_secret()).unwrap();
        assert_eq!(raw["refresh_token"], "rt-2");
        assert!(raw["dpop_key"].is_string());
        assert!(raw.get("client_secret").is_none());
        let b = Session::from_blob(&blob, "p", "memory").unwrap();
        assert_eq!(b.grant.dpop_key().unwrap().thumbprint(), jkt);
        // `Serialize` writes the same blob as `to_blob`.
        assert_eq!(serde_json::to_string(&b).unwrap(), *blob.expose_secret());
    }

    #[test]
    fn a_session_bound_to_a_token_key_keeps_its_uri_and_public_key_not_a_scalar() {
        // See: issue 22. The blob of a token key holds where the key is, never key material;
        // a blob with a software key (`dpop_key`) still reads as before.
        let software = DpopKey::generate();
        let jwk = software.public_jwk();
        let stored = TokenKeyRef {
            uri: "pkcs11:token=t;object=k;type=private".into(),
            module: "/usr/lib/softhsm/libsofthsm2.so".into(),
            token: "t".into(),
            x: jwk["x"].as_str().unwrap().into(),
            y: jwk["y"].as_str().unwrap().into(),
        };
        let s = Session {
            version: 1,
            issuer: "https://i".into(),
            client_id: "c".into(),
            grant: Grant::Interactive {
                refresh_token: RefreshToken::new("rt-3"),
                dpop_key: Some(DpopKey::from_token_ref(stored.clone())),
            },
            access: None,
            created_at: 0,
            refreshed_at: None,
        };
        let blob = s.to_blob();
        let raw: serde_json::Value = serde_json::from_str(blob.expose_secret()).unwrap();
        assert!(raw.get("dpop_key").is_none(), "{raw}");
        assert_eq!(raw["dpop_pkcs11"]["uri"], stored.uri);
        assert_eq!(raw["dpop_pkcs11"]["x"], stored.x);
        let b = Session::from_blob(&blob, "p", "memory").unwrap();
        let key = b.grant.dpop_key().unwrap();
        assert_eq!(key.token_ref(), Some(&stored));
        // The thumbprint (`cnf.jkt`) is the public key's, whoever holds the private key.
        assert_eq!(key.thumbprint(), software.thumbprint());
        assert_eq!(key.public_jwk(), jwk);
        assert_eq!(serde_json::to_string(&b).unwrap(), *blob.expose_secret());
    }

    #[test]
    fn session_debug_has_no_token() {
        let key = DpopKey::generate();
        let d = secret::Exposed::raw(&key).to_string();
        for grant in [
            Grant::Interactive {
                refresh_token: RefreshToken::new("rt-canary-123"),
                dpop_key: Some(key),
            },
            Grant::Confidential {
                client_secret: ClientSecret::new("cs-canary-789"),
            },
        ] {
            let s = Session {
                version: 1,
                issuer: "https://i".into(),
                client_id: "c".into(),
                grant,
                access: Some(token("at-canary-456")),
                created_at: 0,
                refreshed_at: None,
            };
            let dbg = format!("{s:?}");
            assert!(!dbg.contains(&d), "{dbg}");
            assert!(!dbg.contains("canary"), "{dbg}");
        }
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
            expires_at: None,
            ..token("x")
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

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            /// The token cache file reads back as written.
            #[test]
            fn the_token_cache_reads_back(
                token in any::<String>(), scope in any::<Option<String>>(), issuer in any::<String>(),
                client_id in any::<String>(), expires_at in any::<Option<i64>>(), obtained_at in any::<i64>(),
                dpop in any::<bool>(), id_token in any::<Option<String>>(), id_expires_at in any::<Option<i64>>(),
                id_obtained_at in any::<Option<i64>>(),
            ) {
                let t = CachedToken {
                    access_token: AccessToken::new(token.clone()),
                    token_type: if dpop { TokenType::DPoP } else { TokenType::Bearer },
                    expires_at, scope: scope.clone(), obtained_at, issuer: issuer.clone(), client_id: client_id.clone(),
                    id_token: id_token.clone().map(crate::secret::IdToken::new), id_expires_at, id_obtained_at,
                };
                let back: CachedToken = serde_json::from_slice(&serde_json::to_vec(&t).unwrap()).unwrap();
                prop_assert_eq!(back.access_token.expose(), token.as_str());
                prop_assert_eq!(back.token_type, t.token_type);
                prop_assert_eq!((back.expires_at, back.scope, back.obtained_at), (expires_at, scope, obtained_at));
                prop_assert_eq!((back.issuer, back.client_id), (issuer, client_id));
                prop_assert_eq!(back.id_token.as_ref().map(|t| t.expose().to_string()), id_token);
                prop_assert_eq!(back.id_expires_at, id_expires_at);
                prop_assert_eq!(back.id_obtained_at, id_obtained_at);
            }
        }
    }
}
