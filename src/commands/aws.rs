//! `tok aws-credential` and `tok setup aws`: AWS keys for the SDKs' `credential_process`, made
//! from the session's token by STS `AssumeRoleWithWebIdentity`.
//!
//! The path: the cached keys (no lock, no network) → the AWS lock → the cache again (another
//! process may have just fetched them) → the session's token (`session::serve`, which takes the
//! profile's lock only if it must refresh) → STS → the cache → stdout.

use std::path::PathBuf;

use anyhow::Context;

use crate::audit::{Consumer, Requester};
use crate::cli::{AwsCredentialArgs, ProfileArg};
use crate::error::{Code, Hinted};
use crate::helpers::{aws_command_line, credential_process_json, edit_aws_config};
use crate::oauth::{AssumeRole, sts_endpoint};
use crate::session::{self as cloud, AwsLock, AwsTarget};
use crate::session::{Narrow, Want};
use crate::time::now;

use super::Env;

/// The audit log's name for this consumer.
const AWS: Consumer = Consumer::new("aws");

pub fn run(env: &Env, args: AwsCredentialArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let role = assume_role(&args, &name)?;
    let aws_env = &env.ctx.settings.aws;
    let region = args.region.as_deref().or(aws_env.region.as_deref());
    let endpoint = sts_endpoint(
        aws_env.endpoint_url_sts.as_deref(),
        aws_env.endpoint_url.as_deref(),
        profile.aws_sts_endpoint.as_ref().map(url::Url::as_str),
        region,
    )
    .map_err(|e| {
        Hinted::new(
            Code::Config,
            format!("the AWS STS endpoint {e}"),
            Some(
                "check AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's aws_sts_endpoint and --region"
                    .into(),
            ),
        )
    })?;
    let target = AwsTarget {
        profile: &profile,
        role: &role,
        endpoint: &endpoint,
        token: args.token.into(),
    };
    let p = &env.ctx.printer;
    if let Some(c) = cloud::cached_aws(&env.ctx, &target, now()) {
        p.verbose("AWS credentials from the cache");
        return Ok(p.stdout(&credential_process_json(&c))?);
    }
    let _lock = AwsLock::acquire(&env.ctx, &target)?;
    if let Some(c) = cloud::cached_aws(&env.ctx, &target, now()) {
        p.verbose("AWS credentials from the cache (fetched by another tok process)");
        return Ok(p.stdout(&credential_process_json(&c))?);
    }
    let who = Requester::new(AWS);
    let served = super::request::token(
        &env.ctx,
        &profile,
        Want {
            token: args.token.into(),
            ..Want::default()
        },
        &Narrow::default(),
        &who,
    )?;
    p.verbose(format!(
        "asking AWS STS at {} to assume {}",
        crate::oauth::endpoint_name(&endpoint),
        role.role_arn
    ));
    let creds = cloud::assume_role(&env.ctx, &target, &served.token.access_token)?;
    cloud::keep_aws(&env.ctx, &target, &creds, now());
    Ok(p.stdout(&credential_process_json(&creds))?)
}

/// The call's parameters, checked as STS would check them, so a typo fails here in one line.
fn assume_role(args: &AwsCredentialArgs, profile: &str) -> anyhow::Result<AssumeRole> {
    let arn = &args.role_arn;
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6
        || parts[0] != "arn"
        || parts[2] != "iam"
        || !parts[5].starts_with("role/")
        || arn.len() > 2048
        || arn.chars().any(char::is_control)
    {
        return Err(Hinted::new(
            Code::Usage,
            format!(
                "invalid --role-arn {:?}: not an IAM role ARN",
                crate::output::one_line(arn)
            ),
            Some("pass arn:aws:iam::ACCOUNT:role/NAME".into()),
        )
        .into());
    }
    let session_name = match &args.session_name {
        Some(n) => n.clone(),
        None => {
            let clean: String = format!("tok-{profile}")
                .chars()
                .map(|c| if session_name_char(c) { c } else { '-' })
                .take(64)
                .collect();
            clean
        }
    };
    if !(2..=64).contains(&session_name.len()) || !session_name.chars().all(session_name_char) {
        return Err(Hinted::new(
            Code::Usage,
            format!(
                "invalid --session-name {:?}",
                crate::output::one_line(&session_name)
            ),
            Some("use 2 to 64 letters, digits and +=,.@_-".into()),
        )
        .into());
    }
    Ok(AssumeRole {
        role_arn: arn.clone(),
        session_name,
        duration: args.duration,
    })
}

fn session_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// `tok setup aws`: the `credential_process` line in the AWS config file.
pub fn setup(
    env: &Env,
    profile: &ProfileArg,
    role_arn: &str,
    aws_profile: &str,
    tok: &str,
    remove: bool,
) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = config.select(profile.profile.as_deref())?;
    config.profile(&name)?;
    let path = aws_config_path(env)?;
    let text = match std::fs::read(&path) {
        Ok(b) => {
            String::from_utf8(b).with_context(|| format!("{} is not UTF-8", path.display()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let command = aws_command_line(&[tok, "aws-credential", "-p", &name, "--role-arn", role_arn]);
    let edited = edit_aws_config(&text, aws_profile, (!remove).then_some(command.as_str()))?;
    if edited != text {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        crate::paths::write_user_file_atomic(&path, edited.as_bytes())?;
    }
    let p = &env.ctx.printer;
    if remove {
        p.info(format!(
            "AWS profile `{aws_profile}` no longer asks tok for credentials ({}).",
            path.display()
        ));
    } else {
        p.info(format!(
            "AWS profile `{aws_profile}` now gets credentials from tok (profile `{name}`, role \
             {role_arn}): `credential_process` in {}. Try `aws --profile {aws_profile} sts \
             get-caller-identity`.",
            path.display()
        ));
    }
    Ok(())
}

/// The AWS config file: $AWS_CONFIG_FILE, else ~/.aws/config.
fn aws_config_path(env: &Env) -> anyhow::Result<PathBuf> {
    match &env.ctx.settings.aws.config_file {
        Some(p) => Ok(p.clone()),
        None => Ok(directories::BaseDirs::new()
            .context("cannot find a home directory; set HOME")?
            .home_dir()
            .join(".aws")
            .join("config")),
    }
}
