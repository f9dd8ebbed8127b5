//! `tok print`: a valid access token on stdout and nothing else.

use crate::cli::PrintArgs;
use crate::session::{self, Want};

use super::Env;

pub fn run(env: &Env, args: PrintArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let want = Want {
        min_ttl: args.min_ttl,
        force_refresh: args.force_refresh,
    };
    let served = session::access_token(&env.ctx, &profile, want)?;
    // The boundary: the token leaves tok here, on stdout only.
    env.ctx
        .printer
        .stdout(&format!("{}\n", served.token.access_token.expose()))?;
    Ok(())
}
