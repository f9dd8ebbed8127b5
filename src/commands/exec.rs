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

/// The command and the variables to set, checked before any token is obtained: a typo must
/// not cost a refresh, nor hide behind a login.
fn checked(
    args: &ExecArgs,
) -> anyhow::Result<(&std::ffi::OsString, &[std::ffi::OsString], Vec<&str>)> {
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
    let named = vars
        .iter()
        .map(|v| ("--env", *v))
        .chain(args.keep_env.iter().map(|v| ("--keep-env", v.as_str())));
    if let Some((flag, bad)) = named.into_iter().find(|(_, v)| !is_var_name(v)) {
        return Err(usage(
            format!(
                "invalid {flag} `{}`: not an environment variable name",
                crate::output::one_line(bad)
            ),
            "use letters, digits and `_`, not starting with a digit (e.g. NPM_TOKEN)",
        ));
    }
    if let Some(bad) = vars.iter().find(|v| steers_the_command(v)) {
        return Err(usage(
            format!(
                "refusing --env {bad}: it steers how the command is loaded or interpreted, and \
                 would hand the token to the loader or interpreter"
            ),
            "name the variable the command reads its token from (e.g. NPM_TOKEN, GH_TOKEN)",
        ));
    }
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
    Ok((program, rest, vars))
}

pub fn run(env: &Env, args: ExecArgs) -> anyhow::Result<ExitCode> {
    let (program, rest, vars) = checked(&args)?;
    let program_text = program.to_string_lossy();
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let want = Want {
        min_ttl: args.min_ttl,
        force_refresh: false,
        token: args.token.into(),
    };
    let served = super::print::served(
        env,
        &profile,
        want,
        &narrow(&args.scopes, args.audience.as_deref()),
        &args.step_up,
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
    let workload_var = match profile.workload.as_ref().map(|w| &w.source) {
        Some(crate::oauth::grant::IdentitySource::Env(name)) => Some(name.as_str()),
        _ => None,
    };
    for var in standing_credentials(workload_var, &args.keep_env) {
        cmd.env_remove(var);
    }
    for var in &vars {
        // The boundary: the token leaves tok here, in the command's environment only.
        cmd.env(var, served.token.access_token.expose());
    }
    spawn(cmd, &program_text)
}

/// The variables of tok's environment that hold standing credentials — the client secret, the
/// GitHub Actions request token and URL, a workload identity's `env:NAME` — and that the
/// command does not get unless `keep` names them: `exec` hands it a short-lived token instead.
fn standing_credentials<'a>(workload_var: Option<&'a str>, keep: &[String]) -> Vec<&'a str> {
    use crate::settings::{
        ENV_ACTIONS_ID_TOKEN_REQUEST_TOKEN, ENV_ACTIONS_ID_TOKEN_REQUEST_URL, ENV_CLIENT_SECRET,
    };
    [
        ENV_CLIENT_SECRET,
        ENV_ACTIONS_ID_TOKEN_REQUEST_TOKEN,
        ENV_ACTIONS_ID_TOKEN_REQUEST_URL,
    ]
    .into_iter()
    .chain(workload_var)
    .filter(|v| !keep.iter().any(|k| k == v))
    .collect()
}

/// A variable the dynamic loader, the shell or a language runtime reads to decide what code
/// runs or where it is found: the token put there would be run, printed or sent elsewhere
/// (`LD_PRELOAD=<token>` makes the loader print it on stderr).
fn steers_the_command(name: &str) -> bool {
    const PREFIXES: &[&str] = &["LD_", "DYLD_", "MALLOC_", "BASH_FUNC_"];
    const NAMES: &[&str] = &[
        "PATH",
        "IFS",
        "ENV",
        "BASH_ENV",
        "SHELLOPTS",
        "BASHOPTS",
        "PS4",
        "PROMPT_COMMAND",
        "ZDOTDIR",
        "GCONV_PATH",
        "GLIBC_TUNABLES",
        "LOCPATH",
        "NLSPATH",
        "HOSTALIASES",
        "RESOLV_HOST_CONF",
        "NODE_OPTIONS",
        "NODE_PATH",
        "PYTHONSTARTUP",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONINSPECT",
        "PERL5OPT",
        "PERL5LIB",
        "PERLLIB",
        "RUBYOPT",
        "RUBYLIB",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "CLASSPATH",
        "GIT_EXEC_PATH",
        "GIT_SSH_COMMAND",
        "GIT_CONFIG_PARAMETERS",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

/// Replace tok with the command: its status and signals are then its own. The command gets the
/// caller's core limits back (tok lowered its own).
#[cfg(unix)]
fn spawn(mut cmd: std::process::Command, program: &str) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: the hook only calls setrlimit, which is async-signal-safe.
    unsafe {
        cmd.pre_exec(crate::hardening::restore_caller_core_limit);
    }
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
    fn standing_credentials_are_removed_unless_kept() {
        assert_eq!(
            standing_credentials(Some("CI_JOB_JWT"), &[]),
            [
                "TOK_CLIENT_SECRET",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "CI_JOB_JWT"
            ]
        );
        assert_eq!(
            standing_credentials(None, &["TOK_CLIENT_SECRET".into()]),
            [
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                "ACTIONS_ID_TOKEN_REQUEST_URL"
            ]
        );
    }

    #[test]
    fn variables_that_steer_the_loader_or_an_interpreter_are_not_token_variables() {
        for bad in [
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "DYLD_INSERT_LIBRARIES",
            "PATH",
            "BASH_ENV",
            "ENV",
            "NODE_OPTIONS",
            "PYTHONSTARTUP",
            "PYTHONPATH",
            "PERL5OPT",
            "RUBYOPT",
            "GLIBC_TUNABLES",
        ] {
            assert!(steers_the_command(bad), "{bad}");
        }
        for ok in [
            "TOK_ACCESS_TOKEN",
            "NPM_TOKEN",
            "GH_TOKEN",
            "TF_TOKEN_x",
            "LD",
        ] {
            assert!(!steers_the_command(ok), "{ok}");
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
