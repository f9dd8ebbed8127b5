//! The seams of the serve and refresh decisions: the token endpoint and the clock. The real
//! ones talk HTTP ([`Remote`], over [`crate::oauth::Http`]) and read the system clock;
//! unit tests pass scripted ones, so every decision is tested without a server or a sleep.

use std::cell::OnceCell;

use url::Url;

use crate::config::Profile;
use crate::oauth::grant;
use crate::oauth::grant::{
    CiEnv, IdentityClaims as Claims, IdentityExchange, JWT_TOKEN_TYPE, WorkloadIdentity,
    exchange_identity, fetch_identity, workload_refusal,
};
use crate::oauth::{
    ClientAuth, DpopKey, Endpoints, Http, Issuer, IssuerMatch, OAuthError, Prover, TokenResponse,
    endpoints, load_nonce, save_nonce,
};
use crate::output::Printer;
use crate::paths::Paths;
use crate::secret::{ClientSecret, RefreshToken};
use crate::settings::HttpSettings;

use super::Error;
use super::model::Narrow;

/// The token endpoint of a profile's provider, as the session needs it.
pub trait TokenEndpoint {
    /// The token endpoint's URL (resolving discovery), for messages and before any request.
    fn url(&self, profile: &Profile) -> Result<Url, OAuthError>;

    /// RFC 6749 §6: exchange `refresh_token`, narrowed by `narrow`, with a DPoP proof from
    /// `dpop_key` when the tokens are bound to one.
    fn refresh(
        &self,
        profile: &Profile,
        url: &Url,
        refresh_token: &RefreshToken,
        narrow: &Narrow,
        dpop_key: Option<&DpopKey>,
    ) -> Result<TokenResponse, OAuthError>;

    /// RFC 6749 §4.4: a token for the confidential client itself.
    fn client_credentials(
        &self,
        profile: &Profile,
        url: &Url,
        secret: &ClientSecret,
        narrow: &Narrow,
    ) -> Result<TokenResponse, OAuthError>;

    /// Workload identity: a fresh identity token from the CI platform (`ci`), exchanged as
    /// `wi` says. The claims come back for display; a refusal is a
    /// [`WorkloadError::Refused`](crate::oauth::grant::workload_identity::WorkloadError).
    fn workload_exchange(
        &self,
        profile: &Profile,
        url: &Url,
        wi: &WorkloadIdentity,
        ci: &CiEnv<'_>,
        narrow: &Narrow,
        now: i64,
    ) -> Result<(TokenResponse, Claims), Error>;
}

/// Unix seconds, as the session sees them.
pub trait Clock {
    fn now(&self) -> i64;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        crate::time::now()
    }
}

/// The real token endpoint: discovery (cached on disk), then HTTP, with the DPoP nonce
/// remembered between runs.
pub struct Remote {
    paths: Paths,
    printer: Printer,
    settings: HttpSettings,
    http: OnceCell<Http>,
}

impl Remote {
    pub fn new(paths: Paths, printer: Printer, settings: HttpSettings) -> Self {
        Self {
            paths,
            printer,
            settings,
            http: OnceCell::new(),
        }
    }

    /// The HTTP client, built on first use.
    pub fn http(&self) -> &Http {
        self.http.get_or_init(|| {
            let mut h = Http::new(&self.settings);
            let printer = self.printer.clone();
            h.set_observer(move |m| printer.verbose(m));
            h
        })
    }

    /// The HTTP client, set up for `profile`'s trust (`ca_file`) and proxy. Builds nothing
    /// and reads no file until a request is made.
    pub fn http_for(&self, profile: &Profile) -> &Http {
        let http = self.http();
        http.set_network(&profile.network);
        http
    }

    /// The endpoints of `profile` (discovery cached on disk). Every flow resolves them before
    /// its first request, so this is where the client takes on the profile's network.
    pub fn endpoints(&self, profile: &Profile) -> Result<Endpoints, OAuthError> {
        let http = self.http_for(profile);
        endpoints(
            issuer(profile),
            &profile.endpoints,
            &self.paths,
            || http,
            IssuerMatch::Exact,
        )
    }

    /// [`Remote::endpoints`] for a login: the document's issuer may differ from the configured
    /// one by a trailing slash (the login then adopts the document's form).
    pub fn endpoints_for_login(&self, profile: &Profile) -> Result<Endpoints, OAuthError> {
        let http = self.http_for(profile);
        endpoints(
            issuer(profile),
            &profile.endpoints,
            &self.paths,
            || http,
            IssuerMatch::ModuloSlash,
        )
    }
}

fn issuer(profile: &Profile) -> Issuer<'_> {
    Issuer {
        url: &profile.issuer,
        text: &profile.issuer_text,
    }
}

impl TokenEndpoint for Remote {
    fn url(&self, profile: &Profile) -> Result<Url, OAuthError> {
        Ok(self.endpoints(profile)?.token)
    }

    fn refresh(
        &self,
        profile: &Profile,
        url: &Url,
        refresh_token: &RefreshToken,
        narrow: &Narrow,
        dpop_key: Option<&DpopKey>,
    ) -> Result<TokenResponse, OAuthError> {
        // A DPoP-bound refresh token is useless without a proof from the session's key.
        let mut prover = dpop_key.map(|key| Prover {
            key,
            nonce: load_nonce(&self.paths, url),
        });
        let result = grant::refresh(
            self.http_for(profile),
            url,
            ClientAuth::None {
                client_id: &profile.client_id,
            },
            refresh_token,
            narrow.scope.as_deref(),
            narrow.audience.as_deref().or(profile.audience.as_deref()),
            prover.as_mut(),
        );
        if let Some(n) = prover.and_then(|p| p.nonce) {
            save_nonce(&self.paths, url, &n);
        }
        result
    }

    fn client_credentials(
        &self,
        profile: &Profile,
        url: &Url,
        secret: &ClientSecret,
        narrow: &Narrow,
    ) -> Result<TokenResponse, OAuthError> {
        let scope = narrow.scope.clone().or_else(|| profile.scope_string());
        let resource = narrow.audience.as_deref().or(profile.audience.as_deref());
        grant::client_credentials(
            self.http_for(profile),
            url,
            &profile.client_id,
            secret,
            scope.as_deref(),
            resource,
        )
    }

    fn workload_exchange(
        &self,
        profile: &Profile,
        url: &Url,
        w: &WorkloadIdentity,
        ci: &CiEnv<'_>,
        narrow: &Narrow,
        now: i64,
    ) -> Result<(TokenResponse, Claims), Error> {
        let ci_audience = w
            .ci_audience
            .clone()
            .unwrap_or_else(|| profile.issuer.as_str().trim_end_matches('/').to_string());
        let fetched = fetch_identity(self.http(), &w.source, &ci_audience, ci, now)?;
        self.printer.verbose(format!(
            "identity token {} from {} (sub {})",
            fetched.token.fingerprint(),
            fetched.origin,
            fetched.claims.sub.as_deref().unwrap_or("?")
        ));
        let scope = narrow.scope.clone().or_else(|| profile.scope_string());
        let x = IdentityExchange {
            method: w.method,
            client_id: &profile.client_id,
            identity: &fetched.token,
            subject_token_type: w.subject_token_type.as_deref().unwrap_or(JWT_TOKEN_TYPE),
            scope: scope.as_deref(),
            resource: narrow.audience.as_deref().or(profile.audience.as_deref()),
            params: &w.params,
        };
        match exchange_identity(self.http(), url, &x) {
            Ok(resp) => Ok((resp, fetched.claims)),
            Err(e) => Err(match workload_refusal(&e, w.method, &fetched.claims) {
                Some(refused) => refused.into(),
                None => e.into(),
            }),
        }
    }
}
