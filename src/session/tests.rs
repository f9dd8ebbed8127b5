//! The serve and refresh decisions, through the seams: a scripted token endpoint, a settable
//! clock, the memory store and a temporary directory. No server, no sleeping for expiry.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use url::Url;

use super::*;
use crate::oauth::{TokenResponse, TokenType};
use crate::output::Verbosity;
use crate::secret::{AccessToken, ClientSecret, RefreshToken};
use crate::store::MemoryStore;
use crate::store::StoreError;

const NOW: i64 = 1_000_000;

type Log = Rc<RefCell<Vec<String>>>;
type Answer = Box<dyn FnMut(&str) -> Result<TokenResponse, OAuthError>>;

/// A token endpoint that logs each request and answers from a script.
struct FakeEndpoint {
    log: Log,
    answer: RefCell<Answer>,
}

impl TokenEndpoint for FakeEndpoint {
    fn url(&self, _: &Profile) -> Result<Url, OAuthError> {
        Ok(Url::parse("https://id.example/token").expect("a URL"))
    }
    fn refresh(
        &self,
        _: &Profile,
        _: &Url,
        refresh_token: &crate::secret::RefreshToken,
        _: &Narrow,
        _: Option<&DpopKey>,
    ) -> Result<TokenResponse, OAuthError> {
        self.log
            .borrow_mut()
            .push(format!("refresh with {}", refresh_token.expose()));
        (self.answer.borrow_mut())(refresh_token.expose())
    }
    fn client_credentials(
        &self,
        _: &Profile,
        _: &Url,
        secret: &ClientSecret,
        _: &Narrow,
    ) -> Result<TokenResponse, OAuthError> {
        self.log
            .borrow_mut()
            .push(format!("client credentials with {}", secret.expose()));
        (self.answer.borrow_mut())("")
    }
    fn workload_exchange(
        &self,
        _: &Profile,
        _: &Url,
        wi: &crate::oauth::grant::WorkloadIdentity,
        _: &crate::oauth::grant::CiEnv<'_>,
        _: &Narrow,
        _: i64,
    ) -> Result<(TokenResponse, crate::oauth::grant::IdentityClaims), Error> {
        self.log.borrow_mut().push(format!(
            "exchange {} from {}",
            wi.method.as_str(),
            wi.source
        ));
        let resp = (self.answer.borrow_mut())("")?;
        Ok((resp, Default::default()))
    }
}

struct FakeClock(Rc<Cell<i64>>);

impl Clock for FakeClock {
    fn now(&self) -> i64 {
        self.0.get()
    }
}

/// The memory store, logging every write with what the token cache held at that moment.
struct RecordingStore {
    inner: MemoryStore,
    log: Log,
    cache: PathBuf,
}

impl RecordingStore {
    fn note(&self, what: &str, blob: &SecretString) {
        let s = Session::from_blob(blob, "w", "memory").expect("a session");
        let rt = s.grant.refresh_token().map_or("none", |r| r.expose());
        self.log.borrow_mut().push(format!(
            "{what} refresh token {rt} (cache holds {})",
            cached_at(&self.cache)
        ));
    }
}

impl TokenStore for RecordingStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Memory
    }
    fn describe(&self) -> String {
        "memory".into()
    }
    fn load(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        self.inner.load(account)
    }
    fn save(&self, account: &str, blob: &SecretString) -> Result<(), StoreError> {
        self.note("save", blob);
        self.inner.save(account, blob)
    }
    fn save_rotated(&self, account: &str, blob: &SecretString) -> Result<(), StoreError> {
        self.note("save_rotated", blob);
        self.inner.save(account, blob)
    }
    fn delete(&self, account: &str) -> Result<bool, StoreError> {
        self.inner.delete(account)
    }
}

/// The access token in the cache file at `path`, or `none`.
fn cached_at(path: &Path) -> String {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<CachedToken>(&b).ok())
        .map_or("none".into(), |t| t.access_token.expose().to_string())
}

struct World {
    _dir: tempfile::TempDir,
    ctx: Ctx,
    store: MemoryStore,
    log: Log,
    clock: Rc<Cell<i64>>,
    profile: Profile,
}

impl World {
    /// A world whose token endpoint answers with `answer(store)`'s script.
    fn new(answer: impl FnOnce(MemoryStore) -> Answer) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let paths = test_paths(dir.path());
        let store = MemoryStore::default();
        let log = Log::default();
        let clock = Rc::new(Cell::new(NOW));
        let endpoint = FakeEndpoint {
            log: log.clone(),
            answer: RefCell::new(answer(store.clone())),
        };
        let (inner, store_log, cache) = (store.clone(), log.clone(), paths.token_cache("w"));
        let ctx = Ctx::with_seams(
            paths,
            Printer::new(Verbosity::Quiet),
            Box::new(endpoint),
            Box::new(FakeClock(clock.clone())),
            Box::new(move || {
                Box::new(RecordingStore {
                    inner: inner.clone(),
                    log: store_log.clone(),
                    cache: cache.clone(),
                })
            }),
        );
        World {
            _dir: dir,
            ctx,
            store,
            log,
            clock,
            profile: test_profile(),
        }
    }

    fn token(&self, at: &str, ttl: i64) -> CachedToken {
        CachedToken {
            access_token: AccessToken::new(at),
            token_type: TokenType::Bearer,
            expires_at: Some(self.clock.get() + ttl),
            scope: None,
            obtained_at: self.clock.get(),
            issuer: self.profile.issuer.to_string(),
            client_id: "c".into(),
            id_token: None,
            id_expires_at: None,
            id_obtained_at: None,
        }
    }

    /// A token of an hour with `ttl` seconds left.
    fn aged(&self, at: &str, ttl: i64) -> CachedToken {
        CachedToken {
            obtained_at: self.clock.get() + ttl - 3600,
            ..self.token(at, ttl)
        }
    }

    fn cache(&self, at: &str, ttl: i64) {
        files::write_cache(
            &self.ctx.paths,
            &self.ctx.printer,
            "w",
            &self.token(at, ttl),
        );
    }

    fn stored(&self, grant: Grant, access: Option<CachedToken>) {
        let s = session(grant, access);
        self.store.save("w", &s.to_blob()).expect("memory saves");
    }

    fn stored_session(&self) -> Session {
        let blob = self
            .store
            .load("w")
            .expect("memory loads")
            .expect("a session");
        Session::from_blob(&blob, "w", "memory").expect("a session")
    }

    fn serve(&self, min_ttl: i64) -> Result<Served, Error> {
        access_token(
            &self.ctx,
            &self.profile,
            Want {
                min_ttl,
                force_refresh: false,
                ..Want::default()
            },
        )
    }

    fn log(&self) -> Vec<String> {
        self.log.borrow().clone()
    }
}

fn test_paths(dir: &Path) -> Paths {
    Paths {
        config_dir: dir.join("config"),
        cache_dir: dir.join("cache"),
        runtime_dir: dir.join("run"),
        state_dir: dir.join("state"),
        data_dir: dir.join("data"),
        user_state_dir: dir.join("user-state"),
    }
}

fn test_profile() -> Profile {
    let config = crate::config::Config {
        path: PathBuf::from("c.toml"),
        file: crate::config::parse(
            "[profiles.w]\nissuer = \"https://id.example\"\nclient_id = \"c\"\n",
            Path::new("c.toml"),
        )
        .expect("a valid config"),
        text: String::new(),
    };
    config.profile("w").expect("profile w")
}

fn session(grant: Grant, access: Option<CachedToken>) -> Session {
    Session {
        version: 1,
        issuer: test_profile().issuer.to_string(),
        client_id: "c".into(),
        grant,
        access,
        created_at: 0,
        refreshed_at: None,
    }
}

fn interactive(rt: &str) -> Grant {
    Grant::Interactive {
        refresh_token: RefreshToken::new(rt),
        dpop_key: None,
    }
}

fn tokens(at: &str, rt: Option<&str>) -> TokenResponse {
    TokenResponse {
        access_token: AccessToken::new(at),
        token_type: TokenType::Bearer,
        expires_in: Some(3600),
        refresh_token: rt.map(RefreshToken::new),
        scope: None,
        server_date: None,
        id_token: None,
    }
}

fn invalid_grant() -> OAuthError {
    OAuthError::InvalidGrant {
        endpoint: "https://id.example/token".into(),
        description: Some("grant request is invalid".into()),
    }
}

fn never() -> impl FnOnce(MemoryStore) -> Answer {
    |_| Box::new(|_| panic!("the token endpoint must not be called"))
}

#[test]
fn a_fresh_cached_token_is_served_without_lock_store_or_network() {
    let w = World::new(never());
    w.cache("at-1", 3600);
    let s = w.serve(60).expect("served");
    assert_eq!(s.source, Source::Cache);
    assert_eq!(s.token.access_token.expose(), "at-1");
    assert!(w.log().is_empty());
}

#[test]
fn min_ttl_decides_between_the_cache_and_a_refresh() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-2", None))));
    // A token of an hour with 30 s left (one that lives no longer than --min-ttl is another
    // case: `a_min_ttl_longer_than_the_lifetime_is_capped_so_racers_share_one_refresh`).
    let aged = w.aged("at-1", 30);
    files::write_cache(&w.ctx.paths, &w.ctx.printer, "w", &aged);
    w.stored(interactive("rt-1"), Some(aged));
    let s = w.serve(10).expect("served");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Cache, "at-1")
    );
    let s = w.serve(60).expect("served");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Refreshed, "at-2")
    );
    assert_eq!(s.token.expires_at, Some(NOW + 3600));
    assert_eq!(w.log()[0], "refresh with rt-1");
    // The token's last second counts as expired, whatever --min-ttl says.
    w.clock.set(NOW + 3599);
    assert_eq!(w.serve(0).expect("served").source, Source::Cache);
    w.clock.set(NOW + 3600);
    assert_eq!(w.serve(0).expect("served").source, Source::Refreshed);
}

#[test]
fn a_token_a_peer_refreshed_while_we_waited_for_the_lock_is_used() {
    let w = World::new(never());
    let aged = w.aged("at-1", 30);
    files::write_cache(&w.ctx.paths, &w.ctx.printer, "w", &aged);
    w.stored(interactive("rt-1"), Some(aged));
    // The peer holds the lock, writes its token (which lives less than --min-ttl), then lets go.
    let held = crate::lockfile::lock_until(
        &w.ctx.paths.lock_file("w"),
        Instant::now(),
        Duration::from_millis(1),
        || {},
    )
    .map_err(|_| "lock")
    .expect("the lock is free");
    let paths = w.ctx.paths.clone();
    let peer_token = w.token("at-peer", 40);
    let peer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        files::write_cache(&paths, &Printer::new(Verbosity::Quiet), "w", &peer_token);
        drop(held);
    });
    let s = w.serve(60).expect("served");
    peer.join().expect("the peer ends");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Peer, "at-peer")
    );
    assert!(w.log().is_empty(), "{:?}", w.log());
}

#[test]
fn a_newer_token_in_the_store_is_served_and_cached() {
    let w = World::new(never());
    w.cache("at-1", -5);
    // A peer refreshed (and rotated) later, but could not write the cache.
    w.clock.set(NOW + 5);
    w.stored(interactive("rt-1"), Some(w.token("at-store", 3600)));
    let s = w.serve(60).expect("served");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Store, "at-store")
    );
    assert_eq!(cached_at(&w.ctx.paths.token_cache("w")), "at-store");
    assert!(w.log().is_empty());
}

#[test]
fn a_rotated_refresh_token_is_stored_before_the_cache_is_written() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-2", Some("rt-2")))));
    w.cache("at-1", -5);
    w.stored(interactive("rt-1"), None);
    let s = w.serve(60).expect("served");
    assert_eq!(s.token.access_token.expose(), "at-2");
    assert_eq!(
        w.log(),
        [
            "refresh with rt-1",
            "save_rotated refresh token rt-2 (cache holds at-1)",
        ]
    );
    assert_eq!(cached_at(&w.ctx.paths.token_cache("w")), "at-2");
    let stored = w.stored_session();
    assert_eq!(
        stored.grant.refresh_token().map(|r| r.expose()),
        Some("rt-2")
    );
    assert_eq!(stored.refreshed_at, Some(NOW));
    let state = read_state(&w.ctx.paths, "w");
    assert_eq!(state.rotates, Some(true));
    let last = state.last_refresh.expect("recorded");
    assert!(last.ok && last.rotated && last.at == NOW);
}

// See: issue 11 item 8 — a non-rotating refresh rewrote the session (without fsync). The refresh
// token did not change and the access token lives in the cache: the store is not written at all.
#[test]
fn an_unrotated_refresh_does_not_write_the_store() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-2", Some("rt-1")))));
    w.stored(interactive("rt-1"), Some(w.token("at-1", -5)));
    let s = w.serve(60).expect("served");
    assert_eq!(s.token.access_token.expose(), "at-2");
    // The log holds every store write: there is none.
    assert_eq!(w.log(), ["refresh with rt-1"]);
    assert_eq!(cached_at(&w.ctx.paths.token_cache("w")), "at-2");
    let stored = w.stored_session();
    assert_eq!(
        stored.access.map(|a| a.access_token.expose().to_string()),
        Some("at-1".into()),
        "the stored session is untouched"
    );
    assert_eq!(read_state(&w.ctx.paths, "w").rotates, Some(false));
    // The next print is served from the cache; with the cache gone, the expired stored token is
    // not served: a refresh is.
    assert_eq!(w.serve(60).expect("served").source, Source::Cache);
    files::evict_cache(&w.ctx.paths, "w");
    assert_eq!(w.serve(60).expect("served").source, Source::Refreshed);
    assert_eq!(w.log(), ["refresh with rt-1", "refresh with rt-1"]);
}

// With no store write after an unrotated refresh, the store's token (the login's) is older than
// the cache's: --force-refresh, or a rejected cached token, must not fall back to it.
#[test]
fn an_older_stored_token_is_never_served_in_place_of_a_newer_cached_one() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-3", Some("rt-1")))));
    w.stored(interactive("rt-1"), Some(w.token("at-1", 3600)));
    w.clock.set(NOW + 10);
    w.cache("at-2", 3600);
    let s = access_token(
        &w.ctx,
        &w.profile,
        Want {
            min_ttl: 60,
            force_refresh: true,
            ..Want::default()
        },
    )
    .expect("served");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Refreshed, "at-3")
    );
    // A client rejects at-3: the cache and the older at-1 in the store are both forgotten.
    let fp = s.token.access_token.fingerprint();
    assert!(lifecycle::reject_access_token(&w.ctx, &w.profile, Some(&fp)).expect("forgot"));
    assert!(w.stored_session().access.is_none());
    assert_eq!(w.serve(60).expect("served").source, Source::Refreshed);
}

// See: issue 11 item 18 — after a narrowed refresh rotated the session, the provider may revoke
// the access tokens of the old refresh token; tok kept serving the cached default token.
#[test]
fn a_rotating_refresh_drops_the_sessions_other_cached_access_tokens() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-narrow", Some("rt-2")))));
    w.cache("at-default", 3600);
    w.stored(interactive("rt-1"), Some(w.token("at-default", 3600)));
    let other = Narrow {
        scope: Some("api:write".into()),
        audience: None,
    };
    files::write_cache(
        &w.ctx.paths,
        &w.ctx.printer,
        &other.cache_key("w"),
        &w.token("at-other", 3600),
    );
    let narrow = Narrow {
        scope: Some("api:read".into()),
        audience: None,
    };
    let s =
        access_token_for(&w.ctx, &w.profile, Want::default(), &narrow, &mut None).expect("served");
    assert_eq!(s.token.access_token.expose(), "at-narrow");
    assert_eq!(cached_at(&w.ctx.paths.token_cache("w")), "none");
    assert_eq!(
        cached_at(&w.ctx.paths.token_cache(&other.cache_key("w"))),
        "none"
    );
    assert_eq!(
        cached_at(&w.ctx.paths.token_cache(&narrow.cache_key("w"))),
        "at-narrow"
    );
    let stored = w.stored_session();
    assert_eq!(
        stored.grant.refresh_token().map(|r| r.expose()),
        Some("rt-2")
    );
    assert!(stored.access.is_none(), "the old default token is not kept");
    // The next default print refreshes with the rotated token instead of serving at-default.
    let s = w.serve(60).expect("served");
    assert_eq!(s.source, Source::Refreshed);
    assert_eq!(
        w.log().last().map(String::as_str),
        Some("refresh with rt-2")
    );
}

#[test]
fn invalid_grant_rereads_the_store_and_retries_once_with_the_newer_refresh_token() {
    let w = World::new(|store| {
        Box::new(move |rt| match rt {
            "rt-old" => {
                // Another process logged in meanwhile: the store now holds a new session.
                store
                    .save("w", &session(interactive("rt-new"), None).to_blob())
                    .expect("memory saves");
                Err(invalid_grant())
            }
            _ => Ok(tokens("at-new", None)),
        })
    });
    w.stored(interactive("rt-old"), None);
    let s = w.serve(60).expect("served after the retry");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Refreshed, "at-new")
    );
    assert_eq!(w.log()[..2], ["refresh with rt-old", "refresh with rt-new"]);
}

#[test]
fn invalid_grant_with_the_same_refresh_token_in_the_store_is_not_retried() {
    let w = World::new(|_| Box::new(|_| Err(invalid_grant())));
    w.cache("at-1", -5);
    w.stored(interactive("rt-1"), None);
    let e = w.serve(60).expect_err("the session is dead");
    assert_eq!(
        e.to_string(),
        "session for profile `w` expired or was revoked (grant request is invalid)"
    );
    assert_eq!(w.log(), ["refresh with rt-1"]);
    assert_eq!(cached_at(&w.ctx.paths.token_cache("w")), "none");
    // The stored session is left exactly as it was.
    assert_eq!(
        w.stored_session().grant.refresh_token().map(|r| r.expose()),
        Some("rt-1")
    );
}

#[test]
fn a_refresh_cut_off_in_flight_explains_the_next_invalid_grant() {
    let w = World::new(|_| {
        let mut first = true;
        Box::new(move |_| {
            if std::mem::take(&mut first) {
                Err(OAuthError::Interrupted {
                    endpoint: "https://id.example/token".into(),
                    detail: "connection reset".into(),
                })
            } else {
                Err(invalid_grant())
            }
        })
    });
    w.stored(interactive("rt-1"), None);
    files::write_state(
        &w.ctx.paths,
        "w",
        &ProfileState {
            rotates: Some(true),
            ..Default::default()
        },
    );
    let e = w.serve(60).expect_err("cut off");
    assert!(matches!(
        e.inner().downcast_ref::<OAuthError>(),
        Some(OAuthError::Interrupted { .. })
    ));
    let last = read_state(&w.ctx.paths, "w")
        .last_refresh
        .expect("recorded");
    assert_eq!(last.error.as_deref(), Some(refresh::INTERRUPTED));
    w.clock.set(NOW + 10);
    let e = w.serve(60).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "session for profile `w` expired or was revoked (the refresh at 1970-01-12T13:46:40Z \
         was cut off after it was sent; the provider rotates refresh tokens, so it had probably \
         spent the old one and refused it again now)"
    );
    assert_eq!(w.log(), ["refresh with rt-1", "refresh with rt-1"]);
}

#[test]
fn a_session_without_refresh_token_asks_for_a_login() {
    let w = World::new(never());
    w.stored(Grant::AccessOnly { dpop_key: None }, None);
    let e = w.serve(60).expect_err("no refresh token");
    assert_eq!(
        e.to_string(),
        "session for profile `w` expired or was revoked (the provider issued no refresh token)"
    );
}

#[test]
fn a_confidential_client_mints_a_new_token_and_keeps_its_secret() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-cc", None))));
    w.stored(
        Grant::Confidential {
            client_secret: ClientSecret::new("cs-1"),
        },
        None,
    );
    let s = w.serve(60).expect("minted");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Refreshed, "at-cc")
    );
    assert_eq!(
        w.log(),
        [
            "client credentials with cs-1",
            "save refresh token none (cache holds none)",
        ]
    );
    assert!(
        matches!(w.stored_session().grant, Grant::Confidential { client_secret } if client_secret.expose() == "cs-1")
    );
}

// See: issue 18 — the client credentials grant never recorded its failures.
#[test]
fn a_client_credentials_attempt_is_recorded_failed_or_not() {
    let mut answers = vec![Ok(tokens("at-cc", None)), Err(invalid_grant())];
    let w = World::new(|_| Box::new(move |_| answers.pop().expect("two answers")));
    w.stored(
        Grant::Confidential {
            client_secret: ClientSecret::new("cs-1"),
        },
        None,
    );
    assert!(w.serve(60).is_err());
    let last = read_state(&w.ctx.paths, "w")
        .last_refresh
        .expect("recorded");
    assert_eq!(
        (last.ok, last.error.as_deref()),
        (false, Some("invalid_grant"))
    );
    assert!(
        w.stored_session().access.is_none(),
        "a failure stores nothing"
    );
    w.serve(60).expect("minted");
    let state = read_state(&w.ctx.paths, "w");
    assert_eq!(
        state.last_refresh.map(|r| (r.ok, r.error)),
        Some((true, None))
    );
    let audit: Vec<_> = crate::audit::read(&w.ctx.paths)
        .into_iter()
        .filter(|e| e.event == crate::audit::Kind::Refresh)
        .map(|e| (e.ok, e.grant, e.error))
        .collect();
    let cc = Some("client_credentials".to_string());
    assert_eq!(
        audit,
        [
            (false, cc.clone(), Some("invalid_grant".into())),
            (true, cc, None)
        ]
    );
}

/// A keychain that reads but refuses every write (locked or hung after the read).
struct RefusingStore;

impl TokenStore for RefusingStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }
    fn describe(&self) -> String {
        "refusing keychain".into()
    }
    fn load(&self, _: &str) -> Result<Option<SecretString>, StoreError> {
        Ok(None)
    }
    fn save(&self, _: &str, _: &SecretString) -> Result<(), StoreError> {
        Err(StoreError::Timeout {
            store: "refusing keychain",
            secs: 1,
        })
    }
    fn delete(&self, _: &str) -> Result<bool, StoreError> {
        Ok(false)
    }
}

// See: review of issue 4 — a rotated refresh token the keychain refuses must not be lost.
#[test]
fn a_rotated_refresh_token_the_keychain_refuses_lands_in_the_file_store() {
    let w = World::new(never());
    let s = session(interactive("rt-rotated"), None);
    let moved = refresh::save_rotated(&w.ctx, &w.profile, &RefusingStore, &s).expect("kept");
    assert_eq!(moved, Some(StoreKind::File));
    let file = crate::store::FileStore::new(&w.ctx.paths);
    let back = Session::from_blob(&file.load("w").unwrap().unwrap(), "w", "file").unwrap();
    assert_eq!(back.grant.refresh_token().unwrap().expose(), "rt-rotated");
}

// See: issue 11 item 7 — after a keychain refused a rotated refresh token, an explicit
// `--store`/`TOK_STORE` won over the state on the next run and read the keychain's old, spent
// refresh token. The state (written durably) now wins until a login resolves it.
#[test]
fn after_a_fallback_the_file_store_wins_over_a_store_override_until_a_login() {
    let mut w = World::new(never());
    let s = session(interactive("rt-rotated"), None);
    refresh::save_rotated(&w.ctx, &w.profile, &RefusingStore, &s).expect("kept");
    let state = read_state(&w.ctx.paths, "w");
    assert_eq!(state.store, Some(StoreKind::File));
    assert_eq!(state.moved_from, Some(StoreKind::Keychain));
    for wanted in [StoreKind::Keychain, StoreKind::Keyutils, StoreKind::Auto] {
        w.ctx.store_override = Some(wanted);
        assert_eq!(w.ctx.store_kind_for("w"), StoreKind::File, "{wanted:?}");
    }
    // A login writes a fresh state: the override counts again.
    let resp = tokens("at-new", Some("rt-new"));
    lifecycle::save_login(&w.ctx, &w.profile, &w.store, resp, NOW, None).expect("saved");
    w.ctx.store_override = Some(StoreKind::Keychain);
    assert_eq!(w.ctx.store_kind_for("w"), StoreKind::Keychain);
    assert_eq!(read_state(&w.ctx.paths, "w").moved_from, None);
}

// See: issue 10 — the warning lost its line continuations and printed runs of spaces.
#[test]
fn the_warning_of_a_refused_rotated_token_is_one_clean_sentence() {
    let err = StoreError::Timeout {
        store: "Secret Service",
        secs: 5,
    };
    let text = refresh::moved_to_file_warning(
        "Secret Service",
        &err,
        Path::new("/home/u/.local/share/tok/sessions/w.json"),
        "w",
    );
    assert_eq!(
        text,
        "the Secret Service did not accept the rotated refresh token (Secret Service did not \
         answer within 5 s); to keep the session it is now in \
         /home/u/.local/share/tok/sessions/w.json (mode 0600). Run `tok login -p w` once the \
         keychain works again to move it back"
    );
    assert!(!text.contains("  "), "{text}");
}

#[test]
fn force_refresh_replaces_a_valid_token() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-2", None))));
    w.cache("at-1", 3600);
    w.stored(interactive("rt-1"), Some(w.token("at-1", 3600)));
    let s = access_token(
        &w.ctx,
        &w.profile,
        Want {
            min_ttl: 60,
            force_refresh: true,
            ..Want::default()
        },
    )
    .expect("served");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Refreshed, "at-2")
    );
    assert_eq!(w.log()[0], "refresh with rt-1");
}

#[test]
fn an_unavailable_provider_leaves_the_session_as_it_was() {
    let w = World::new(|_| {
        Box::new(|_| {
            Err(OAuthError::Unavailable {
                endpoint: "https://id.example/token".into(),
                detail: "HTTP 503".into(),
            })
        })
    });
    w.stored(interactive("rt-1"), Some(w.token("at-1", -5)));
    let e = w.serve(60).expect_err("unavailable");
    assert!(matches!(
        e.inner().downcast_ref::<OAuthError>(),
        Some(OAuthError::Unavailable { .. })
    ));
    assert_eq!(w.log(), ["refresh with rt-1"], "no store write");
    let last = read_state(&w.ctx.paths, "w")
        .last_refresh
        .expect("recorded");
    assert_eq!(
        (last.ok, last.error.as_deref()),
        (false, Some("unavailable"))
    );
}

#[test]
fn a_narrowed_token_never_replaces_the_sessions_default_token() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-narrow", None))));
    w.stored(interactive("rt-1"), Some(w.token("at-default", -5)));
    let narrow = Narrow {
        scope: Some("api:read".into()),
        audience: None,
    };
    let s =
        access_token_for(&w.ctx, &w.profile, Want::default(), &narrow, &mut None).expect("served");
    assert_eq!(s.token.access_token.expose(), "at-narrow");
    assert_eq!(s.token.scope.as_deref(), Some("api:read"));
    // Not rotated and narrowed: nothing worth a store write; the default cache is untouched.
    assert_eq!(w.log(), ["refresh with rt-1"]);
    assert_eq!(cached_at(&w.ctx.paths.token_cache("w")), "none");
    assert_eq!(
        cached_at(&w.ctx.paths.token_cache(&narrow.cache_key("w"))),
        "at-narrow"
    );
    let stored = w.stored_session();
    assert_eq!(
        stored.access.map(|a| a.access_token.expose().to_string()),
        Some("at-default".into())
    );
}

/// A workload-identity profile: `workload_identity` and `exchange` set.
fn workload_profile() -> Profile {
    let config = crate::config::Config {
        path: PathBuf::from("c.toml"),
        file: crate::config::parse(
            "[profiles.w]\nissuer = \"https://id.example\"\nclient_id = \"c\"\n\
             workload_identity = \"file:/ci/token\"\nexchange = \"jwt-bearer\"\n",
            Path::new("c.toml"),
        )
        .expect("a valid config"),
        text: String::new(),
    };
    config.profile("w").expect("profile w")
}

#[test]
fn a_workload_identity_exchanges_under_the_lock_and_stores_nothing() {
    let mut w = World::new(|_| Box::new(|_| Ok(tokens("at-x", Some("rt-ignored")))));
    w.profile = workload_profile();
    let s = w.serve(60).expect("served");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Refreshed, "at-x")
    );
    assert_eq!(w.log(), ["exchange jwt-bearer from file:/ci/token"]);
    // Nothing in the store (not even the refresh token of the answer); the cache serves next.
    assert!(w.store.load("w").expect("memory loads").is_none());
    assert!(
        !std::fs::read_to_string(w.ctx.paths.token_cache("w"))
            .unwrap()
            .contains("rt-ignored")
    );
    assert_eq!(w.serve(60).expect("served").source, Source::Cache);
    let state = read_state(&w.ctx.paths, "w");
    let last = state.last_refresh.expect("the exchange is recorded");
    assert!(last.ok && !last.rotated);
    // Within --min-ttl of expiry: a new exchange, never a refresh.
    w.clock.set(NOW + 3590);
    assert_eq!(w.serve(60).expect("served").source, Source::Refreshed);
    assert_eq!(w.log().len(), 2);
    assert!(w.log().iter().all(|l| l.starts_with("exchange ")));
}

#[test]
fn a_refused_exchange_is_recorded_with_the_providers_code() {
    let mut w = World::new(|_| Box::new(|_| Err(invalid_grant())));
    w.profile = workload_profile();
    assert!(w.serve(60).is_err());
    let last = read_state(&w.ctx.paths, "w")
        .last_refresh
        .expect("recorded");
    assert_eq!(
        (last.ok, last.error.as_deref()),
        (false, Some("invalid_grant"))
    );
    assert!(w.store.load("w").expect("memory loads").is_none());
}

// See: the demo under `.ci/run`. With XDG_STATE_HOME unset, the per-user lock of a keychain
// session and the profile lock are the same file: taking it twice (two open file descriptions)
// left the process waiting on itself until the lock timeout, on every keychain login.
#[test]
fn a_per_user_lock_that_is_the_profile_lock_is_taken_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = test_paths(dir.path());
    paths.user_state_dir = paths.state_dir.clone();
    assert_eq!(paths.user_lock_file("w"), paths.lock_file("w"));
    let settings = crate::settings::Settings {
        lock_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let ctx = Ctx::new(
        paths,
        Printer::new(Verbosity::Quiet),
        Some(crate::store::StoreKind::Keychain),
        settings,
    );
    let started = Instant::now();
    let lock = lock::ProfileLock::acquire_for(&ctx, "w", Some(crate::store::StoreKind::Keychain));
    assert!(lock.is_ok(), "{:?}", lock.err());
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[test]
fn a_min_ttl_longer_than_the_lifetime_is_capped_so_racers_share_one_refresh() {
    assert_eq!(super::serve::cap_min_ttl(60, Some(15)), (5, true));
    assert_eq!(super::serve::cap_min_ttl(60, Some(60)), (20, true));
    assert_eq!(super::serve::cap_min_ttl(60, Some(61)), (60, false));
    assert_eq!(super::serve::cap_min_ttl(60, None), (60, false));
    assert_eq!(super::serve::cap_min_ttl(60, Some(0)), (60, false));
    // 15-second tokens and the default --min-ttl 60: a caller that comes just after a refresh
    // takes the new token instead of refreshing again.
    let w = World::new(|_| {
        let mut n = 0;
        Box::new(move |_| {
            n += 1;
            Ok(TokenResponse {
                expires_in: Some(15),
                ..tokens(&format!("at-{}", n + 1), None)
            })
        })
    });
    w.cache("at-1", 15);
    w.stored(interactive("rt-1"), Some(w.token("at-1", 15)));
    for _ in 0..5 {
        let s = w.serve(60).expect("served");
        assert_eq!(
            (s.source, s.token.access_token.expose()),
            (Source::Cache, "at-1")
        );
    }
    assert!(w.log().is_empty(), "{:?}", w.log());
    // Within the last third of its life it is due: one refresh, then its token is served.
    w.clock.set(NOW + 11);
    let s = w.serve(60).expect("served");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Refreshed, "at-2")
    );
    w.clock.set(NOW + 12);
    for _ in 0..5 {
        let s = w.serve(60).expect("served");
        assert_eq!(s.token.access_token.expose(), "at-2");
    }
    assert_eq!(
        w.log().iter().filter(|l| l.starts_with("refresh")).count(),
        1,
        "{:?}",
        w.log()
    );
}

#[test]
fn a_narrowed_token_granted_wider_than_asked_is_refused_and_not_cached() {
    let w = World::new(|_| {
        Box::new(|_| {
            Ok(TokenResponse {
                scope: Some("api:read api:write".into()),
                ..tokens("at-wide", Some("rt-2"))
            })
        })
    });
    w.stored(interactive("rt-1"), Some(w.token("at-default", 3600)));
    let narrow = Narrow {
        scope: Some("api:read".into()),
        audience: None,
    };
    let e = access_token_for(&w.ctx, &w.profile, Want::default(), &narrow, &mut None).unwrap_err();
    let message = format!("{e:#}");
    assert!(message.contains("`api:read api:write`"), "{message}");
    assert!(message.contains("`api:read`"), "{message}");
    assert!(matches!(
        e.inner().downcast_ref::<SessionError>(),
        Some(SessionError::WiderScope { .. })
    ));
    assert_eq!(
        cached_at(&w.ctx.paths.token_cache(&narrow.cache_key("w"))),
        "none"
    );
    // The rotated refresh token is kept all the same: losing it would end the session.
    let kept = w.stored_session();
    assert!(
        kept.grant
            .refresh_token()
            .is_some_and(|rt| rt.expose() == "rt-2")
    );
}

/// `--token id`: the ID token's own lifetime decides, a refresh without one keeps the old one,
/// and an expired one is never served. See: issue 20.
#[test]
fn an_id_token_is_refreshed_for_kept_when_not_renewed_and_never_served_expired() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-2", None))));
    let with_id = CachedToken {
        id_token: Some(crate::secret::IdToken::new("id-1")),
        id_expires_at: Some(NOW + 100),
        id_obtained_at: None,
        ..w.token("at-1", 3600)
    };
    files::write_cache(&w.ctx.paths, &w.ctx.printer, "w", &with_id);
    w.stored(interactive("rt-1"), Some(with_id));
    let id = |min_ttl| {
        access_token(
            &w.ctx,
            &w.profile,
            Want {
                min_ttl,
                token: TokenKind::Id,
                ..Want::default()
            },
        )
    };
    // The access token lives an hour; the ID token 100 s: that is what --min-ttl weighs.
    let s = id(60).expect("served");
    assert_eq!(
        (s.source, s.token.access_token.expose()),
        (Source::Cache, "id-1")
    );
    assert_eq!(s.token.expires_at, Some(NOW + 100));
    // Half its life later, a --min-ttl shorter than its lifetime but longer than what is left
    // (a --min-ttl beyond the whole lifetime is capped: see the next test).
    w.clock.set(NOW + 50);
    let s = id(60).expect("served");
    assert_eq!(s.source, Source::Refreshed);
    assert_eq!(
        s.token.access_token.expose(),
        "id-1",
        "kept: the refresh brought none"
    );
    // The access token is the refreshed one, with the ID token beside it in the cache.
    let s = w.serve(60).expect("served");
    assert_eq!(s.token.access_token.expose(), "at-2");
    assert_eq!(s.token.id_token.as_ref().map(|t| t.expose()), Some("id-1"));
    w.clock.set(NOW + 100);
    let e = id(0).expect_err("an expired ID token is never served");
    assert!(
        matches!(
            e.inner().downcast_ref::<SessionError>(),
            Some(SessionError::NoIdToken { held: true, .. })
        ),
        "{e:#}"
    );
}

/// A kept ID token's lifetime counts from when it came, not from the access token refreshed
/// since: `--min-ttl` 900 on an hour-long ID token with 600 s left refreshes, where measuring
/// from the access token (600 s "lifetime") capped --min-ttl and served it from the cache.
/// See: issue 20.
#[test]
fn min_ttl_weighs_the_whole_life_of_a_kept_id_token() {
    let w = World::new(|_| Box::new(|_| Ok(tokens("at-2", None))));
    w.clock.set(NOW + 3000);
    let kept = CachedToken {
        id_token: Some(crate::secret::IdToken::new("id-1")),
        id_expires_at: Some(NOW + 3600),
        id_obtained_at: Some(NOW),
        ..w.token("at-1", 300)
    };
    files::write_cache(&w.ctx.paths, &w.ctx.printer, "w", &kept);
    w.stored(interactive("rt-1"), Some(kept));
    let s = access_token(
        &w.ctx,
        &w.profile,
        Want {
            min_ttl: 900,
            token: TokenKind::Id,
            ..Want::default()
        },
    )
    .expect("served");
    assert_eq!(
        s.source,
        Source::Refreshed,
        "not capped: the ID token lives an hour"
    );
    assert_eq!(s.token.access_token.expose(), "id-1");
}

/// See: issue 22. A DPoP key on a PKCS#11 token that cannot sign (its module gone, here) fails
/// the refresh before anything is sent or stored: the refresh token is not spent.
#[test]
fn a_token_key_that_cannot_sign_fails_the_refresh_before_any_request() {
    let w = World::new(never());
    let key = DpopKey::from_token_ref(crate::oauth::TokenKeyRef {
        uri: "pkcs11:token=gone;object=k".into(),
        module: PathBuf::from("/nonexistent/libgone.so"),
        token: "gone".into(),
        x: "AAAA".into(),
        y: "AAAA".into(),
    });
    w.stored(
        Grant::Interactive {
            refresh_token: RefreshToken::new("rt-1"),
            dpop_key: Some(key),
        },
        Some(w.token("at-1", -5)),
    );
    let e = w.serve(60).expect_err("the token cannot sign");
    assert!(matches!(
        e.inner().downcast_ref::<crate::oauth::Pkcs11Error>(),
        Some(crate::oauth::Pkcs11Error::Module { .. })
    ));
    assert!(
        w.log().is_empty(),
        "no request, no store write: {:?}",
        w.log()
    );
    let s = w.stored_session();
    assert_eq!(s.grant.refresh_token().unwrap().expose(), "rt-1");
    assert!(s.grant.dpop_key().unwrap().token_ref().is_some());
}

// The wait for the profile lock flows back to the caller as a value (no cell in the `Ctx`):
// `commands::request` puts it into the `request` event, also when the lock was not had.
#[test]
fn a_lock_wait_is_reported_to_the_caller_whether_the_lock_is_had_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let settings = crate::settings::Settings {
        lock_timeout: Duration::from_millis(200),
        ..Default::default()
    };
    let ctx = Ctx::new(
        test_paths(dir.path()),
        Printer::new(Verbosity::Quiet),
        Some(crate::store::StoreKind::File),
        settings,
    );
    let mut waited = None;
    let held = lock::ProfileLock::acquire_noting_wait(&ctx, "w", None, &mut waited);
    assert!(held.is_ok(), "{:?}", held.err());
    assert_eq!(waited, None, "a free lock is not waited for");
    let second = lock::ProfileLock::acquire_noting_wait(&ctx, "w", None, &mut waited);
    assert!(
        second.is_err(),
        "the lock is held: the second holder times out"
    );
    assert!(
        waited.is_some(),
        "the wait is reported though the lock was not had"
    );
    drop(held);
    let mut waited = None;
    let again = lock::ProfileLock::acquire_noting_wait(&ctx, "w", None, &mut waited);
    assert!(again.is_ok(), "{:?}", again.err());
    assert_eq!(waited, None);
}
