//! The `tok` binary: parse, run, and turn errors into one-line messages and exit codes.

use std::process::ExitCode;

use clap::Parser;
use tok::cli::Cli;
use tok::error::{Code, classify};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                Code::Usage.exit_code()
            } else {
                0
            });
        }
    };
    let verb = command_name(&cli);
    let printer = tok::commands::printer_for(&cli);
    match tok::commands::run(cli, printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let (code, hint) = classify(&err);
            eprintln!("tok {verb}: error: {err:#}");
            if let Some(h) = hint {
                eprintln!("  hint: {h}");
            }
            ExitCode::from(code.exit_code())
        }
    }
}

fn command_name(cli: &Cli) -> &'static str {
    use tok::cli::Command::*;
    match cli.command {
        Login(_) => "login",
        Print(_) => "print",
        Logout(_) => "logout",
        Status(_) => "status",
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
