//! One file per verb. Each `run` takes its parsed arguments and the shared context and returns
//! `anyhow::Result`; `main` turns errors into messages and exit codes.

pub mod completions;
pub mod credential;
pub mod docker_credential;
pub mod git_credential;
pub mod kubectl_credential;
pub mod login;
pub mod logout;
pub mod print;
pub mod profile;
pub mod setup;
pub mod stats;
pub mod status;

use crate::cli::{Cli, Command};
use crate::config::{self, Config};
use crate::output::{Printer, Verbosity};
use crate::paths::Paths;
use crate::session::Ctx;

/// Everything a command starts from.
pub struct Env {
    pub ctx: Ctx,
    pub config_path: std::path::PathBuf,
}

impl Env {
    pub fn config(&self) -> anyhow::Result<Config> {
        let config = Config::load(&self.config_path)?;
        crate::audit::set_enabled(config.file.audit.unwrap_or(true));
        Ok(config)
    }
}

pub fn printer_for(cli: &Cli) -> Printer {
    let v = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Verbose,
        _ => Verbosity::Debug,
    };
    Printer::new(v)
}

pub fn run(cli: Cli, printer: Printer) -> anyhow::Result<()> {
    let paths = Paths::discover()?;
    crate::oauth::http::set_trace(printer.verbosity >= Verbosity::Debug);
    let config_path = cli
        .global
        .config
        .clone()
        .or_else(|| config::env(config::ENV_CONFIG).map(Into::into))
        .unwrap_or_else(|| paths.config_file());
    let env = Env {
        ctx: Ctx::new(paths, printer, cli.global.store),
        config_path,
    };
    match cli.command {
        Command::Login(a) => login::run(&env, a),
        Command::Print(a) => print::run(&env, a),
        Command::Logout(a) => logout::run(&env, a),
        Command::Status(a) => status::run(&env, a),
        Command::Profile(c) => profile::run(&env, c),
        Command::Completions(a) => completions::run(&env, a),
        Command::Helper(h) => credential::run(&env, h),
        Command::Setup(a) => setup::run(&env, a),
        Command::Stats(a) => stats::run(&env, a),
    }
}
