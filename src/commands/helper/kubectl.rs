//! `tok kubectl-credential -p NAME`: kubectl's exec credential plugin.

use crate::cli::KubectlCredentialArgs;
use crate::error::{Code, Hinted};
use crate::helpers::{KUBECTL, kubectl};
use crate::time::now;

use crate::commands::Env;

pub fn run(env: &Env, args: KubectlCredentialArgs) -> anyhow::Result<()> {
    let mut tokens = super::start(env, &KUBECTL)?;
    let name = tokens.select(args.profile.profile.as_deref())?;
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
    kubectl::main(
        api,
        &name,
        &mut std::io::stdout().lock(),
        &mut tokens,
        now(),
    )
}
