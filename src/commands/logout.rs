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
    if args.json {
        // For scripts: `revoked` false with `had_session` true means the grant may still be
        // alive at the provider (see README: tok logout).
        let mut v = serde_json::to_value(&report).expect("a report serializes");
        v["profile"] = serde_json::Value::from(name.as_str());
        p.stdout(&format!("{v}\n"))?;
    }
    match &report.registration {
        Some(session::Forgotten::Deleted) => p.info(format!(
            "Deleted tok's client registration for profile `{name}` at the provider (RFC 7592)."
        )),
        Some(session::Forgotten::Kept) => p.info(format!(
            "Forgot tok's client registration for profile `{name}` (the provider offers no way to delete it)."
        )),
        Some(session::Forgotten::Failed(e)) => p.warn(format!(
            "tok's client registration for profile `{name}` was not deleted at the provider: {e}; forgotten here all the same"
        )),
        None => {}
    }
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
        (Some(e), _, _) if report.public_client_refused => {
            p.warn(format!("revocation failed: {e}"));
            p.warn(format!(
                "the session of profile `{name}` was NOT revoked at the provider: it refuses \
                 revocation requests from a public client like tok (it wants client \
                 authentication, which a public client has none of), so the refresh token stays \
                 valid there until it expires. Revoke tok's access yourself in the provider's \
                 account page (connected apps, or sessions)"
            ));
            p.info(format!("Logged out of profile `{name}` locally."));
        }
        (Some(e), _, _) => {
            p.warn(format!("revocation failed: {e}"));
            p.warn(format!(
                "the session of profile `{name}` was NOT revoked at the provider: its refresh token stays valid there until it expires. Revoke it in the provider's account settings"
            ));
            p.info(format!("Logged out of profile `{name}` locally."));
        }
        (None, false, false) => p.info(format!("Logged out of profile `{name}`.")),
    }
    Ok(())
}
