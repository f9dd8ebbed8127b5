//! `tok git-credential <action>` (also run as `git-credential-tok`): git's credential helper.

use std::io::Write;

use clap::Parser;

use crate::cli::{Cli, Command, GitCredentialArgs};
use crate::helpers::{self, git};
use crate::settings::Settings;
use crate::time::now;

use super::Env;
use super::credential::SessionTokens;

pub fn run(env: &Env, args: GitCredentialArgs) -> anyhow::Result<()> {
    env.ctx.set_requester(crate::audit::Consumer::Git, None);
    let p = &env.ctx.printer;
    let action = args.action.as_str();
    match action {
        "capability" => return Ok(git::write_capabilities(&mut std::io::stdout().lock())?),
        "get" | "erase" | "store" => {}
        // git's protocol: helpers ignore actions they do not know.
        _ => return Ok(()),
    }
    let req = git::parse(std::io::stdin().lock())?;
    // tok is the storage: what git asks to store is the token tok served (or another
    // helper's), never kept.
    if action == "store" {
        return Ok(());
    }
    let config = env.config()?;
    let (targets, problems) = helpers::git_targets(&config);
    for problem in problems {
        p.warn(problem);
    }
    let mut tokens = SessionTokens {
        env,
        config: &config,
    };
    if action == "erase" {
        if let git::Outcome::Erased { profile, forgot } = git::erase(&req, &targets, &mut tokens)? {
            p.verbose(format!(
                "git rejected the token of profile `{profile}`{}",
                if forgot {
                    "; forgot it"
                } else {
                    " (already replaced)"
                }
            ));
        }
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match git::get(&req, &mut out, &targets, &mut tokens, now())? {
        git::Outcome::LoginRequired { profile, err } => {
            if let Some(why) = prompt_forbidden(&env.ctx.settings) {
                p.info(format!(
                    "tok: {err:#}; run `tok login -p {profile}` ({why}, so tok does not log in here)"
                ));
                return Ok(());
            }
            p.info(format!("tok: {err:#}; logging in for git"));
            login(env, &profile)?;
            if let git::Outcome::LoginRequired { err, .. } =
                git::get(&req, &mut out, &targets, &mut tokens, now())?
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
        _ => {}
    }
    out.flush()?;
    Ok(())
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
