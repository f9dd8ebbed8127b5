//! `tok exec`: run a command with a fresh access token in its environment — for the many tools
//! that read a token only from a variable (npm, gh, Terraform's `TF_TOKEN_*`, uv and pip index
//! passwords, SDKs). The token never appears in an argument list; on Unix tok `exec`s the
//! command, so its exit status and signals are the command's own.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::audit::{Consumer, Requester};
use crate::cli::ExecArgs;
use crate::error::{Code, Hinted};
use crate::session::Want;

use super::Env;
use super::print::narrow;

/// The variable the token goes in when no `--env` is given.
pub const DEFAULT_VAR: &str = "TOK_ACCESS_TOKEN";

pub fn run(env: &Env, args: ExecArgs) -> anyhow::Result<ExitCode> {
    let usage = |m: String, hint: &str| -> anyhow::Error {
        Hinted::new(Code::Usage, m, Some(hint.to_string())).into()
    };
    let synopsis = "put the command after `--`: tok exec -p NAME -- CMD [ARGS...]";
    let Some((program, rest)) = args.command.split_first() else {
        return Err(usage("no command to run".into(), synopsis));
    };
    if program.is_empty() {
        return Err(usage("the command to run is empty".into(), synopsis));
    }
    let vars: Vec<&str> = if args.env.is_empty() {
        vec![match args.token {
            crate::cli::TokenArg::Access => DEFAULT_VAR,
            crate::cli::TokenArg::Id => "TOK_ID_TOKEN",
        }]
    } else {
        args.env.iter().map(String::as_str).collect()
    };
    if let Some(bad) = vars.iter().find(|v| !is_var_name(v)) {
        return Err(usage(
            format!(
                "invalid --env `{}`: not an environment variable name",
                crate::output::one_line(bad)
            ),
            "use letters, digits and `_`, not starting with a digit (e.g. NPM_TOKEN)",
        ));
    }
    // Before any token is obtained: a typo must not cost a refresh, nor hide behind a login.
    let program_text = program.to_string_lossy();
    if find_program(program).is_none() {
        return Err(usage(
            format!(
                "command `{}` not found",
                crate::output::one_line(&program_text)
            ),
            "check its spelling and PATH, or give its full path",
        ));
    }
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let want = Want {
        min_ttl: args.min_ttl,
        force_refresh: false,
        token: args.token.into(),
    };
    let served = super::request::token(
        &env.ctx,
        &profile,
        want,
        &narrow(&args.scopes, args.audience.as_deref()),
        &Requester::new(Consumer::EXEC),
    )?;
    if served.token.is_dpop() {
        env.ctx.printer.warn(format!(
            "the access token of profile `{name}` is DPoP-bound: a command that sends it as a \
             bearer token will be refused"
        ));
    }
    env.ctx.printer.verbose(format!(
        "running `{}` with access token {} in {}",
        crate::output::one_line(&program_text),
        served.token.access_token.fingerprint(),
        vars.join(", ")
    ));
    let mut cmd = std::process::Command::new(program);
    cmd.args(rest);
    for var in &vars {
        // The boundary: the token leaves tok here, in the command's environment only.
        cmd.env(var, served.token.access_token.expose());
    }
    spawn(cmd, &program_text)
}

/// Replace tok with the command: its status and signals are then its own.
#[cfg(unix)]
fn spawn(mut cmd: std::process::Command, program: &str) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::CommandExt as _;
    // `exec` returns only when it failed.
    let err = cmd.exec();
    Err(exec_error(err, program))
}

/// Without `exec`: run the command and pass its exit status on.
#[cfg(not(unix))]
fn spawn(mut cmd: std::process::Command, program: &str) -> anyhow::Result<ExitCode> {
    let status = cmd.status().map_err(|e| exec_error(e, program))?;
    let code = status.code().unwrap_or(1);
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

fn exec_error(err: std::io::Error, program: &str) -> anyhow::Error {
    let program = crate::output::one_line(program);
    let (code, message) = match err.kind() {
        std::io::ErrorKind::NotFound => (Code::Usage, format!("command `{program}` not found")),
        std::io::ErrorKind::PermissionDenied => (
            Code::Usage,
            format!("command `{program}` cannot be run (permission denied)"),
        ),
        _ => (Code::Failure, format!("cannot run `{program}`: {err}")),
    };
    Hinted::new(code, message, None).into()
}

/// A portable environment variable name (POSIX: letters, digits, `_`, not starting with a
/// digit): anything else could not be read back by a shell, or would smuggle a `=` in.
fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Where `program` would be found: a path as given, else the first executable file of that
/// name on PATH (as `execvp` looks).
fn find_program(program: &OsStr) -> Option<PathBuf> {
    let path = Path::new(program);
    if path.components().count() > 1 || program.to_string_lossy().contains('/') {
        return path.is_file().then(|| path.to_path_buf());
    }
    // PATH is the command's, not a setting of tok's: it is read where the command is looked up.
    let dirs: OsString = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&dirs)
        .map(|d| d.join(program))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names() {
        for ok in [
            "TOK_ACCESS_TOKEN",
            "NPM_TOKEN",
            "_x",
            "TF_TOKEN_app_terraform_io",
        ] {
            assert!(is_var_name(ok), "{ok}");
        }
        for bad in ["", "1X", "A=B", "A B", "A-B", "É"] {
            assert!(!is_var_name(bad), "{bad}");
        }
    }

    #[test]
    fn programs_are_looked_up_like_execvp() {
        assert!(find_program(OsStr::new("sh")).is_some());
        assert!(find_program(OsStr::new("/bin/sh")).is_some());
        assert!(find_program(OsStr::new("no-such-program-tok-test")).is_none());
        assert!(find_program(OsStr::new("./no/such")).is_none());
    }
}
