//! `tok completions SHELL`: the completion script, generated from the same clap definition as
//! the committed files under `completions/`.

use crate::cli::CompletionsArgs;

use super::Env;

pub fn run(env: &Env, args: CompletionsArgs) -> anyhow::Result<()> {
    env.ctx.printer.stdout(&script(args.shell))?;
    Ok(())
}

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut crate::cli::command(), "tok", &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}
