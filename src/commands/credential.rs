//! What the helper commands (`git-credential`, `docker-credential`, `kubectl-credential`,
//! `terraform-credential`) share:
//! the dispatch from a helper subcommand to its protocol, the set-up every helper starts with
//! ([`start`]), and the session as their token source ([`SessionTokens`]): the one place helpers
//! meet `session`.

use std::process::ExitCode;

use crate::audit::{Consumer, Requester};
use crate::cli::HelperCommand;
use crate::config::{Config, Profile};
use crate::error::{Code, Hinted, classify};
use crate::helpers::{Protocol, Token, TokenError, Tokens};
use crate::session::{self, Narrow, Want};

use super::Env;

/// Run the helper subcommand `cmd`.
/// The exit status is the protocol's (docker answers 1 after its not-found sentence).
pub fn run(env: &Env, cmd: HelperCommand) -> anyhow::Result<ExitCode> {
    let ok = |r: anyhow::Result<()>| r.map(|()| ExitCode::SUCCESS);
    match cmd {
        HelperCommand::GitCredential(a) => ok(super::git_credential::run(env, a)),
        HelperCommand::DockerCredential(a) => super::docker_credential::run(env, a),
        HelperCommand::KubectlCredential(a) => ok(super::kubectl_credential::run(env, a)),
        HelperCommand::TerraformCredential(a) => ok(terraform(env, a)),
    }
}

/// `tok terraform-credential get|store|forget HOST` (also run as `terraform-credentials-tok`).
fn terraform(env: &Env, args: crate::cli::TerraformCredentialArgs) -> anyhow::Result<()> {
    use crate::helpers::terraform::{self, Action, Error};
    let action = Action::try_from(args.action.as_str()).map_err(Error::UnknownAction)?;
    let host = args.host.ok_or(Error::NoHost(args.action))?;
    let mut tokens = start(env, &crate::helpers::TERRAFORM)?;
    let (targets, problems) = terraform::terraform_targets(&tokens.config);
    tokens.warn(problems);
    let (stdin, mut stdout) = (std::io::stdin().lock(), std::io::stdout().lock());
    terraform::main(action, &host, stdin, &mut stdout, &targets, &mut tokens)
}

/// The set-up of every helper: load the config, and return the session as the protocol's
/// token source (naming the protocol in the audit log's requests).
pub fn start<'a>(env: &'a Env, protocol: &Protocol) -> anyhow::Result<SessionTokens<'a>> {
    let config = env.config()?;
    Ok(SessionTokens {
        env,
        config,
        consumer: protocol.consumer.clone(),
    })
}

/// The session, as helpers see it.
pub struct SessionTokens<'a> {
    pub env: &'a Env,
    pub config: Config,
    /// The protocol's name in the audit log.
    consumer: Consumer,
}

impl SessionTokens<'_> {
    /// Warn about the entries of the protocol's config key that could not be used (the targets
    /// built from the rest still answer).
    pub fn warn(&self, problems: Vec<String>) {
        for problem in problems {
            self.env.ctx.printer.warn(problem);
        }
    }

    /// The profile a client named itself (kubectl's `-p`), else the default one; checked, so a
    /// bad profile is reported before anything else.
    pub fn select(&self, explicit: Option<&str>) -> anyhow::Result<String> {
        let name = self.config.select(explicit)?;
        self.config.profile(&name)?;
        Ok(name)
    }
}

impl Tokens for SessionTokens<'_> {
    fn get(&mut self, profile: &str, host: &str) -> Result<Token, TokenError> {
        self.token(profile, host).map_err(|e| match classify(&e).0 {
            Code::LoginRequired => TokenError::LoginRequired(e),
            _ => TokenError::Other(e),
        })
    }

    fn reject(&mut self, profile: &str, fingerprint: Option<&str>) -> anyhow::Result<bool> {
        let profile = self.config.profile(profile)?;
        session::reject_access_token(&self.env.ctx, &profile, fingerprint)
    }
}

impl SessionTokens<'_> {
    /// [`Tokens::get`], its failure not yet sorted by what the protocol does about it.
    fn token(&mut self, profile: &str, host: &str) -> anyhow::Result<Token> {
        let profile = self.config.profile(profile)?;
        let who = Requester {
            consumer: self.consumer.clone(),
            host: (!host.is_empty()).then(|| host.to_string()),
        };
        refuse_dpop(&profile, profile.is_dpop())?;
        // The default --min-ttl is the leeway the helpers subtract from the expiry they report.
        let served = super::request::token(
            &self.env.ctx,
            &profile,
            Want::default(),
            &Narrow::default(),
            &who,
        )?;
        refuse_dpop(&profile, served.token.is_dpop())?;
        Ok(Token {
            access_token: served.token.access_token,
            expires_at: served.token.expires_at,
        })
    }
}

/// git, docker and kubectl send a token as a bearer credential: they cannot add the DPoP proof
/// (RFC 9449) each request with a DPoP-bound token needs, so helpers refuse such profiles.
pub fn refuse_dpop(profile: &Profile, bound: bool) -> Result<(), Hinted> {
    if !bound {
        return Ok(());
    }
    let name = &profile.name;
    Err(Hinted::new(
        Code::Config,
        format!(
            "profile `{name}` uses DPoP-bound tokens, which git, docker and kubectl cannot use: \
             every request needs a proof signed by tok's key"
        ),
        Some(format!(
            "use a profile without `dpop = true` for them; scripts can use `tok print -p {name} --format dpop`"
        )),
    ))
}
