//! The helper commands (`git-credential`, `docker-credential`, `kubectl-credential`,
//! `terraform-credential`): the dispatch from a helper subcommand to its protocol's file (each
//! builds the protocol's `Helper` value from the config and hands it to the generic glue in
//! [`glue`]). Arrows point one way: this file → a protocol's file → `glue`.

use std::process::ExitCode;

use crate::cli::HelperCommand;

use super::Env;

mod docker;
mod git;
mod glue;
mod kubectl;
mod terraform;

/// Run the helper subcommand `cmd`.
/// The exit status is the protocol's (docker answers 1 after its not-found sentence).
pub fn run(env: &Env, cmd: HelperCommand) -> anyhow::Result<ExitCode> {
    let outcome = match cmd {
        HelperCommand::GitCredential(a) => git::run(env, a),
        HelperCommand::DockerCredential(a) => docker::run(env, a),
        HelperCommand::KubectlCredential(a) => kubectl::run(env, a),
        HelperCommand::TerraformCredential(a) => terraform::run(env, a),
    }?;
    Ok(ExitCode::from(outcome.status()))
}
