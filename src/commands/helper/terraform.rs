//! `tok terraform-credential get|store|forget HOST` (also run as `terraform-credentials-tok`):
//! Terraform's (and OpenTofu's) credentials helper.

use crate::cli::TerraformCredentialArgs;
use crate::helpers::{
    Outcome, TERRAFORM, Terraform, TerraformAction as Action, TerraformError, terraform_targets,
};

use super::glue;
use crate::commands::Env;

pub fn run(env: &Env, args: TerraformCredentialArgs) -> anyhow::Result<Outcome> {
    // Checked before the config is read: a wrong command line says so whatever the config.
    Action::try_from(args.action.as_str()).map_err(TerraformError::UnknownAction)?;
    let host = args
        .host
        .ok_or_else(|| TerraformError::NoHost(args.action.clone()))?;
    let mut tokens = glue::start(env, &TERRAFORM)?;
    let (targets, problems) = terraform_targets(&tokens.config);
    tokens.warn(problems);
    let terraform = Terraform { targets, host };
    glue::serve(
        &mut tokens,
        &terraform,
        &args.action,
        std::io::stdin().lock(),
    )
}
