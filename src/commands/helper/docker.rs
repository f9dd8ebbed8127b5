//! `tok docker-credential <action>` (also run as `docker-credential-tok`): docker's credential
//! helper, for docker, skopeo, podman and buildah.

use crate::cli::DockerCredentialArgs;
use crate::helpers::{DOCKER, Docker, Outcome, docker_targets};

use super::glue;
use crate::commands::Env;

/// docker's protocol defines the exit status: 1 after the not-found sentence on stdout.
pub fn run(env: &Env, args: DockerCredentialArgs) -> anyhow::Result<Outcome> {
    let mut tokens = glue::start(env, &DOCKER)?;
    let (targets, problems) = docker_targets(&tokens.config);
    tokens.warn(problems);
    let docker = Docker {
        targets,
        version: env!("CARGO_PKG_VERSION"),
    };
    glue::serve(&mut tokens, &docker, &args.action, std::io::stdin().lock())
}
