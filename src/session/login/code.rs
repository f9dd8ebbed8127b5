//! The authorization code flow of a login (RFC 6749 §4.1 with PKCE, RFC 9126 pushed requests,
//! the loopback or pasted redirect): `Flow`'s methods for it, apart from the device and seeded
//! flows in `mod.rs`.

use super::*;
use crate::oauth::{pkce_verifier, random_urlsafe};

impl<C: Client> Flow<'_, C> {
    /// The authorization code flow, with the browser on this machine (a loopback listener
    /// takes the redirect) or, `pasted`, on any machine (the user pastes the redirect URL).
    pub(super) fn code(
        &self,
        pasted: bool,
        mut dpop: Option<&mut Prover<'_>>,
    ) -> Result<TokenResponse, Error> {
        let profile = self.profile;
        let auth_url = self.ep.authorization.as_ref().ok_or_else(|| {
            OAuthError::Discovery(format!(
                "{} offers no authorization endpoint; use --device",
                profile.issuer
            ))
        })?;
        let redirect = &profile.redirect;
        let receiver = if pasted {
            // The browser's redirect then fails to load, and its address bar shows the URL to
            // paste. Port 0: a free port, released at once; a fixed one is used as it is.
            let port = match redirect.port {
                0 => redirect.bind()?.1,
                port => port,
            };
            Receiver::Paste { port }
        } else {
            let warn = self.ctx.printer.clone();
            let pages = Pages {
                profile: profile.name.clone(),
                issuer: profile.issuer.to_string(),
            };
            Receiver::Loopback(Listener::bind(pages, redirect, move |m| warn.warn(m))?)
        };
        let redirect_uri = match &receiver {
            Receiver::Loopback(l) => l.redirect_uri(),
            Receiver::Paste { port } => redirect.with_port(*port),
        };
        let verifier = pkce_verifier();
        let state = random_urlsafe(16);
        let jkt = dpop.as_ref().map(|d| d.key.thumbprint());
        let scope = profile.scope_string();
        let party = Party {
            client_id: &profile.client_id,
            scope: scope.as_deref(),
            resource: profile.audience.as_deref(),
            issuer: &profile.issuer_text,
            auth_params: &profile.auth_params,
        };
        // OIDC: a fresh nonce whenever an ID token may come back; kept for this login only.
        let nonce = profile
            .scopes
            .iter()
            .any(|s| s == "openid")
            .then(|| random_urlsafe(16));
        *self.nonce.borrow_mut() = nonce.clone();
        let url = grant::authorization_url(
            &party,
            auth_url,
            &redirect_uri,
            &state,
            &verifier,
            jkt.as_deref(),
            nonce.as_deref(),
        );
        let plain = url;
        let (url, expires) = self.pushed(&plain, dpop.as_deref_mut())?;
        let cb = match &receiver {
            Receiver::Loopback(listener) => {
                if let Some(e) = expires {
                    listener.expires(e);
                }
                let mut repush = || self.pushed(&plain, dpop.as_deref_mut());
                self.browser_callback(&url, listener, &state, &mut repush)?
            }
            Receiver::Paste { .. } => self.pasted_callback(&url, &redirect_uri, &state)?,
        };
        self.exchange(&party, &receiver, &redirect_uri, &verifier, cb, dpop)
    }

    /// RFC 9126: when the server requires it or the profile asks for it, push the request and
    /// return the URL that refers to it and when that stops working; else `url` itself.
    fn pushed(
        &self,
        url: &Url,
        dpop: Option<&mut Prover<'_>>,
    ) -> Result<(Url, Option<Instant>), Error> {
        let (profile, ep) = (self.profile, self.ep);
        if !(profile.par || ep.par_required) {
            return Ok((url.clone(), None));
        }
        let par_url = ep.par.as_ref().ok_or_else(|| {
            OAuthError::Discovery(format!(
                "{} publishes no pushed_authorization_request_endpoint, so profile `{}` cannot push its authorization request (par = true)",
                profile.issuer, profile.name
            ))
        })?;
        let pushed =
            grant::push_authorization(self.client, par_url, url, &profile.client_id, dpop)?;
        self.ctx.printer.verbose(format!(
            "pushed the authorization request; its request_uri is valid for {} s",
            pushed.expires_in
        ));
        // A few seconds early: the server's clock started before the answer reached us.
        let valid = Duration::from_secs(pushed.expires_in.saturating_sub(5).max(0) as u64);
        Ok((pushed.url, Some(Instant::now() + valid)))
    }

    fn exchange(
        &self,
        party: &Party<'_>,
        receiver: &Receiver,
        redirect_uri: &str,
        verifier: &Ephemeral,
        cb: Callback,
        dpop: Option<&mut Prover<'_>>,
    ) -> Result<TokenResponse, Error> {
        let exchange = Exchange {
            token_url: &self.ep.token,
            iss_parameter: self.ep.iss_parameter,
            redirect_uri,
            verifier,
        };
        let resp = grant::exchange_code(self.client, party, &exchange, cb, dpop);
        // The browser waits on the callback for this outcome: it is sent on to /done or
        // /failed, so no code or state stays in its address bar or history.
        if let Receiver::Loopback(listener) = receiver {
            listener.finish(resp.is_ok());
        }
        resp.map_err(|e| match e {
            e @ OAuthError::AccessDenied { .. } => self.login_error(e),
            e => e.into(),
        })
    }

    /// Open the browser at `url` and wait for its redirect on the loopback listener; a browser
    /// that opens the start link after a pushed request expired is sent to a new one
    /// (`repush`).
    fn browser_callback(
        &self,
        url: &Url,
        listener: &Listener,
        state: &str,
        repush: &mut dyn FnMut() -> Result<(Url, Option<Instant>), Error>,
    ) -> Result<Callback, Error> {
        self.ui
            .browser(url, &listener.start_link(url.as_str(), state));
        let deadline = Instant::now() + self.timeout;
        self.ui.waiting(Wait::Browser, deadline);
        let cb = loop {
            match listener.wait_event(state, deadline) {
                Ok(Waited::Callback(cb)) => break Ok(cb),
                Ok(Waited::LinkExpired) => {
                    self.ctx.printer.verbose(
                        "the pushed authorization request expired before the browser opened it; pushing it again",
                    );
                    match repush() {
                        Ok((url, expires)) => listener.restart(url.as_str(), expires),
                        Err(e) => {
                            self.ui.done_waiting();
                            listener.finish(false);
                            return Err(e);
                        }
                    }
                }
                Err(e) => break Err(e),
            }
        };
        self.ui.done_waiting();
        cb.map_err(|e| self.login_error(e))
    }

    /// `--paste`: for a machine whose loopback the browser cannot reach.
    fn pasted_callback(
        &self,
        url: &Url,
        redirect_uri: &str,
        state: &str,
    ) -> Result<Callback, Error> {
        let Some(line) = self.ui.paste(url, redirect_uri, self.timeout)? else {
            return Err(self.login_error(OAuthError::Expired));
        };
        if line.trim().is_empty() {
            return Err(LoginError::NothingPasted {
                profile: self.profile_name(),
            }
            .into());
        }
        self.ctx.printer.verbose("read the pasted URL");
        let path = &self.profile.redirect.path;
        match parse_callback_at(&paste_target(&line, path), path, state) {
            Outcome::Done(cb) => Ok(cb),
            Outcome::Ignore(why) => Err(LoginError::NotTheRedirect {
                profile: self.profile_name(),
                redirect_uri: redirect_uri.to_string(),
                why,
            }
            .into()),
        }
    }
}

/// Where the authorization response arrives.
enum Receiver {
    Loopback(Listener),
    /// `--paste`: the browser's redirect goes to this unused loopback port.
    Paste {
        port: u16,
    },
}

/// The request target (`/callback?…`) in what the user pasted: a full URL, a path, or a query
/// (taken as one for `callback_path`).
pub fn paste_target(pasted: &str, callback_path: &str) -> String {
    let t = pasted.trim();
    if let Ok(u) = Url::parse(t) {
        return match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        };
    }
    if t.starts_with('/') {
        return t.to_string();
    }
    format!("{callback_path}?{}", t.trim_start_matches('?'))
}
