//! `tok logout`: revoke at the provider, then forget locally.

use crate::cli::LogoutArgs;
use crate::session;

use super::Env;

pub fn run(env: &Env, args: LogoutArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let p = &env.ctx.printer;
    let report = session::logout(&env.ctx, &profile, !args.no_revoke)?;
    if !report.had_session {
        p.info(format!(
            "No session for profile `{name}`; nothing to revoke. Local data removed."
        ));
        return Ok(());
    }
    match (&report.revocation_error, report.revoked, args.no_revoke) {
        (_, _, true) => p.info(format!(
            "Logged out of profile `{name}` (not revoked at the provider: --no-revoke)."
        )),
        (_, true, _) => p.info(format!(
            "Logged out of profile `{name}`; the session was revoked at the provider."
        )),
        (Some(e), _, _) => {
            p.warn(format!("revocation failed: {e}"));
            p.info(format!(
                "Logged out of profile `{name}` locally. The session may stay valid at the provider until it expires; revoke it in the provider's account settings."
            ));
        }
        (None, false, false) => p.info(format!("Logged out of profile `{name}`.")),
    }
    Ok(())
}
