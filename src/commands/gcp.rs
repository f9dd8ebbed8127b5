//! `tok gcp-credential` and `tok setup gcp`: the session's token for Google Cloud's
//! external-account libraries, as an executable credential source.
//!
//! In this mode stderr stays empty whatever happens (the printer is quiet, see
//! `commands::printer_for`): the libraries read stderr merged into stdout, so every outcome —
//! a failure too — is the one JSON object on stdout, and the exit status. Only in the
//! libraries' interactive mode (`GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE=1`, the user's terminal
//! on stdin and stdout, the answer read from the output file) does a needed login talk to the
//! user.

use std::path::Path;
use std::process::ExitCode;

use crate::audit::{Consumer, Requester};
use crate::cli::{GcpCredentialArgs, ProfileArg, TokenArg};
use crate::error::{Code, Hinted, classify};
use crate::helpers::{
    GCP_ID_TOKEN_TYPE, GCP_JWT_TYPE, aws_command_line, gcp_external_account, gcp_failure,
    gcp_success, valid_gcp_audience,
};
use crate::session::{Narrow, Want};
use crate::settings::GoogleEnv;

use super::Env;

/// The audit log's name for this consumer.
const GCP: Consumer = Consumer::new("gcp");

pub fn run(env: &Env, args: GcpCredentialArgs) -> ExitCode {
    let google = &env.ctx.settings.google;
    let answer = match mismatch(google, &args) {
        Some((code, message)) => Err((code, message, Code::Config)),
        None => token(env, &args).map_err(|e| {
            let (code, hint) = classify(&e);
            let mut message = crate::output::one_line(&format!("{e:#}"));
            if let Some(h) = hint {
                message.push_str(&format!(" (hint: {})", crate::output::one_line(&h)));
            }
            (code.name(), message, code)
        }),
    };
    let (json, status) = match answer {
        Ok(json) => (json, ExitCode::SUCCESS),
        Err((name, message, code)) => (
            zeroize::Zeroizing::new(gcp_failure(name, &message)),
            ExitCode::from(code.exit_code()),
        ),
    };
    let written = google.output_file.as_ref().map(|file| {
        // The library reads it back while the token lives; a failure to write it costs only
        // a later call. The boundary: a 0600 file the configuration names.
        crate::paths::write_user_file_atomic(file, json.as_bytes())
    });
    if google.interactive && status == ExitCode::SUCCESS {
        // Interactive mode: stdout is the user's terminal and the library reads the output
        // file, so the token goes there only, never onto the screen.
        return match written {
            Some(Ok(_)) => status,
            Some(Err(e)) => {
                let message = format!("cannot write the output file: {e}");
                let _ = env.ctx.printer.stdout(&gcp_failure(
                    Code::Failure.name(),
                    &crate::output::one_line(&message),
                ));
                ExitCode::from(Code::Failure.exit_code())
            }
            None => {
                let _ = env.ctx.printer.stdout(&gcp_failure(
                    Code::Config.name(),
                    "interactive mode needs the configuration's `output_file`",
                ));
                ExitCode::from(Code::Config.exit_code())
            }
        };
    }
    if env.ctx.printer.stdout(&json).is_err() {
        return ExitCode::FAILURE;
    }
    status
}

/// Whether the library asks for a token this command was not set up to give: another pool
/// provider (`--audience`, which `tok setup gcp` writes, against
/// `GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE`, which every library passes), or another service
/// account to impersonate (`--service-account` against
/// `GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL` when it is passed: Python's google-auth runs
/// the command from a copy of the credentials without the impersonation, so it never passes
/// it). A command without them (an older `tok setup gcp`, or by hand) checks nothing.
fn mismatch(google: &GoogleEnv, args: &GcpCredentialArgs) -> Option<(&'static str, String)> {
    let shown = |v: Option<&str>| match v {
        Some(v) => format!("{:?}", crate::output::one_line(v)),
        None => "none".into(),
    };
    if let Some(want) = &args.audience
        && google.audience.as_deref() != Some(want.as_str())
    {
        return Some((
            "audience_mismatch",
            format!(
                "the credential configuration's audience {} is not the pool provider {} this \
                 command was set up for (hint: run `tok setup gcp` again for the new audience)",
                shown(google.audience.as_deref()),
                shown(Some(want))
            ),
        ));
    }
    if let (Some(want), Some(asked)) = (&args.service_account, &google.impersonated_email)
        && asked != want
    {
        return Some((
            "service_account_mismatch",
            format!(
                "the credential configuration impersonates {}, not the service account {} this \
                 command was set up for (hint: run `tok setup gcp` again with --service-account)",
                shown(Some(asked)),
                shown(Some(want))
            ),
        ));
    }
    None
}

/// The success JSON, or the error to report as the failure JSON.
fn token(env: &Env, args: &GcpCredentialArgs) -> anyhow::Result<zeroize::Zeroizing<String>> {
    let google = &env.ctx.settings.google;
    // The configuration's `subject_token_type`: an ID token is asked for by name; a JWT may
    // be either of the session's tokens (--token decides); nothing else is a JWT.
    let kind = match google.token_type.as_deref() {
        None => args.token,
        Some(GCP_ID_TOKEN_TYPE) => TokenArg::Id,
        Some(GCP_JWT_TYPE) => args.token,
        Some(other) => {
            return Err(Hinted::new(
                Code::Config,
                format!(
                    "the configuration asks for a subject token of type {}, and tok hands out JWTs",
                    crate::output::one_line(other)
                ),
                Some(format!(
                    "set `subject_token_type` to {} (run `tok setup gcp` again)",
                    GCP_ID_TOKEN_TYPE
                )),
            )
            .into());
        }
    };
    let token_type = match kind {
        TokenArg::Id => GCP_ID_TOKEN_TYPE,
        TokenArg::Access => GCP_JWT_TYPE,
    };
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let want = Want {
        token: kind.into(),
        ..Want::default()
    };
    let who = Requester::new(GCP);
    let served = match super::request::token(&env.ctx, &profile, want, &Narrow::default(), &who) {
        // The library's interactive mode: the user is at the terminal, so log in there.
        Err(e) if google.interactive && classify(&e).0 == Code::LoginRequired => {
            login_on_terminal(env, &name)?;
            super::request::token(&env.ctx, &profile, want, &Narrow::default(), &who)?
        }
        other => other?,
    };
    let t = &served.token;
    Ok(gcp_success(
        token_type,
        t.access_token.expose(),
        t.expires_at,
    ))
}

/// `tok login -p NAME`, talking to the user on stderr (the terminal in interactive mode).
fn login_on_terminal(env: &Env, name: &str) -> anyhow::Result<()> {
    use clap::Parser as _;
    let args = match crate::cli::Cli::try_parse_from(["tok", "login", "-p", name]) {
        Ok(crate::cli::Cli {
            command: crate::cli::Command::Login(a),
            ..
        }) => a,
        _ => anyhow::bail!("cannot start a login for profile `{name}`"),
    };
    let ctx = crate::session::Ctx::new(
        env.ctx.paths.clone(),
        crate::output::Printer::new(crate::output::Verbosity::Normal),
        env.ctx.store_override,
        crate::settings::Settings::from_env(),
    );
    let login = Env {
        ctx,
        config_path: env.config_path.clone(),
    };
    super::login::run(&login, args)
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
    if !valid_gcp_audience(audience) {
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
    // The audience and service account go into the command too, so that a configuration
    // edited to ask for another pool provider (or service account) gets no token.
    let mut argv = vec![tok, "gcp-credential", "-p", &name, "--audience", audience];
    if let Some(sa) = service_account {
        argv.extend(["--service-account", sa]);
    }
    let command = aws_command_line(&argv);
    let json = gcp_external_account(audience, GCP_ID_TOKEN_TYPE, &command, service_account);
    crate::paths::write_user_file_atomic(output, json.as_bytes())?;
    env.ctx.printer.info(format!(
        "Wrote {} (profile `{name}`). Use it with GOOGLE_APPLICATION_CREDENTIALS={} and \
         GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1.",
        output.display(),
        output.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::TokenArg;

    const AUD: &str =
        "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/t";

    fn args(audience: Option<&str>, service_account: Option<&str>) -> GcpCredentialArgs {
        GcpCredentialArgs {
            profile: ProfileArg::default(),
            token: TokenArg::Id,
            audience: audience.map(str::to_string),
            service_account: service_account.map(str::to_string),
        }
    }

    fn google(audience: Option<&str>, email: Option<&str>) -> GoogleEnv {
        GoogleEnv {
            audience: audience.map(str::to_string),
            impersonated_email: email.map(str::to_string),
            ..GoogleEnv::default()
        }
    }

    /// A configuration edited to name another pool provider or service account gets no token.
    /// See: issue 20.
    #[test]
    fn a_configuration_asking_for_another_audience_or_account_is_refused() {
        let sa = "dev@p.iam.gserviceaccount.com";
        // Set up for AUD: the same audience passes, another (or none) is refused.
        assert!(mismatch(&google(Some(AUD), None), &args(Some(AUD), None)).is_none());
        let other = format!("{AUD}-other");
        let (code, message) =
            mismatch(&google(Some(&other), None), &args(Some(AUD), None)).unwrap();
        assert_eq!(code, "audience_mismatch");
        assert!(
            message.contains(&other) && message.contains("tok setup gcp"),
            "{message}"
        );
        assert!(mismatch(&google(None, None), &args(Some(AUD), None)).is_some());
        // The service account: equal passes, another is refused; not passed (Python's
        // google-auth never passes it) passes.
        assert!(mismatch(&google(Some(AUD), Some(sa)), &args(Some(AUD), Some(sa))).is_none());
        let (code, _) = mismatch(
            &google(Some(AUD), Some("evil@x.iam.gserviceaccount.com")),
            &args(Some(AUD), Some(sa)),
        )
        .unwrap();
        assert_eq!(code, "service_account_mismatch");
        assert!(mismatch(&google(Some(AUD), None), &args(Some(AUD), Some(sa))).is_none());
        // A command set up without them (older setup, by hand) checks nothing.
        assert!(mismatch(&google(Some(&other), Some(sa)), &args(None, None)).is_none());
        // A message is one line whatever the variable holds.
        let (_, message) = mismatch(&google(Some("a\nb"), None), &args(Some(AUD), None)).unwrap();
        assert!(!message.contains('\n'), "{message}");
    }
}
