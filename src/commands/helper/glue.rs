//! The glue every helper command shares: the set-up ([`start`]), the one generic [`serve`]
//! that runs a protocol's [`Helper`] over stdin and stdout and reports how it ended, and the
//! session as the helpers' token source ([`SessionTokens`]): the one place helpers meet
//! `session`. The per-protocol files use it; it uses none of them.

use std::io::{BufRead, Write};

use crate::config::{Config, Profile};
use crate::error::{Code, Hinted, classify};
use crate::helpers::{self, Helper, Outcome, Protocol, Token, TokenError, Tokens};
use crate::session::{self, Want};
use crate::time::now;

use crate::commands::Env;

/// The set-up of every helper: name the consumer in the audit log, load the config, and return
/// the session as the protocol's token source.
pub fn start<'a>(env: &'a Env, protocol: &'static Protocol) -> anyhow::Result<SessionTokens<'a>> {
    env.ctx.set_requester(protocol.consumer, None);
    let config = env.config()?;
    Ok(SessionTokens {
        env,
        config,
        protocol,
        failure: None,
    })
}

/// Serve `action` of `helper` over `input` and stdout with the session's tokens, then say on
/// stderr how it ended. A failure is the session's own error (its exit code and hint), or the
/// protocol's.
pub fn serve<H: Helper>(
    tokens: &mut SessionTokens<'_>,
    helper: &H,
    action: &str,
    input: impl BufRead,
) -> anyhow::Result<Outcome> {
    let mut stdout = std::io::stdout().lock();
    let served = helpers::serve(helper, action, input, &mut stdout, tokens, now());
    let outcome = served.map_err(|e| tokens.failure(e))?;
    stdout.flush()?;
    report(tokens.env, tokens.protocol, &outcome);
    Ok(outcome)
}

/// The stderr lines for how a helper ended (stdout belongs to the protocol).
fn report(env: &Env, protocol: &Protocol, outcome: &Outcome) {
    let p = &env.ctx.printer;
    let client = protocol.consumer.as_str();
    match outcome {
        Outcome::Answered { profile } => {
            p.verbose(format!("answered with the token of profile `{profile}`"))
        }
        Outcome::NotOurs => p.verbose("no profile serves this host; nothing to answer"),
        Outcome::Cleartext { host } => p.warn(format!(
            "not sending a token to http://{host}: plain http is allowed only for loopback hosts; use https://"
        )),
        Outcome::Erased { profile, forgot } => p.verbose(format!(
            "{client} rejected the token of profile `{profile}`{}",
            if *forgot {
                "; forgot it"
            } else {
                " (already replaced)"
            }
        )),
        Outcome::Failed { note: Some(note) } => p.info(format!("  hint: {note}")),
        Outcome::LoginRequired { .. } | Outcome::Failed { note: None } | Outcome::Ignored => {}
    }
}

/// The error a helper's failure becomes: the session's own error when the token source
/// failed (so its exit code and hint survive), else the protocol's.
pub fn into_anyhow(e: helpers::Error, source: Option<anyhow::Error>) -> anyhow::Error {
    match e {
        helpers::Error::Tokens(t) => source.unwrap_or_else(|| anyhow::Error::new(t)),
        helpers::Error::Git(e) => e.into(),
        helpers::Error::Terraform(e) => e.into(),
        helpers::Error::Io(e) => e.into(),
    }
}

/// The session, as helpers see it.
pub struct SessionTokens<'a> {
    pub env: &'a Env,
    pub config: Config,
    protocol: &'static Protocol,
    /// The session's error behind the last [`TokenError`] handed to the helper.
    failure: Option<anyhow::Error>,
}

impl SessionTokens<'_> {
    /// Warn about the entries of the protocol's config key that could not be used (the targets
    /// built from the rest still answer).
    pub fn warn(&self, problems: Vec<String>) {
        for problem in problems {
            self.env.ctx.printer.warn(problem);
        }
    }

    /// The profile a client named itself (kubectl's `-p`), else the default one; checked, so a
    /// bad profile is reported before anything else.
    pub fn select(&self, explicit: Option<&str>) -> anyhow::Result<String> {
        let name = self.config.select(explicit)?;
        self.config.profile(&name)?;
        Ok(name)
    }

    /// `e` as the command's error (see [`into_anyhow`]).
    pub fn failure(&mut self, e: helpers::Error) -> anyhow::Error {
        into_anyhow(e, self.failure.take())
    }

    /// Keep `e` for the command and hand the helper its protocol meaning.
    fn typed(&mut self, e: anyhow::Error) -> TokenError {
        let message = format!("{e:#}");
        let typed = match classify(&e).0 {
            Code::LoginRequired => TokenError::LoginRequired(message),
            _ => TokenError::Failed(message),
        };
        self.failure = Some(e);
        typed
    }

    /// [`Self::typed`] for a profile whose tokens the client cannot use.
    fn unsupported(&mut self, e: Hinted) -> TokenError {
        let typed = TokenError::NotSupported(e.to_string());
        self.failure = Some(e.into());
        typed
    }
}

impl Tokens for SessionTokens<'_> {
    fn get(&mut self, profile: &str, host: &str) -> Result<Token, TokenError> {
        let profile = match self.config.profile(profile) {
            Ok(p) => p,
            Err(e) => return Err(self.typed(e.into())),
        };
        if !host.is_empty() {
            self.env.ctx.set_requester_host(host);
        }
        if let Err(e) = refuse_dpop(&profile, profile.is_dpop()) {
            return Err(self.unsupported(e));
        }
        // The default --min-ttl is the leeway the helpers subtract from the expiry they report.
        let served = match session::access_token(&self.env.ctx, &profile, Want::default()) {
            Ok(s) => s,
            Err(e) => return Err(self.typed(e)),
        };
        if let Err(e) = refuse_dpop(&profile, served.token.is_dpop()) {
            return Err(self.unsupported(e));
        }
        Ok(Token {
            access_token: served.token.access_token,
            expires_at: served.token.expires_at,
        })
    }

    fn reject(&mut self, profile: &str, fingerprint: Option<&str>) -> Result<bool, TokenError> {
        let rejected = self
            .config
            .profile(profile)
            .map_err(anyhow::Error::from)
            .and_then(|p| session::reject_access_token(&self.env.ctx, &p, fingerprint));
        rejected.map_err(|e| self.typed(e))
    }
}

/// git, docker and kubectl send a token as a bearer credential: they cannot add the DPoP proof
/// (RFC 9449) each request with a DPoP-bound token needs, so helpers refuse such profiles.
pub fn refuse_dpop(profile: &Profile, bound: bool) -> Result<(), Hinted> {
    if !bound {
        return Ok(());
    }
    let name = &profile.name;
    Err(Hinted::new(
        Code::Config,
        format!(
            "profile `{name}` uses DPoP-bound tokens, which git, docker and kubectl cannot use: \
             every request needs a proof signed by tok's key"
        ),
        Some(format!(
            "use a profile without `dpop = true` for them; scripts can use `tok print -p {name} --format dpop`"
        )),
    ))
}
