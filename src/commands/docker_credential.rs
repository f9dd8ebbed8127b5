//! `tok docker-credential <action>` (also run as `docker-credential-tok`): docker's credential
//! helper, for docker, skopeo, podman and buildah.

use crate::cli::DockerCredentialArgs;
use std::process::ExitCode;

use crate::helpers::{self, docker};

use super::Env;
use super::credential::SessionTokens;

/// docker's protocol defines the exit status: 1 after the not-found sentence on stdout.
pub fn run(env: &Env, args: DockerCredentialArgs) -> anyhow::Result<ExitCode> {
    env.ctx.set_requester(crate::audit::Consumer::Docker, None);
    let p = &env.ctx.printer;
    let config = env.config()?;
    let (targets, problems) = helpers::docker_targets(&config);
    for problem in problems {
        p.warn(problem);
    }
    let mut tokens = SessionTokens {
        env,
        config: &config,
    };
    let outcome = docker::main(
        &args.action,
        std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &targets,
        &mut tokens,
        env!("CARGO_PKG_VERSION"),
    )?;
    if let Some(note) = outcome.note {
        p.info(format!("  hint: {note}"));
    }
    Ok(ExitCode::from(outcome.status))
}
