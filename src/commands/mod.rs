//! One file per verb. Each `run` takes its parsed arguments and the shared context and returns
//! `anyhow::Result`: the exit status when the command ends without an error (only a helper
//! protocol defines one other than success), else the error `main` turns into a message and an
//! exit code.

mod aws;
mod completions;
mod exec;
mod gcp;
mod helper;
mod login;
mod logout;
mod pin;
mod print;
mod profile;
mod request;
mod resource;
mod setup;
mod stats;
mod status;
mod stepup;
mod whoami;

// What leaves the folder: the generators the docs test and the fuzz targets drive (lib.rs).
pub use completions::script as completion_script;
pub use stats::{compute as compute_stats, prometheus};

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::output::{Printer, Verbosity};
use crate::paths::Paths;
use crate::session::Ctx;
use crate::settings::Settings;

/// Everything a command starts from.
pub struct Env {
    pub ctx: Ctx,
    pub config_path: std::path::PathBuf,
}

impl Env {
    /// Load the config file, with `TOK_PROFILE` (when set) as the default profile.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::load(&self.config_path)?;
        if let Some(p) = &self.ctx.settings.profile {
            // `-p` > TOK_PROFILE > `default_profile` (see `Config::select`). Only the parsed
            // copy changes: edits of the file work on its text.
            config.file.default_profile = Some(p.clone());
        }
        Ok(config)
    }
}

pub fn printer_for(cli: &Cli) -> Printer {
    // Google's libraries read an executable source's stderr merged into its stdout: one
    // warning line would break the JSON they parse.
    if matches!(cli.command, Command::GcpCredential(_)) {
        return Printer::new(Verbosity::Quiet);
    }
    let v = match (cli.global.quiet, cli.global.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Verbose,
        _ => Verbosity::Debug,
    };
    Printer::new(v)
}

/// Whether the command reads a PKCS#11 token's PIN from stdin (`--pin-stdin`).
fn pin_stdin(command: &Command) -> bool {
    match command {
        Command::Login(a) => a.key.pin_stdin,
        Command::Print(a) => a.pin_stdin,
        Command::Profile(crate::cli::ProfileCommand::Jwks(a)) => a.pin_stdin,
        _ => false,
    }
}

/// Run the command with the environment resolved in `settings`.
pub fn run(cli: Cli, printer: Printer, mut settings: Settings) -> anyhow::Result<ExitCode> {
    let paths = Paths::discover()?;
    settings.http.trace = printer.verbosity >= Verbosity::Debug;
    let config_path = cli
        .global
        .config
        .clone()
        .or_else(|| settings.config_path.clone())
        .unwrap_or_else(|| paths.config_file());
    let mut ctx = Ctx::new(paths, printer, cli.global.store, settings);
    // A PKCS#11 token's PIN is asked at the terminal, if there is one; `--pin-stdin` (login,
    // print, profile jwks) reads it from stdin now, before any network call.
    ctx.pin = pin::choose(pin_stdin(&cli.command))?;
    let env = Env { ctx, config_path };
    let done = match cli.command {
        Command::Login(a) => login::run(&env, a),
        Command::Print(a) => print::run(&env, a),
        Command::Logout(a) => logout::run(&env, a),
        Command::Status(a) => status::run(&env, a),
        Command::Profile(c) => profile::run(&env, c),
        Command::Completions(a) => completions::run(&env, a),
        Command::Helper(h) => return helper::run(&env, h),
        Command::Setup(a) => setup::run(&env, a),
        Command::Stats(a) => stats::run(&env, a),
        Command::Exec(a) => return exec::run(&env, a),
        Command::AwsCredential(a) => aws::run(&env, a),
        Command::GcpCredential(a) => return Ok(gcp::run(&env, a)),
        Command::Whoami(a) => whoami::run(&env, a),
    };
    done.map(|()| ExitCode::SUCCESS)
}
