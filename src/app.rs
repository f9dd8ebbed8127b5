//! The process around the commands: argv[0] dispatch, settings resolved once, and turning
//! errors into one-line messages (or, with `--json-errors`, one JSON object) and exit codes.
//! `src/main.rs` only calls [`main`].

use std::process::ExitCode;

use crate::cli::Cli;
use crate::error::{Code, classify};

/// The whole process: deny core dumps, read the environment once, expand argv[0] aliases,
/// parse, run, and map the outcome to an exit status.
pub fn main() -> ExitCode {
    // Before anything reads a secret (the environment, stdin, the store).
    crate::hardening::deny_core_dumps();
    let settings = crate::settings::Settings::from_env();
    let args = crate::helpers::expand_argv0(std::env::args_os().collect());
    if let Some(cli) = Cli::try_parse_fast(&args) {
        return run(cli, settings);
    }
    let cli = match Cli::parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            if !e.use_stderr() {
                // --help, --version
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let first_line = |e: &clap::Error| {
                let rendered = e.to_string();
                let line = rendered.lines().next().unwrap_or("invalid command line");
                line.trim_start_matches("error: ").to_string()
            };
            if verb_is(&args, "gcp-credential") {
                // Google's libraries parse stdout (stderr merged in): the failure JSON, and
                // nothing on stderr.
                let message = format!(
                    "{} (hint: run `tok gcp-credential --help`)",
                    crate::output::one_line(&first_line(&e))
                );
                print!(
                    "{}",
                    crate::helpers::gcp_failure(Code::Usage.name(), &message)
                );
                return ExitCode::from(Code::Usage.exit_code());
            }
            if json_errors_requested(&settings) {
                report_json(
                    Code::Usage,
                    &first_line(&e),
                    Some("run `tok --help` (or `tok COMMAND --help`)"),
                );
            } else {
                let _ = e.print();
            }
            return ExitCode::from(Code::Usage.exit_code());
        }
    };
    run(cli, settings)
}

fn run(cli: Cli, settings: crate::settings::Settings) -> ExitCode {
    let verb = command_name(&cli);
    let json_errors = cli.global.json_errors;
    let printer = crate::commands::printer_for(&cli);
    match crate::commands::run(cli, printer, settings) {
        Ok(status) => status,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let (code, hint) = classify(&err);
            if json_errors {
                report_json(code, &format!("{err:#}"), hint.as_deref());
            } else {
                report_human(verb, &format!("{err:#}"), hint.as_deref());
            }
            ExitCode::from(code.exit_code())
        }
    }
}

/// Whether the verb of `args` (which did not parse) is `verb`: the first word that is neither
/// an option nor the value of a global option's separate argument.
fn verb_is(args: &[std::ffi::OsString], verb: &str) -> bool {
    let mut words = args.iter().skip(1);
    while let Some(w) = words.next() {
        match w.to_str() {
            Some("--config" | "--store") => {
                words.next();
            }
            Some(o) if o.starts_with('-') => {}
            w => return w == Some(verb),
        }
    }
    false
}

/// `--json-errors` or TOK_JSON_ERRORS, looked for by hand when the command line did not parse.
fn json_errors_requested(settings: &crate::settings::Settings) -> bool {
    std::env::args_os().skip(1).any(|a| a == "--json-errors") || settings.json_errors
}

/// `{"error":{"code":"login_required","exit_code":3,"message":"…","hint":"…"}}` on stderr.
fn report_json(code: Code, message: &str, hint: Option<&str>) {
    let v = serde_json::json!({
        "error": {
            "code": code,
            "exit_code": code.exit_code(),
            "message": message,
            "hint": hint,
        }
    });
    eprintln!("{v}");
}

/// `tok VERB: error: …` and `  hint: …`, coloured only on a terminal without NO_COLOR.
fn report_human(verb: &str, message: &str, hint: Option<&str>) {
    use anstyle::{AnsiColor, Style};
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let cyan = Style::new().fg_color(Some(AnsiColor::Cyan.into()));
    anstream::eprintln!("tok {verb}: {red}error:{red:#} {message}");
    if let Some(h) = hint {
        anstream::eprintln!("  {cyan}hint:{cyan:#} {h}");
    }
}

fn command_name(cli: &Cli) -> &'static str {
    use crate::cli::Command::*;
    match cli.command {
        Login(_) => "login",
        Print(_) => "print",
        Logout(_) => "logout",
        Status(_) => "status",
        Profile(_) => "profile",
        Completions(_) => "completions",
        Helper(ref h) => h.protocol().subcommand,
        Setup(_) => "setup",
        Stats(_) => "stats",
        Exec(_) => "exec",
        AwsCredential(_) => "aws-credential",
        GcpCredential(_) => "gcp-credential",
        Whoami(_) => "whoami",
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(broken_pipe)
}

/// Whether `e` is a broken pipe, looking into a session's failure (which carries another whole).
fn broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(s) = e.downcast_ref::<crate::session::Error>() {
        return broken_pipe(s.inner());
    }
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_inside_a_session_failure_is_a_broken_pipe() {
        let pipe = || std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&anyhow::Error::new(pipe()).context("c")));
        let wrapped = crate::session::Error::from(pipe());
        assert!(is_broken_pipe(&anyhow::Error::new(wrapped).context("c")));
        let other = crate::session::Error::from(std::io::Error::other("disk full"));
        assert!(!is_broken_pipe(&anyhow::Error::new(other)));
    }

    #[test]
    fn the_verb_of_a_command_line_that_did_not_parse_is_found() {
        let is = |a: &[&str]| {
            let args: Vec<std::ffi::OsString> = a.iter().map(Into::into).collect();
            verb_is(&args, "gcp-credential")
        };
        assert!(is(&["tok", "gcp-credential", "--nope"]));
        assert!(is(&["tok", "-vq", "gcp-credential"]));
        assert!(is(&["tok", "--config", "/c.toml", "gcp-credential"]));
        assert!(is(&["tok", "--store=file", "gcp-credential"]));
        assert!(!is(&["tok", "print", "-p", "gcp-credential"]));
        assert!(!is(&["tok", "--config", "gcp-credential", "print"]));
        assert!(!is(&["tok"]));
    }
}
