//! `tok kubectl-credential -p NAME`: kubectl's exec credential plugin.

use crate::cli::KubectlCredentialArgs;
use crate::error::{Code, Hinted};
use crate::helpers::{KUBECTL, KUBECTL_API_V1, Kubectl, Outcome, kubectl_api_version};

use super::glue;
use crate::commands::Env;

pub fn run(env: &Env, args: KubectlCredentialArgs) -> anyhow::Result<Outcome> {
    let mut tokens = glue::start(env, &KUBECTL)?;
    let profile = tokens.select(args.profile.profile.as_deref())?;
    let id = match args.token {
        Some(t) => t == crate::cli::TokenArg::Id,
        None => tokens.config.profile(&profile)?.kubectl_id_token,
    };
    if id {
        tokens.kind = crate::session::TokenKind::Id;
    }
    let api_version = kubectl_api_version(env.ctx.settings.kubernetes_exec_info.as_deref())
        .map_err(|m| {
            Hinted::new(
                Code::Usage,
                m,
                Some(format!(
                    "set `apiVersion: {}` in the kubeconfig exec block",
                    KUBECTL_API_V1
                )),
            )
        })?;
    let kubectl = Kubectl {
        profile,
        api_version,
    };
    // kubectl names no action and sends nothing on stdin.
    glue::serve(&mut tokens, &kubectl, "get", std::io::empty())
}
