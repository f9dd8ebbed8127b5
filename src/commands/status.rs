//! `tok status`: profiles, stores, expiry and the last refresh. Never a token.

use serde::Serialize;

use crate::cli::StatusArgs;
use crate::config::Config;
use crate::session::{self, GrantKind, RefreshRecord};
use crate::time::{ago, now, relative, rfc3339};

use super::Env;

#[derive(Debug, Serialize)]
struct ProfileStatus {
    name: String,
    default: bool,
    issuer: Option<String>,
    client_id: Option<String>,
    scopes: Vec<String>,
    store: Option<String>,
    /// `true`/`false`, or absent when the store could not be asked.
    logged_in: Option<bool>,
    store_error: Option<String>,
    access_expires_at: Option<String>,
    access_expires_in: Option<i64>,
    scope: Option<String>,
    last_refresh: Option<RefreshRecord>,
    /// Whether the provider was seen rotating refresh tokens.
    rotates: Option<bool>,
    /// The provider's clock minus this machine's, in seconds, when noticeable.
    clock_skew: Option<i64>,
    /// RFC 7638 thumbprint of the session's DPoP key, for a DPoP-bound session.
    #[serde(skip_serializing_if = "Option::is_none")]
    dpop_jkt: Option<String>,
    /// Where the DPoP key lives: `session store` (the keychain item or file of `store`), or its
    /// `pkcs11:` URI and the token's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    dpop_key_at: Option<String>,
    /// The client certificate presented for mutual TLS (RFC 8705).
    #[serde(skip_serializing_if = "Option::is_none")]
    client_certificate: Option<CertStatus>,
    /// What kind of session the login stored.
    grant: Option<GrantKind>,
    /// A `private_key_jwt` client's signing key (where it lives, never the key).
    #[serde(skip_serializing_if = "Option::is_none")]
    client_key: Option<session::ClientKeyInfo>,
    /// For a workload-identity profile: where the identity comes from and how it is exchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    workload_identity: Option<WorkloadStatus>,
    config_error: Option<String>,
}

#[derive(Debug, Serialize)]
struct CertStatus {
    path: String,
    method: &'static str,
    subject: Option<String>,
    not_after: Option<String>,
    /// RFC 8705 `x5t#S256`: what bound tokens carry in `cnf`.
    thumbprint: Option<String>,
    /// Why the certificate cannot be read (it is then not described).
    error: Option<String>,
}

impl CertStatus {
    fn of(cc: &crate::oauth::ClientCert) -> Self {
        let info = crate::oauth::describe_client_cert(cc);
        let (info, error) = match info {
            Ok(i) => (Some(i), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Self {
            path: cc.cert.display().to_string(),
            method: cc.method.name(),
            subject: info.as_ref().map(|i| i.subject.clone()),
            not_after: info.as_ref().map(|i| rfc3339(i.not_after)),
            thumbprint: info.map(|i| i.thumbprint),
            error,
        }
    }

    fn text(&self) -> String {
        match (
            &self.error,
            &self.subject,
            &self.not_after,
            &self.thumbprint,
        ) {
            (None, Some(subject), Some(until), Some(x5t)) => format!(
                "{} ({}), valid until {until}, x5t#S256 {x5t}",
                subject, self.method
            ),
            (e, ..) => format!("{} ({})", e.as_deref().unwrap_or("unreadable"), self.method),
        }
    }
}

#[derive(Debug, Serialize)]
struct WorkloadStatus {
    source: String,
    method: &'static str,
    /// The last exchange and its outcome (`last_refresh` stays empty for these profiles).
    last_exchange: Option<RefreshRecord>,
}

#[derive(Debug, Serialize)]
struct Report {
    config: String,
    profiles: Vec<ProfileStatus>,
}

pub fn run(env: &Env, args: StatusArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let names: Vec<String> = match &args.profile.profile {
        Some(n) => {
            config.profile(n)?;
            vec![n.clone()]
        }
        None => config.file.profiles.keys().cloned().collect(),
    };
    let default = config.select(None).ok();
    let report = Report {
        config: config.path.display().to_string(),
        profiles: names
            .iter()
            .map(|n| status_of(env, &config, n, default.as_deref() == Some(n)))
            .collect(),
    };
    if args.json {
        env.ctx
            .printer
            .stdout(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        print_human(env, &report);
    }
    Ok(())
}

fn status_of(env: &Env, config: &Config, name: &str, default: bool) -> ProfileStatus {
    let raw = config.file.profiles.get(name).cloned().unwrap_or_default();
    let state = session::read_state(&env.ctx.paths, name);
    let mut s = ProfileStatus {
        name: name.into(),
        default,
        issuer: raw.issuer.clone(),
        client_id: raw.client_id.clone(),
        scopes: raw.scopes.clone().unwrap_or_default(),
        store: None,
        logged_in: None,
        store_error: None,
        access_expires_at: None,
        access_expires_in: None,
        scope: state.scope.clone(),
        last_refresh: state.last_refresh.clone(),
        rotates: state.rotates,
        clock_skew: state.clock_skew,
        dpop_jkt: state.dpop_jkt.clone(),
        dpop_key_at: state.dpop_key_at.clone(),
        client_certificate: None,
        grant: state.grant,
        client_key: None,
        workload_identity: None,
        config_error: None,
    };
    let profile = match config.profile(name) {
        Ok(p) => p,
        Err(e) => {
            s.config_error = Some(e.to_string());
            return s;
        }
    };
    s.client_certificate = profile
        .network
        .trust
        .client_cert
        .as_ref()
        .map(CertStatus::of);
    if let Some(wi) = &profile.workload {
        // Nothing is stored: the profile is the session, logged in once an exchange worked.
        s.store = Some("none (workload identity)".into());
        s.logged_in = Some(state.logged_in_at.is_some());
        s.workload_identity = Some(WorkloadStatus {
            source: wi.source.to_string(),
            method: wi.method.as_str(),
            last_exchange: s.last_refresh.take(),
        });
    } else {
        store_status(env, &profile, &mut s);
    }
    let expires = session::read_cache(&env.ctx.paths, &profile)
        .map(|t| t.expires_at)
        .unwrap_or(state.access_expires_at);
    if s.logged_in != Some(false) {
        s.access_expires_at = expires.map(rfc3339);
        s.access_expires_in = expires.map(|e| e - now());
    }
    s
}

fn store_status(env: &Env, profile: &crate::config::Profile, s: &mut ProfileStatus) {
    match env.ctx.store_for(&profile.name) {
        Ok(store) => {
            s.store = Some(store.describe());
            match store.load(&profile.name) {
                Ok(found) => s.logged_in = Some(found.is_some()),
                Err(e) => s.store_error = Some(e.to_string()),
            }
            match session::client_key_info(profile, store.as_ref()) {
                Ok(k) => s.client_key = k,
                Err(e) => s.store_error = Some(format!("{e:#}")),
            }
        }
        Err(e) => s.store_error = Some(e.to_string()),
    }
}

fn print_human(env: &Env, r: &Report) {
    let p = &env.ctx.printer;
    if r.profiles.is_empty() {
        p.info(format!(
            "No profiles in {}.\nCreate one with: tok login -p NAME --issuer URL --client-id ID --scope openid --scope offline_access",
            r.config
        ));
        return;
    }
    let t = now();
    let mut out = String::new();
    for s in &r.profiles {
        out.push_str(&format!(
            "{}{}\n",
            s.name,
            if s.default { " (default)" } else { "" }
        ));
        let mut line = |k: &str, v: String| out.push_str(&format!("  {k:<9} {v}\n"));
        if let Some(e) = &s.config_error {
            line("config:", format!("invalid: {e}"));
            continue;
        }
        line("issuer:", s.issuer.clone().unwrap_or_default());
        line("client:", s.client_id.clone().unwrap_or_default());
        if !s.scopes.is_empty() {
            line("scopes:", s.scopes.join(" "));
        }
        line(
            "store:",
            s.store.clone().unwrap_or_else(|| "unavailable".into()),
        );
        line(
            "session:",
            match (s.logged_in, &s.store_error) {
                (Some(true), _) => match s.grant {
                    Some(g) => format!("logged in, {}", g.describe()),
                    None => "logged in".into(),
                },
                (Some(false), _) => "none (run `tok login`)".into(),
                (None, Some(e)) => format!("unknown: {e}"),
                (None, None) => "unknown".into(),
            },
        );
        if let (Some(at), Some(left)) = (&s.access_expires_at, s.access_expires_in) {
            let when = relative(t + left, t);
            let verb = if left >= 0 { "expires" } else { "expired" };
            line("access:", format!("{verb} {when} ({at})"));
        }
        if let Some(jkt) = &s.dpop_jkt {
            let at = s.dpop_key_at.as_deref().map(|a| format!(" ({a})"));
            line(
                "dpop:",
                format!("bound to key {jkt}{}", at.unwrap_or_default()),
            );
        }
        if let Some(c) = &s.client_certificate {
            line("mtls:", c.text());
        }
        if let Some(k) = &s.client_key {
            line("client key:", k.text());
        }
        if let Some(r) = &s.last_refresh {
            line("refresh:", refresh_text(r, t));
        }
        if let Some(w) = &s.workload_identity {
            line("identity:", format!("{} ({})", w.source, w.method));
            line(
                "exchange:",
                w.last_exchange
                    .as_ref()
                    .map_or("none yet".into(), |r| refresh_text(r, t)),
            );
        }
    }
    // Human status goes to stdout: it is what the user asked to see, and it holds no secret.
    let _ = p.stdout(&out);
}

/// The `refresh:` line of a profile: when the last refresh happened and how it went.
fn refresh_text(r: &RefreshRecord, now: i64) -> String {
    let outcome = if r.ok {
        format!(
            "ok in {} ms{}",
            r.latency_ms,
            if r.rotated { ", rotated" } else { "" }
        )
    } else {
        format!("failed: {}", r.error.clone().unwrap_or_default())
    };
    format!("{} ({outcome})", ago(r.at, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    // See: issue 10 — a refresh that just happened read "refresh: in 0s".
    #[test]
    fn the_last_refresh_is_in_the_past() {
        let r = RefreshRecord {
            at: 1000,
            ok: true,
            error: None,
            latency_ms: 12,
            rotated: true,
        };
        assert_eq!(refresh_text(&r, 1000), "0s ago (ok in 12 ms, rotated)");
        let r = RefreshRecord {
            ok: false,
            error: Some("invalid_grant".into()),
            rotated: false,
            ..r
        };
        assert_eq!(refresh_text(&r, 1090), "1m 30s ago (failed: invalid_grant)");
    }
}
