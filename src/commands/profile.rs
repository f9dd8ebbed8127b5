//! `tok profile list|show|remove`: see and manage profiles without editing TOML by hand.
//! Never prints a token, and `list`/`show` never touch the keychain (they read the profile
//! state file).

use serde::Serialize;

use crate::cli::{ProfileCommand, ProfileListArgs, ProfileRemoveArgs, ProfileShowArgs};
use crate::config::{self, Config};
use crate::error::{Code, Hinted};
use crate::helpers::{PROTOCOLS, Protocol};
use crate::session::{self, ProfileState};
use crate::time::rfc3339;

use super::Env;

pub fn run(env: &Env, cmd: ProfileCommand) -> anyhow::Result<()> {
    match cmd {
        ProfileCommand::List(a) => list(env, a),
        ProfileCommand::Show(a) => show(env, a),
        ProfileCommand::Remove(a) => remove(env, a),
        ProfileCommand::Jwks(a) => {
            let config = env.config()?;
            let name = config.select(a.profile.profile.as_deref())?;
            let profile = config.profile(&name)?;
            let jwks = session::client_jwks(&env.ctx, &profile)?;
            Ok(env
                .ctx
                .printer
                .stdout(&format!("{}\n", serde_json::to_string_pretty(&jwks)?))?)
        }
    }
}

#[derive(Debug, Serialize)]
struct Summary {
    name: String,
    default: bool,
    issuer: Option<String>,
    client_id: Option<String>,
    preset: Option<String>,
    logged_in: bool,
}

fn summary(env: &Env, config: &Config, name: &str, default: Option<&str>) -> Summary {
    let raw = config.file.profiles.get(name).cloned().unwrap_or_default();
    let state = session::read_state(&env.ctx.paths, name);
    Summary {
        name: name.into(),
        default: default == Some(name),
        issuer: raw.issuer,
        client_id: raw.client_id,
        preset: raw.preset,
        logged_in: state.logged_in_at.is_some(),
    }
}

fn list(env: &Env, args: ProfileListArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let default = config.select(None).ok();
    let all: Vec<Summary> = config
        .file
        .profiles
        .keys()
        .map(|n| summary(env, &config, n, default.as_deref()))
        .collect();
    let p = &env.ctx.printer;
    if args.json {
        return Ok(p.stdout(&format!("{}\n", serde_json::to_string_pretty(&all)?))?);
    }
    if all.is_empty() {
        p.info(format!(
            "No profiles in {}.\nCreate one with: tok login -p NAME --issuer URL --client-id ID",
            config.path.display()
        ));
        return Ok(());
    }
    let width = all.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for s in &all {
        out.push_str(&format!(
            "{} {:<width$}  {:<10}  {}\n",
            if s.default { "*" } else { " " },
            s.name,
            if s.logged_in {
                "logged in"
            } else {
                "no session"
            },
            s.issuer.as_deref().unwrap_or("(no issuer)"),
        ));
    }
    Ok(p.stdout(&out)?)
}

#[derive(Debug, Serialize)]
struct Details {
    #[serde(flatten)]
    summary: Summary,
    config: String,
    scopes: Vec<String>,
    audience: Option<String>,
    flow: Option<String>,
    token_endpoint: Option<String>,
    /// The login's keys for stricter servers (README: Servers that need more).
    redirect_uri: Option<String>,
    auth_params: std::collections::BTreeMap<String, String>,
    par: Option<bool>,
    #[serde(flatten)]
    usernames: Usernames,
    session: ProfileState,
}

/// The username each helper protocol sends for this profile, as the helpers resolve it (the
/// profile's own, else its preset's, else the protocol's default): `git_username`,
/// `docker_username`, … in the order of the protocol table.
#[derive(Debug)]
struct Usernames(Vec<(&'static Protocol, String)>);

impl Usernames {
    fn of(raw: &crate::config::ProfileConfig) -> Self {
        Self(
            PROTOCOLS
                .iter()
                .filter_map(|p| Some((*p, p.username(raw)?)))
                .collect(),
        )
    }
}

impl Serialize for Usernames {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (p, user) in &self.0 {
            m.serialize_entry(&format!("{}_username", p.consumer.as_str()), user)?;
        }
        m.end()
    }
}

fn show(env: &Env, args: ProfileShowArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = config.select(args.name.as_deref())?;
    let Some(raw) = config.file.profiles.get(&name).cloned() else {
        return Err(config::ConfigError::UnknownProfile {
            name,
            path: config.path.clone(),
        }
        .into());
    };
    let default = config.select(None).ok();
    let d = Details {
        summary: summary(env, &config, &name, default.as_deref()),
        config: config.path.display().to_string(),
        scopes: raw.scopes.clone().unwrap_or_default(),
        audience: raw.audience.clone(),
        flow: raw.flow.map(|f| f.as_str().to_string()),
        token_endpoint: raw.token_endpoint.clone(),
        redirect_uri: raw.redirect_uri.clone(),
        auth_params: raw.auth_params.clone().unwrap_or_default(),
        par: raw.par,
        usernames: Usernames::of(&raw),
        session: session::read_state(&env.ctx.paths, &name),
    };
    let p = &env.ctx.printer;
    if args.json {
        return Ok(p.stdout(&format!("{}\n", serde_json::to_string_pretty(&d)?))?);
    }
    Ok(p.stdout(&human(&d))?)
}

/// `tok profile show` for people: one `key: value` line per set key.
fn human(d: &Details) -> String {
    let mut out = format!(
        "{}{}\n",
        d.summary.name,
        if d.summary.default { " (default)" } else { "" }
    );
    let mut line = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push_str(&format!("  {k:<12} {v}\n"));
        }
    };
    line("config:", Some(d.config.clone()));
    line("issuer:", d.summary.issuer.clone());
    line("client:", d.summary.client_id.clone());
    line("preset:", d.summary.preset.clone());
    line("scopes:", Some(d.scopes.join(" ")));
    line("audience:", d.audience.clone());
    line("flow:", d.flow.clone());
    line("redirect:", d.redirect_uri.clone());
    let params: Vec<String> = d
        .auth_params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    line("auth params:", Some(params.join(" ")));
    line("par:", d.par.map(|p| p.to_string()));
    for (protocol, user) in &d.usernames.0 {
        line(
            &format!("{} user:", protocol.consumer.as_str()),
            Some(user.clone()),
        );
    }
    line("store:", d.session.store.map(|s| s.as_str().to_string()));
    line(
        "dpop:",
        d.session
            .dpop_jkt
            .as_ref()
            .map(|j| format!("bound to key {j}")),
    );
    line(
        "session:",
        Some(match d.session.logged_in_at {
            Some(t) => match d.session.grant {
                Some(g) => format!("logged in at {}, {}", rfc3339(t), g.describe()),
                None => format!("logged in at {}", rfc3339(t)),
            },
            None => format!("none (run `tok login -p {}`)", d.summary.name),
        }),
    );
    line(
        "access:",
        d.session
            .access_expires_at
            .map(|e| format!("expires {}", rfc3339(e))),
    );
    out
}

fn remove(env: &Env, args: ProfileRemoveArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = args.name;
    config::validate_name(&name)?;
    if !config.file.profiles.contains_key(&name) {
        return Err(config::ConfigError::UnknownProfile {
            name,
            path: config.path.clone(),
        }
        .into());
    }
    let p = &env.ctx.printer;
    // Forget the session first: a profile without config could no longer be logged out.
    match config.profile(&name) {
        Ok(profile) => {
            let report = session::logout(&env.ctx, &profile, !args.no_revoke)?;
            if let Some(e) = report.revocation_error {
                p.warn(format!("revocation failed: {e}"));
            }
        }
        Err(e) => {
            p.warn(format!("{e}; removing local data without revoking"));
            if let Ok(store) = env.ctx.store_for(&name) {
                let _ = store.delete(&name);
            }
            session::evict_cache(&env.ctx.paths, &name);
            let _ = crate::paths::remove_optional(&env.ctx.paths.profile_state(&name));
        }
    }
    // The client's own key (`private_key_jwt`) goes with the profile; a logout keeps it.
    let raw = config.file.profiles.get(&name);
    if raw.and_then(|r| r.client_auth.as_deref()) == Some("private_key_jwt") {
        let account = session::client_key_account(&name);
        if let Err(e) = env.ctx.store_for(&name).and_then(|s| s.delete(&account)) {
            p.warn(format!("the client key of `{name}` was not removed: {e}"));
        }
    }
    let text = remove_from_text(&config.text, &name).map_err(|m| {
        Hinted::new(
            Code::Config,
            format!("cannot edit {}: {m}", config.path.display()),
            Some("fix the file by hand".into()),
        )
    })?;
    config::save(&config.path, &text)?;
    p.info(format!(
        "Removed profile `{name}` from {}.",
        config.path.display()
    ));
    Ok(())
}

/// The config text without `[profiles.NAME]` (and without `default_profile` naming it),
/// comments and other profiles kept.
pub fn remove_from_text(text: &str, name: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    if let Some(t) = doc.get_mut("profiles").and_then(|p| p.as_table_like_mut()) {
        t.remove(name);
    }
    if doc.get("default_profile").and_then(|d| d.as_str()) == Some(name) {
        doc.remove("default_profile");
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn removes_only_that_profile() {
        let text = "default_profile = \"a\"\n# keep\n[profiles.a]\nissuer = \"https://a\"\n\n[profiles.b] # b\nissuer = \"https://b\"\n";
        let out = super::remove_from_text(text, "a").unwrap();
        assert!(!out.contains("[profiles.a]"), "{out}");
        assert!(!out.contains("default_profile"), "{out}");
        assert!(out.contains("[profiles.b] # b"), "{out}");
    }
}
