//! `tok git-credential <action>` (also run as `git-credential-tok`): git's credential helper.

use std::io::Write;

use clap::Parser;

use crate::cli::{Cli, Command, GitCredentialArgs};
use crate::helpers::{GIT, git};
use crate::settings::Settings;
use crate::time::now;

use super::Env;

pub fn run(env: &Env, args: GitCredentialArgs) -> anyhow::Result<()> {
    let p = &env.ctx.printer;
    let mut stdout = std::io::stdout().lock();
    let stdin = std::io::stdin().lock();
    // `capability`, `store` and unknown actions need neither the config nor a session, so a
    // broken config never fails them.
    if !matches!(
        git::Action::try_from(args.action.as_str()),
        Ok(git::Action::Get | git::Action::Erase)
    ) {
        git::main(&args.action, stdin, &mut stdout, &[], &mut NoTokens, now())?;
        return Ok(());
    }
    let mut tokens = super::credential::start(env, &GIT)?;
    let (targets, problems) = git::git_targets(&tokens.config);
    tokens.warn(problems);
    let outcome = git::main(
        &args.action,
        stdin,
        &mut stdout,
        &targets,
        &mut tokens,
        now(),
    )?;
    match outcome {
        git::Outcome::Erased { profile, forgot } => p.verbose(format!(
            "git rejected the token of profile `{profile}`{}",
            if forgot {
                "; forgot it"
            } else {
                " (already replaced)"
            }
        )),
        git::Outcome::LoginRequired {
            profile,
            err,
            request,
        } => {
            if let Some(why) = prompt_forbidden(&env.ctx.settings) {
                p.info(format!(
                    "tok: {err:#}; run `tok login -p {profile}` ({why}, so tok does not log in here)"
                ));
                return Ok(());
            }
            p.info(format!("tok: {err:#}; logging in for git"));
            login(env, &profile)?;
            if let git::Outcome::LoginRequired { err, .. } =
                git::get(&request, &mut stdout, &targets, &mut tokens, now())?
            {
                return Err(err);
            }
        }
        git::Outcome::Cleartext { host } if targets.iter().any(|t| t.pattern.host == host) => {
            p.warn(format!(
                "not sending a token to http://{host}: plain http is allowed only for loopback hosts; use https://"
            ));
        }
        git::Outcome::NotOurs => p.verbose("no profile serves this host; nothing to answer"),
        git::Outcome::Answered { profile } => {
            p.verbose(format!("answered with the token of profile `{profile}`"))
        }
        git::Outcome::Cleartext { .. } | git::Outcome::Ignored => {}
    }
    stdout.flush()?;
    Ok(())
}

/// The token source of the actions that need none (`store`, `capability`, unknown ones).
struct NoTokens;

impl crate::helpers::Tokens for NoTokens {
    fn get(
        &mut self,
        _: &str,
        _: &str,
    ) -> Result<crate::helpers::Token, crate::helpers::TokenError> {
        unreachable!("git::main asks for tokens only on get")
    }
    fn reject(&mut self, _: &str, _: Option<&str>) -> anyhow::Result<bool> {
        unreachable!("git::main rejects tokens only on erase")
    }
}

/// Why an interactive login must not start, if it must not: `GIT_TERMINAL_PROMPT=0`,
/// `TOK_NONINTERACTIVE`/`CI`, `credential.interactive=false`, or no terminal.
fn prompt_forbidden(settings: &Settings) -> Option<&'static str> {
    if settings.git_prompts_off {
        return Some("GIT_TERMINAL_PROMPT=0");
    }
    if settings.non_interactive {
        return Some("TOK_NONINTERACTIVE or CI is set");
    }
    let interactive = std::process::Command::new("git")
        .args(["config", "--get", "credential.interactive"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    if let Ok(o) = interactive
        && crate::settings::git_no(&String::from_utf8_lossy(&o.stdout))
    {
        return Some("credential.interactive=false");
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty");
    if tty.is_err() {
        return Some("no terminal");
    }
    None
}

/// `tok login -p PROFILE` with the profile's saved settings; prompts go to stderr.
fn login(env: &Env, profile: &str) -> anyhow::Result<()> {
    let cli = Cli::try_parse_from(["tok", "login", "-p", profile])?;
    match cli.command {
        Command::Login(a) => super::login::run(env, a),
        _ => unreachable!("parsed a login command"),
    }
}
