//! `tok docker-credential <action>` (also run as `docker-credential-tok`): docker's credential
//! helper, for docker, skopeo, podman and buildah.

use crate::cli::DockerCredentialArgs;
use crate::helpers::{DOCKER, Exit, docker};

use super::Env;

pub fn run(env: &Env, args: DockerCredentialArgs) -> anyhow::Result<()> {
    let mut tokens = super::credential::start(env, &DOCKER)?;
    let (targets, problems) = docker::docker_targets(&tokens.config);
    tokens.warn(problems);
    let outcome = docker::main(
        &args.action,
        std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &targets,
        &mut tokens,
        env!("CARGO_PKG_VERSION"),
    )?;
    if let Some(note) = outcome.note {
        env.ctx.printer.info(format!("  hint: {note}"));
    }
    match outcome.status {
        0 => Ok(()),
        n => Err(Exit(n).into()),
    }
}
