//! `tok docker-credential <action>` (also run as `docker-credential-tok`): docker's credential
//! helper, for docker, skopeo, podman and buildah.

use crate::cli::DockerCredentialArgs;
use std::process::ExitCode;

use crate::helpers::{DOCKER, docker};

use crate::commands::Env;

/// docker's protocol defines the exit status: 1 after the not-found sentence on stdout.
pub fn run(env: &Env, args: DockerCredentialArgs) -> anyhow::Result<ExitCode> {
    let mut tokens = super::start(env, &DOCKER)?;
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
    Ok(ExitCode::from(outcome.status))
}
