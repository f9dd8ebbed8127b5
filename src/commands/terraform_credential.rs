//! `tok terraform-credential get|store|forget HOST` (also run as `terraform-credentials-tok`):
//! Terraform's and OpenTofu's credentials helper.

use std::process::ExitCode;

use crate::cli::TerraformCredentialArgs;
use crate::error::{Code, Hinted};
use crate::helpers::{TERRAFORM, terraform};

use super::Env;

pub fn run(env: &Env, args: TerraformCredentialArgs) -> anyhow::Result<ExitCode> {
    let usage = |m: String| {
        Hinted::new(
            Code::Usage,
            m,
            Some("Terraform runs `terraform-credentials-tok get|store|forget HOST`".into()),
        )
    };
    let action = terraform::Action::try_from(args.action.as_str())
        .map_err(|a| usage(format!("unknown action `{}`", crate::output::one_line(&a))))?;
    let host = args
        .host
        .ok_or_else(|| usage(format!("`{}` needs the host", args.action)))?;
    let mut tokens = super::credential::start(env, &TERRAFORM)?;
    let (targets, problems) = terraform::terraform_targets(&tokens.config);
    tokens.warn(problems);
    let outcome = terraform::main(
        action,
        &host,
        std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
        &targets,
        &mut tokens,
    )?;
    match outcome {
        terraform::Outcome::Done => Ok(ExitCode::SUCCESS),
        terraform::Outcome::StoreRefused { profile } => {
            let login = profile.map_or("tok login -p NAME".into(), |p| format!("tok login -p {p}"));
            Err(Hinted::new(
                Code::Failure,
                format!(
                    "tok does not store Terraform credentials for {}: its tokens come from `{login}`",
                    crate::output::one_line(&host)
                ),
                Some(format!(
                    "instead of `terraform login`, run `{login}` (and `tok setup terraform` for the host)"
                )),
            )
            .into())
        }
    }
}
