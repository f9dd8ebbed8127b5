//! The glue every helper command shares: the set-up ([`start`]), the one generic [`serve`]
//! that runs a protocol's [`Helper`] over stdin and stdout and reports how it ended, and the
//! session as the helpers' token source ([`SessionTokens`]): the one place helpers meet
//! `session`. The per-protocol files use it; it uses none of them.

use std::io::{BufRead, Write};

use crate::audit::Requester;
use crate::config::{Config, Profile};
use crate::error::{Code, Hinted, classify};
use crate::helpers::{self, Demand, Helper, Outcome, Protocol, Token, TokenError, Tokens};
use crate::session::{self, Narrow, TokenKind, Want};
use crate::time::now;

use crate::commands::Env;

/// The set-up of every helper: load the config, and return the session as the protocol's
/// token source (naming the protocol in the audit log's requests).
pub fn start<'a>(env: &'a Env, protocol: &'static Protocol) -> anyhow::Result<SessionTokens<'a>> {
    let config = env.config()?;
    Ok(SessionTokens {
        env,
        config,
        protocol,
        kind: TokenKind::Access,
        prompt_forbidden: crate::commands::stepup::prompt_forbidden,
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
    let outcome = served.map_err(into_anyhow)?;
    stdout.flush()?;
    report(tokens.env, tokens.protocol, &outcome);
    Ok(outcome)
}

/// The stderr lines for how a helper ended (stdout belongs to the protocol).
fn report(env: &Env, protocol: &Protocol, outcome: &Outcome) {
    let p = &env.ctx.printer;
    let client = protocol.subcommand.trim_end_matches("-credential");
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
pub fn into_anyhow(e: helpers::Error) -> anyhow::Error {
    match e {
        // Printed as the failure inside, and classified as it (`error::classify`).
        helpers::Error::Tokens(e) => e.into(),
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
    /// The token served: the access token, or (kubectl with `kubectl_token = "id"`) the ID token.
    pub kind: TokenKind,
    /// Why a step-up login must not start here, if it must not (the client's own rules).
    pub prompt_forbidden: fn(&crate::settings::Settings) -> Option<&'static str>,
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

    /// [`Tokens::get_for`]: a stepped-up (RFC 9470) and/or narrowed token, or a step-up
    /// login for one when the client lets tok prompt.
    fn demanded(&mut self, profile: &str, host: &str, demand: &Demand) -> anyhow::Result<Token> {
        let profile = self.config.profile(profile)?;
        refuse_dpop(&profile, profile.is_dpop())?;
        let scopes: Vec<String> = demand.scope.iter().cloned().collect();
        let narrow = crate::commands::print::narrow(&scopes, None);
        let want = Want {
            token: self.kind,
            ..Want::default()
        };
        let who = Requester {
            consumer: self.protocol.consumer.clone(),
            host: (!host.is_empty()).then(|| host.to_string()),
        };
        let env = self.env;
        let served = match session::StepUp::new(demand.acr_values.as_deref(), demand.max_age) {
            None => crate::commands::request::token(&env.ctx, &profile, want, &narrow, &who)?,
            Some(step) => {
                let forbidden = (self.prompt_forbidden)(&env.ctx.settings);
                crate::commands::stepup::token(
                    env, &profile, want, &narrow, &step, &who, forbidden,
                )?
            }
        };
        Ok(Token {
            access_token: served.token.access_token,
            expires_at: served.token.expires_at,
        })
    }

    /// [`Tokens::get`], its failure not yet sorted by what the protocol does about it.
    fn token(&mut self, profile: &str, host: &str) -> anyhow::Result<Token> {
        let profile = self.config.profile(profile)?;
        let who = Requester {
            consumer: self.protocol.consumer.clone(),
            host: (!host.is_empty()).then(|| host.to_string()),
        };
        refuse_dpop(&profile, profile.is_dpop())?;
        // The default --min-ttl is the leeway the helpers subtract from the expiry they report.
        let served = crate::commands::request::token(
            &self.env.ctx,
            &profile,
            Want {
                token: self.kind,
                ..Want::default()
            },
            &Narrow::default(),
            &who,
        )?;
        refuse_dpop(&profile, served.token.is_dpop())?;
        Ok(Token {
            access_token: served.token.access_token,
            expires_at: served.token.expires_at,
        })
    }
}

/// A token source's failure in the terms a protocol acts on: "log in first", or not.
fn typed(e: anyhow::Error) -> TokenError {
    let (code, cause) = settled(&e);
    match code {
        Code::LoginRequired => TokenError::LoginRequired(cause),
        _ => TokenError::Other(cause),
    }
}

/// A failure as it prints (with its context, `: `-separated) and classifies (its exit code and
/// hint), settled here: the typed error inside an `anyhow::Error` cannot be moved out whole.
fn settled(e: &anyhow::Error) -> (Code, helpers::Cause) {
    let (code, hint) = classify(e);
    (code, Box::new(Hinted::new(code, format!("{e:#}"), hint)))
}

impl Tokens for SessionTokens<'_> {
    fn get(&mut self, profile: &str, host: &str) -> Result<Token, TokenError> {
        self.token(profile, host).map_err(typed)
    }

    /// A step-up that cannot happen here is not "log in first" (`tok login` would not help):
    /// its error names the command that gets the token.
    fn get_for(&mut self, profile: &str, host: &str, demand: &Demand) -> Result<Token, TokenError> {
        let stepping_up = demand.acr_values.is_some() || demand.max_age.is_some();
        self.demanded(profile, host, demand)
            .map_err(|e| match stepping_up {
                true => TokenError::Other(settled(&e).1),
                false => typed(e),
            })
    }

    fn reject(&mut self, profile: &str, fingerprint: Option<&str>) -> Result<bool, TokenError> {
        let rejected = self
            .config
            .profile(profile)
            .map_err(anyhow::Error::from)
            .and_then(
                |p| match session::step_up_forget(&self.env.ctx, &p, fingerprint) {
                    true => Ok(true),
                    false => Ok(session::reject_access_token(
                        &self.env.ctx,
                        &p,
                        fingerprint,
                    )?),
                },
            );
        rejected.map_err(typed)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_failure_prints_and_classifies_as_the_failure_inside_it() {
        let refused = || {
            let hinted = Hinted::new(Code::Config, "no DPoP here", Some("use another".into()));
            anyhow::Error::new(hinted)
        };
        let not_in = || {
            let e = session::SessionError::NotLoggedIn {
                profile: "work".into(),
            };
            anyhow::Error::new(session::Error::from(e)).context("profile `work`")
        };
        for (make, code) in [
            (refused as fn() -> anyhow::Error, Code::Config),
            (not_in, Code::LoginRequired),
        ] {
            let alone = make();
            let token = typed(make());
            assert_eq!(token.is_login_required(), code == Code::LoginRequired);
            let token = into_anyhow(helpers::Error::from(token));
            assert_eq!(format!("{token:#}"), format!("{alone:#}"));
            assert_eq!(classify(&token), classify(&alone));
            assert_eq!(classify(&token).0, code, "{alone:#}");
        }
    }
}
