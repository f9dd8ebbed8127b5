//! The session, as the token source of the credential helpers (`git-credential`,
//! `docker-credential`): the one place helpers meet `session`.

use crate::config::{Config, Profile};
use crate::error::{Code, Hinted};
use crate::helpers::{Token, Tokens};
use crate::session::{self, Want};

use super::Env;

pub struct SessionTokens<'a> {
    pub env: &'a Env,
    pub config: &'a Config,
}

impl Tokens for SessionTokens<'_> {
    fn get(&mut self, profile: &str, host: &str) -> anyhow::Result<Token> {
        let profile = self.config.profile(profile)?;
        self.env.ctx.set_requester_host(host);
        refuse_dpop(&profile, profile.is_dpop())?;
        // The default --min-ttl is the leeway the helpers subtract from the expiry they report.
        let served = session::access_token(&self.env.ctx, &profile, Want::default())?;
        refuse_dpop(&profile, served.token.is_dpop())?;
        Ok(Token {
            access_token: served.token.access_token,
            expires_at: served.token.expires_at,
        })
    }

    fn reject(&mut self, profile: &str, fingerprint: Option<&str>) -> anyhow::Result<bool> {
        let profile = self.config.profile(profile)?;
        session::reject_access_token(&self.env.ctx, &profile, fingerprint)
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
