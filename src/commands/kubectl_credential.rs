//! `tok kubectl-credential -p NAME`: kubectl's exec credential plugin.

use crate::cli::KubectlCredentialArgs;
use crate::error::{Code, Hinted};
use crate::helpers::kubectl;
use crate::session::{self, Want};
use crate::time::now;

use super::Env;

pub fn run(env: &Env, args: KubectlCredentialArgs) -> anyhow::Result<()> {
    env.ctx.set_requester(crate::audit::Consumer::Kubectl, None);
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let api =
        kubectl::api_version(env.ctx.settings.kubernetes_exec_info.as_deref()).map_err(|m| {
            Hinted::new(
                Code::Usage,
                m,
                Some(format!(
                    "set `apiVersion: {}` in the kubeconfig exec block",
                    kubectl::API_V1
                )),
            )
        })?;
    super::credential::refuse_dpop(&profile, profile.is_dpop())?;
    let served = session::access_token(&env.ctx, &profile, Want::default())?;
    super::credential::refuse_dpop(&profile, served.token.is_dpop())?;
    let t = &served.token;
    // The boundary: the token leaves tok here, on kubectl's stdout.
    let json = kubectl::exec_credential(api, t.access_token.expose(), t.expires_at, now());
    env.ctx.printer.stdout(&format!("{json}\n"))?;
    Ok(())
}
