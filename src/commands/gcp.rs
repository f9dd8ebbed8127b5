//! `tok gcp-credential` and `tok setup gcp`: the session's token for Google Cloud's
//! external-account libraries, as an executable credential source.
//!
//! In this mode stderr stays empty whatever happens (the printer is quiet, see
//! `commands::printer_for`): the libraries read stderr merged into stdout, so every outcome —
//! a failure too — is the one JSON object on stdout, and the exit status.

use std::path::Path;
use std::process::ExitCode;

use crate::audit::{Consumer, Requester};
use crate::cli::{GcpCredentialArgs, ProfileArg, TokenArg};
use crate::error::{Code, Hinted, classify};
use crate::helpers::gcp;
use crate::session::{Narrow, Want};

use super::Env;

/// The audit log's name for this consumer.
const GCP: Consumer = Consumer::new("gcp");

pub fn run(env: &Env, args: GcpCredentialArgs) -> ExitCode {
    let google = &env.ctx.settings.google;
    let (json, status) = match token(env, &args) {
        Ok(json) => (json, ExitCode::SUCCESS),
        Err(e) => {
            let (code, hint) = classify(&e);
            let mut message = crate::output::one_line(&format!("{e:#}"));
            if let Some(h) = hint {
                message.push_str(&format!(" (hint: {})", crate::output::one_line(&h)));
            }
            (
                zeroize::Zeroizing::new(gcp::failure(code.name(), &message)),
                ExitCode::from(code.exit_code()),
            )
        }
    };
    if let Some(file) = &google.output_file {
        // The library reads it back while the token lives; a failure to write it costs only
        // a later call. The boundary: a 0600 file the configuration names.
        let _ = crate::paths::write_user_file_atomic(file, json.as_bytes());
    }
    if env.ctx.printer.stdout(&json).is_err() {
        return ExitCode::FAILURE;
    }
    status
}

/// The success JSON, or the error to report as the failure JSON.
fn token(env: &Env, args: &GcpCredentialArgs) -> anyhow::Result<zeroize::Zeroizing<String>> {
    let google = &env.ctx.settings.google;
    // The configuration's `subject_token_type`: an ID token is asked for by name; a JWT may
    // be either of the session's tokens (--token decides); nothing else is a JWT.
    let kind = match google.token_type.as_deref() {
        None => args.token,
        Some(gcp::ID_TOKEN_TYPE) => TokenArg::Id,
        Some(gcp::JWT_TYPE) => args.token,
        Some(other) => {
            return Err(Hinted::new(
                Code::Config,
                format!(
                    "the configuration asks for a subject token of type {}, and tok hands out JWTs",
                    crate::output::one_line(other)
                ),
                Some(format!(
                    "set `subject_token_type` to {} (run `tok setup gcp` again)",
                    gcp::ID_TOKEN_TYPE
                )),
            )
            .into());
        }
    };
    let token_type = match kind {
        TokenArg::Id => gcp::ID_TOKEN_TYPE,
        TokenArg::Access => gcp::JWT_TYPE,
    };
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let want = Want {
        token: kind.into(),
        ..Want::default()
    };
    let who = Requester::new(GCP);
    let served = super::request::token(&env.ctx, &profile, want, &Narrow::default(), &who)?;
    let t = &served.token;
    Ok(gcp::success(
        token_type,
        t.access_token.expose(),
        t.expires_at,
    ))
}

/// `tok setup gcp`: the `external_account` configuration, written 0600 to `output`.
pub fn setup(
    env: &Env,
    profile: &ProfileArg,
    audience: &str,
    service_account: Option<&str>,
    output: &Path,
    tok: &str,
) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = config.select(profile.profile.as_deref())?;
    config.profile(&name)?;
    if !gcp::valid_audience(audience) {
        return Err(Hinted::new(
            Code::Usage,
            format!(
                "invalid --audience {:?}",
                crate::output::one_line(audience)
            ),
            Some("pass //iam.googleapis.com/projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER".into()),
        )
        .into());
    }
    if let Some(sa) = service_account
        && (!sa.contains('@') || sa.contains('/') || sa.chars().any(|c| c.is_whitespace()))
    {
        return Err(Hinted::new(
            Code::Usage,
            format!(
                "invalid --service-account {:?}",
                crate::output::one_line(sa)
            ),
            Some("pass the service account's email, NAME@PROJECT.iam.gserviceaccount.com".into()),
        )
        .into());
    }
    let command = crate::helpers::aws::command_line(&[tok, "gcp-credential", "-p", &name]);
    let json = gcp::external_account(audience, gcp::ID_TOKEN_TYPE, &command, service_account);
    crate::paths::write_user_file_atomic(output, json.as_bytes())?;
    env.ctx.printer.info(format!(
        "Wrote {} (profile `{name}`). Use it with GOOGLE_APPLICATION_CREDENTIALS={} and \
         GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1.",
        output.display(),
        output.display()
    ));
    Ok(())
}
