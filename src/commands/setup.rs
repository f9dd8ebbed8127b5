//! `tok setup git|docker|kubectl|terraform`: point a tool at tok, and undo it. Only the keys tok
//! owns are touched: the rest of the user's git config, docker config, Terraform CLI
//! configuration and tok config stays as it was.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::cli::{ProfileArg, SetupArgs, SetupTool};
use crate::config::{self, Config};
use crate::error::{Code, Hinted};
use crate::helpers::{
    self, DOCKER, GIT, HelperConfig, HostPattern, Protocol, TERRAFORM, add_helper, helper_in,
    kubeconfig_user, normalize_registry, normalize_terraform_host, remove_helper,
    terraform_targets,
};
use crate::output::shell_quote;
use crate::settings::Settings;

use super::Env;

pub fn run(env: &Env, args: SetupArgs) -> anyhow::Result<()> {
    match args.tool {
        SetupTool::Git {
            profile,
            host,
            remove,
        } => git(env, &profile, &host, remove),
        SetupTool::Docker {
            profile,
            registry,
            remove,
        } => docker(env, &profile, &registry, remove),
        SetupTool::Kubectl { profile, token } => {
            let config = env.config()?;
            let name = config.select(profile.profile.as_deref())?;
            config.profile(&name)?;
            if let Some(t) = token {
                set_kubectl_token(&config, &name, t)?;
            }
            let block = kubeconfig_user(&name, &tok_path()?);
            env.ctx.printer.stdout(&block)?;
            env.ctx.printer.info(
                "Paste this under `users:` in your kubeconfig and name the user in your context.",
            );
            Ok(())
        }
        SetupTool::Terraform {
            profile,
            host,
            remove,
        } => terraform(env, &profile, &host, remove),
        SetupTool::Aws {
            profile,
            role_arn,
            aws_profile,
            remove,
        } => super::aws::setup(env, &profile, &role_arn, &aws_profile, &tok_path()?, remove),
        SetupTool::Gcp {
            profile,
            audience,
            service_account,
            output,
        } => super::gcp::setup(
            env,
            &profile,
            &audience,
            service_account.as_deref(),
            &output,
            &tok_path()?,
        ),
    }
}

/// The absolute path of this tok binary, for configs that outlive this shell's PATH.
fn tok_path() -> anyhow::Result<String> {
    let exe = std::env::current_exe().context("cannot find the path of the tok binary")?;
    let exe = exe.canonicalize().unwrap_or(exe);
    exe.to_str()
        .map(str::to_string)
        .context("the path of the tok binary is not UTF-8")
}

fn usage(message: String) -> anyhow::Error {
    Hinted::new(Code::Usage, message, None).into()
}

fn git(env: &Env, profile: &ProfileArg, host: &str, remove: bool) -> anyhow::Result<()> {
    let p = &env.ctx.printer;
    let pattern = HostPattern::parse(host).map_err(usage)?;
    let url = pattern.url();
    let config = env.config()?;
    let name = config.select(profile.profile.as_deref())?;
    let section = format!("credential.{url}");
    if remove {
        edit_profile_list(
            &config,
            &name,
            &GIT,
            |h| HostPattern::parse(h).is_ok_and(|x| x == pattern),
            None,
        )?;
        git_config(&["--unset-all", &format!("{section}.helper")], true)?;
        git_config(&["--unset-all", &format!("{section}.useHttpPath")], true)?;
        // Drop the section header too, if nothing of the user's is left in it.
        let keys = git_config(&["--name-only", "--list"], true)?;
        let prefix = format!("{}.", section.to_ascii_lowercase());
        if !keys
            .lines()
            .any(|k| k.to_ascii_lowercase().starts_with(&prefix))
        {
            git_config(&["--remove-section", &section], true)?;
        }
        p.info(format!(
            "git no longer asks tok for {url}; removed it from profile `{name}`."
        ));
        return Ok(());
    }
    config.profile(&name)?;
    edit_profile_list(
        &config,
        &name,
        &GIT,
        |h| HostPattern::parse(h).is_ok_and(|x| x == pattern),
        Some(&url),
    )?;
    let helper = format!("!{} {}", shell_quote(&tok_path()?), GIT.subcommand);
    let key = format!("{section}.helper");
    // An empty value resets the list of helpers for this URL: a stale helper configured for
    // all hosts would otherwise answer first (git-config(1), credential.helper).
    let wanted = format!("\n{helper}\n");
    if git_config(&["--get-all", &key], true)? != wanted {
        git_config(&["--unset-all", &key], true)?;
        git_config(&["--add", &key, ""], false)?;
        git_config(&["--add", &key, &helper], false)?;
    }
    let http_path = format!("{section}.useHttpPath");
    if !pattern.path.is_empty() && git_config(&["--get", &http_path], true)?.trim() != "true" {
        git_config(&[&http_path, "true"], false)?;
    }
    p.info(format!(
        "git now asks tok (profile `{name}`) for {url}: `credential.{url}.helper` in git's global config."
    ));
    Ok(())
}

/// Run `git config --global ARGS`; with `tolerant`, "nothing to unset" is not an error.
fn git_config(args: &[&str], tolerant: bool) -> anyhow::Result<String> {
    let out = Command::new("git")
        .arg("config")
        .arg("--global")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .context("cannot run git (is it installed?)")?;
    if !out.status.success() && !tolerant {
        anyhow::bail!(
            "`git config --global {}` failed: {}",
            args.first().copied().unwrap_or(""),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn docker(env: &Env, profile: &ProfileArg, registry: &str, remove: bool) -> anyhow::Result<()> {
    let p = &env.ctx.printer;
    let registry = normalize_registry(registry).map_err(usage)?;
    let config = env.config()?;
    let name = config.select(profile.profile.as_deref())?;
    let same = |r: &str| normalize_registry(r).is_ok_and(|x| x == registry);
    let path = edit_target(&docker_config_path(&env.ctx.settings)?, "docker")?;
    if remove {
        edit_profile_list(&config, &name, &DOCKER, same, None)?;
        edit_docker_config(&path, &registry, false)?;
        p.info(format!(
            "docker no longer asks tok for {registry} ({}).",
            path.display()
        ));
        return Ok(());
    }
    config.profile(&name)?;
    edit_profile_list(&config, &name, &DOCKER, same, Some(&registry))?;
    edit_docker_config(&path, &registry, true)?;
    p.info(format!(
        "docker now asks tok (profile `{name}`) for {registry}: `credHelpers` in {}.",
        path.display()
    ));
    let program = DOCKER.argv0.expect("docker runs its helper by name");
    if !on_path(program) {
        p.warn(format!(
            "docker runs `{program}` from PATH, and there is none: link it, e.g. `ln -s {} ~/.local/bin/{program}`",
            tok_path()?
        ));
    }
    Ok(())
}

fn docker_config_path(settings: &Settings) -> anyhow::Result<PathBuf> {
    let dir = match &settings.docker_config {
        Some(d) => d.clone(),
        None => directories::BaseDirs::new()
            .context("cannot find a home directory; set HOME or DOCKER_CONFIG")?
            .home_dir()
            .join(".docker"),
    };
    Ok(dir.join("config.json"))
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// Set or remove `credHelpers[registry] = "tok"` ([`helpers::edit_docker_config`]); every other key
/// stays as it was.
fn edit_docker_config(path: &Path, registry: &str, add: bool) -> anyhow::Result<()> {
    let existing = crate::paths::read_optional(path)?;
    let text = helpers::edit_docker_config(existing.as_deref(), registry, add).map_err(|why| {
        Hinted::new(
            Code::Config,
            format!("{} {why}", path.display()),
            Some("fix or move the file, then run `tok setup docker` again".into()),
        )
    })?;
    match text {
        // docker's config may hold `auths` secrets: keep it private, write atomically.
        Some(text) => Ok(crate::paths::write_private_atomic(path, text.as_bytes())?),
        None => Ok(()),
    }
}

/// Add `value` to (or, with `None`, remove every entry `same` matches from) the protocol's list
/// in `[profiles.NAME]`, keeping the rest of the file as it was.
fn edit_profile_list(
    config: &Config,
    name: &str,
    protocol: &Protocol,
    same: impl Fn(&str) -> bool,
    value: Option<&str>,
) -> anyhow::Result<()> {
    let key = protocol
        .config_key
        .as_ref()
        .expect("only protocols with a profile key are set up by list")
        .name;
    let edited = config::edit_list(&config.text, name, key, same, value).map_err(|why| {
        Hinted::new(
            Code::Config,
            format!("cannot edit {}: {why}", config.path.display()),
            None,
        )
    })?;
    match edited {
        config::ListEdit::NoProfile => {
            if value.is_some() {
                config.profile(name)?;
            }
            Ok(())
        }
        config::ListEdit::Unchanged => Ok(()),
        config::ListEdit::Changed(text) => {
            config::parse(&text, &config.path)?;
            Ok(config::save(&config.path, &text)?)
        }
    }
}

/// `kubectl_token` in the profile: `"id"`, or removed for the default (the access token).
fn set_kubectl_token(
    config: &Config,
    name: &str,
    token: crate::cli::TokenArg,
) -> anyhow::Result<()> {
    use toml_edit::{DocumentMut, Item, value};
    let mut doc: DocumentMut = config
        .text
        .parse()
        .with_context(|| format!("cannot edit {}", config.path.display()))?;
    let table = doc
        .get_mut("profiles")
        .and_then(|p| p.get_mut(name))
        .and_then(Item::as_table_like_mut)
        .with_context(|| {
            format!(
                "profile `{name}` is not a table of {}",
                config.path.display()
            )
        })?;
    match token {
        crate::cli::TokenArg::Id => {
            table.insert("kubectl_token", value("id"));
        }
        crate::cli::TokenArg::Access => {
            table.remove("kubectl_token");
        }
    }
    let text = doc.to_string();
    config::parse(&text, &config.path)?;
    Ok(config::save(&config.path, &text)?)
}

fn home_dir() -> anyhow::Result<PathBuf> {
    Ok(directories::BaseDirs::new()
        .context("cannot find a home directory; set HOME")?
        .home_dir()
        .to_path_buf())
}

/// Terraform's CLI configuration: $TF_CLI_CONFIG_FILE, else ~/.terraformrc.
fn terraform_rc_path(settings: &Settings) -> anyhow::Result<PathBuf> {
    match &settings.tf_cli_config_file {
        Some(p) => Ok(p.clone()),
        None => Ok(home_dir()?.join(".terraformrc")),
    }
}

fn terraform(env: &Env, profile: &ProfileArg, host: &str, remove: bool) -> anyhow::Result<()> {
    let p = &env.ctx.printer;
    let host = normalize_terraform_host(host).map_err(usage)?;
    let config = env.config()?;
    let name = config.select(profile.profile.as_deref())?;
    let same = |h: &str| normalize_terraform_host(h).is_ok_and(|x| x == host);
    let rc = edit_target(&terraform_rc_path(&env.ctx.settings)?, "terraform")?;
    let program = TERRAFORM.argv0.expect("terraform runs its helper by name");
    // Terraform looks for helpers here (and in its OS_ARCH subdirectory).
    let link = home_dir()?.join(".terraform.d/plugins").join(program);
    let text = crate::paths::read_optional(&rc)?
        .map(|b| {
            String::from_utf8(b).map_err(|_| {
                Hinted::new(
                    Code::Config,
                    format!("{} is not UTF-8 text", rc.display()),
                    None,
                )
            })
        })
        .transpose()?;
    if remove {
        edit_profile_list(&config, &name, &TERRAFORM, same, None)?;
        // Another host may still need the helper: only the last one takes it out.
        let (left, _) = terraform_targets(&env.config()?);
        if !left.is_empty() {
            p.info(format!(
                "Terraform no longer gets tokens from profile `{name}` for {host}; the helper \
                 stays for {}.",
                left.iter()
                    .map(|t| t.host.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            return Ok(());
        }
        match text.as_deref().and_then(remove_helper) {
            Some(Some(restored)) => {
                crate::paths::write_private_atomic(&rc, restored.as_bytes())?;
            }
            Some(None) => {
                crate::paths::remove_optional(&rc)?;
            }
            None => {}
        }
        if std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()) {
            crate::paths::remove_optional(&link)?;
        }
        p.info(format!(
            "Terraform no longer asks tok for {host} ({}).",
            rc.display()
        ));
        return Ok(());
    }
    config.profile(&name)?;
    match helper_in(text.as_deref().unwrap_or("")) {
        HelperConfig::Tok => {}
        HelperConfig::Other(other) => {
            return Err(Hinted::new(
                Code::Config,
                format!(
                    "{} already names the credentials helper `{}`, and Terraform uses only one",
                    rc.display(),
                    crate::output::one_line(&other)
                ),
                Some("remove that `credentials_helper` block first, then run `tok setup terraform` again".into()),
            )
            .into());
        }
        HelperConfig::None => {
            let added = add_helper(text.as_deref());
            crate::paths::write_private_atomic(&rc, added.as_bytes())?;
        }
    }
    edit_profile_list(&config, &name, &TERRAFORM, same, Some(&host))?;
    link_helper(&link, &tok_path()?)?;
    p.info(format!(
        "Terraform now asks tok (profile `{name}`) for {host}: `credentials_helper \"tok\"` in {}, \
         {} → tok.",
        rc.display(),
        link.display()
    ));
    Ok(())
}

/// The file an edit of the user's `path` goes to: `path` itself, or — when it is a symlink, as
/// dotfile managers make them — its target, if that is a regular file of this user that no
/// one else can write (replacing the link with a file would silently detach it from the
/// dotfiles). Any other link is refused, naming both paths.
fn edit_target(path: &Path, tool: &str) -> anyhow::Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(path.to_path_buf());
    }
    let refuse = |target: &Path, why: &str| -> anyhow::Error {
        Hinted::new(
            Code::Config,
            format!(
                "{} is a symlink to {}, {why}; tok edits a link's target only when it is your \
                 own file and no one else can write it",
                path.display(),
                target.display()
            ),
            Some(format!(
                "edit {} yourself, or replace the link with a file, then run `tok setup {tool}` \
                 again",
                target.display()
            )),
        )
        .into()
    };
    let named = std::fs::read_link(path).unwrap_or_default();
    let Ok(target) = std::fs::canonicalize(path) else {
        return Err(refuse(&named, "which does not exist"));
    };
    let Ok(m) = std::fs::metadata(&target) else {
        return Err(refuse(&target, "which cannot be read"));
    };
    if !m.is_file() {
        return Err(refuse(&target, "which is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        if m.uid() != uid {
            return Err(refuse(
                &target,
                &format!("which belongs to uid {}, not to you (uid {uid})", m.uid()),
            ));
        }
        if m.mode() & 0o022 != 0 {
            return Err(refuse(
                &target,
                &format!("which others can write (mode {:o})", m.mode() & 0o7777),
            ));
        }
    }
    Ok(target)
}

/// Make `link` a symlink to `target`, replacing an older link (a moved tok) but never a file.
fn link_helper(link: &Path, target: &str) -> anyhow::Result<()> {
    if let Some(dir) = link.parent() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
    }
    match std::fs::symlink_metadata(link) {
        Ok(m) if m.file_type().is_symlink() => {
            if std::fs::read_link(link).is_ok_and(|t| t == Path::new(target)) {
                return Ok(());
            }
            crate::paths::remove_optional(link)?;
        }
        Ok(_) => {
            return Err(Hinted::new(
                Code::Config,
                format!("{} exists and is not a link to tok", link.display()),
                Some("move it away, then run `tok setup terraform` again".into()),
            )
            .into());
        }
        Err(_) => {}
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, link)
        .with_context(|| format!("cannot create the link {}", link.display()))?;
    #[cfg(not(unix))]
    std::fs::copy(target, link)
        .map(|_| ())
        .with_context(|| format!("cannot copy tok to {}", link.display()))?;
    Ok(())
}
