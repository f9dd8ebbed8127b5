//! The session, as the token source of the credential helpers (`git-credential`,
//! `docker-credential`): the one place helpers meet `session`.

use crate::config::Config;
use crate::helpers::{Token, Tokens};
use crate::session::{self, Want};

use super::Env;

pub struct SessionTokens<'a> {
    pub env: &'a Env,
    pub config: &'a Config,
}

impl Tokens for SessionTokens<'_> {
    fn get(&mut self, profile: &str) -> anyhow::Result<Token> {
        let profile = self.config.profile(profile)?;
        // The default --min-ttl is the leeway the helpers subtract from the expiry they report.
        let served = session::access_token(&self.env.ctx, &profile, Want::default())?;
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
