//! `tok git-credential <action>` (also run as `git-credential-tok`): git's credential helper.
//! Beyond the generic glue: `capability`, `store` and unknown actions run without the config,
//! and a `get` for a profile without a session may log in (when git lets it prompt) and then
//! answer the same request.

use std::io::{BufRead, Read};

use clap::Parser;

use crate::cli::{Cli, Command, GitCredentialArgs};
use crate::helpers::{
    self, GIT, Git, GitAction, Helper, Outcome, Token, TokenError, Tokens, git_targets,
};
use crate::settings::Settings;
use crate::time::now;

use super::glue;
use crate::commands::Env;

pub fn run(env: &Env, args: GitCredentialArgs) -> anyhow::Result<Outcome> {
    let p = &env.ctx.printer;
    let needs_tokens = GitAction::try_from(args.action.as_str()).is_ok_and(Git::uses_tokens);
    if !needs_tokens {
        let git = Git { targets: vec![] };
        let mut stdout = std::io::stdout().lock();
        let stdin = std::io::stdin().lock();
        return helpers::serve(&git, &args.action, stdin, &mut stdout, &mut NoTokens, now())
            .map_err(glue::into_anyhow);
    }
    let mut tokens = glue::start(env, &GIT)?;
    tokens.prompt_forbidden = prompt_forbidden;
    let (targets, problems) = git_targets(&tokens.config);
    tokens.warn(problems);
    let git = Git { targets };
    let mut input = Recorder::new(std::io::stdin().lock());
    let outcome = glue::serve(&mut tokens, &git, &args.action, &mut input)?;
    let Outcome::LoginRequired { profile, err } = outcome else {
        return Ok(outcome);
    };
    if let Some(why) = prompt_forbidden(&env.ctx.settings) {
        p.info(format!(
            "tok: {err}; run `tok login -p {profile}` ({why}, so tok does not log in here)"
        ));
        return Ok(Outcome::Ignored);
    }
    p.info(format!("tok: {err}; logging in for git"));
    login(env, &profile)?;
    // The same request again, now that a session exists.
    let request = std::io::Cursor::new(input.seen);
    match glue::serve(&mut tokens, &git, &args.action, request)? {
        Outcome::LoginRequired { err, .. } => Err(glue::into_anyhow(err.into())),
        outcome => Ok(outcome),
    }
}

/// The token source of the actions that need none (`store`, `capability`, unknown ones).
struct NoTokens;

impl Tokens for NoTokens {
    fn get(&mut self, _: &str, _: &str) -> Result<Token, TokenError> {
        unreachable!("git asks for tokens only on get")
    }
    fn reject(&mut self, _: &str, _: Option<&str>) -> Result<bool, TokenError> {
        unreachable!("git rejects tokens only on erase")
    }
}

/// A reader that keeps what was read from it, so a request can be served twice.
struct Recorder<R> {
    inner: R,
    /// git's request (it may hold a password another helper filled in): wiped when dropped.
    seen: zeroize::Zeroizing<Vec<u8>>,
}

impl<R> Recorder<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            seen: zeroize::Zeroizing::new(vec![]),
        }
    }
}

impl<R: BufRead> Read for Recorder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Recorder<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.seen.extend_from_slice(&buf[..n]);
        }
        self.inner.consume(amt);
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
        Command::Login(a) => crate::commands::login::run(env, a),
        _ => unreachable!("parsed a login command"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorder_keeps_what_the_request_parser_consumed() {
        let text = "protocol=https\nhost=git.example.com\n\nleft over";
        let mut r = Recorder::new(std::io::Cursor::new(text.as_bytes()));
        let req = helpers::parse_git_request(&mut r).unwrap();
        assert_eq!(req.host.as_deref(), Some("git.example.com"));
        let again = helpers::parse_git_request(std::io::Cursor::new(r.seen.to_vec())).unwrap();
        assert_eq!(again.host, req.host);
        assert!(!r.seen.ends_with(b"left over"));
    }
}
