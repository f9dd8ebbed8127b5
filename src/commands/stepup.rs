//! `--acr-values`/`--max-age` of `print` and `exec`, and a git server's step-up challenge
//! (RFC 9470): a stepped-up token from its own cache; without one, a step-up login when a
//! person is at a terminal, else exit 3 naming the command that gets one.

use crate::audit::Requester;
use crate::config::Profile;
use crate::error::{Code, Hinted};
use crate::session::{self, Narrow, Served, StepUp, Want};

use super::Env;

/// A token meeting `step` for `who`, recorded as any request. `forbidden` says why no login
/// may start here (no terminal, CI…), if it may not.
pub fn token(
    env: &Env,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
    step: &StepUp,
    who: &Requester,
    forbidden: Option<&str>,
) -> anyhow::Result<Served> {
    let ctx = &env.ctx;
    let served = match session::step_up_held(ctx, profile, want, narrow, step) {
        Some(s) => Ok(s),
        None => obtain(env, profile, want, narrow, step, forbidden),
    };
    // A step-up token is held or logged in for, never refreshed: no profile lock is waited for.
    super::request::record(ctx, profile, who, served, None)
}

fn obtain(
    env: &Env,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
    step: &StepUp,
    forbidden: Option<&str>,
) -> anyhow::Result<Served> {
    let name = &profile.name;
    if profile.is_dpop() || profile.workload.is_some() {
        return Err(Hinted::new(
            Code::Usage,
            format!("profile `{name}` cannot step up: its tokens are DPoP-bound or a workload's"),
            Some("step up with a profile that logs in interactively without `dpop = true`".into()),
        )
        .into());
    }
    let wanted = match step.max_age {
        Some(a) if step.acr_values.is_empty() => format!("a sign-in at most {a} s old"),
        Some(a) => format!("acr_values {:?}, max_age {a} s", step.acr_values),
        None => format!("acr_values {:?}", step.acr_values),
    };
    if let Some(why) = forbidden {
        return Err(Hinted::new(
            Code::LoginRequired,
            format!("profile `{name}` holds no token from a sign-in that meets {wanted}"),
            Some(format!(
                "run `{}` in a terminal ({why}, so tok does not log in here)",
                step.command(name, narrow)
            )),
        )
        .into());
    }
    env.ctx.printer.info(format!(
        "profile `{name}`: signing in again for {wanted} (step-up)"
    ));
    super::login::step_up(env, profile, want, narrow, step)
}

/// Why a step-up login must not start from `print` or `exec`: `TOK_NONINTERACTIVE`/`CI`, or no
/// terminal to talk to.
pub fn prompt_forbidden(settings: &crate::settings::Settings) -> Option<&'static str> {
    if settings.non_interactive {
        return Some("TOK_NONINTERACTIVE or CI is set");
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty");
    tty.is_err().then_some("no terminal")
}
