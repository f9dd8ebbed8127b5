//! `tok whoami`: who a profile's session is — from its validated ID token, or from the
//! provider's UserInfo endpoint — and what its access token says of itself when it is a JWT
//! (decoded for display only, never trusted).

use serde_json::{Map, Value, json};

use crate::audit::{Consumer, Requester};
use crate::cli::WhoamiArgs;
use crate::oauth::decode_unverified;
use crate::output::{Verbosity, one_line};
use crate::session::{self, Narrow, Want};
use crate::time::rfc3339;

use super::Env;

/// The identity claims shown, in this order.
const CLAIMS: [&str; 4] = ["sub", "name", "preferred_username", "email"];

pub fn run(env: &Env, args: WhoamiArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let who = Requester::new(Consumer::new("whoami"));
    let served = super::request::token(
        &env.ctx,
        &profile,
        Want::default(),
        &Narrow::default(),
        &who,
    )?;
    let token = &served.token;
    // The ID token was validated before it was kept: its claims are the session's identity.
    let from_id = token
        .id_token
        .as_ref()
        .filter(|_| !args.userinfo)
        .and_then(|t| decode_unverified::<Map<String, Value>>(t.expose()).ok());
    let (claims, source) = match from_id {
        Some(c) => (c, "id_token"),
        None => (session::userinfo(&env.ctx, &profile, token)?, "userinfo"),
    };
    // Display only: a JWT access token is the resource server's to verify, not tok's.
    let access: Option<Map<String, Value>> = decode_unverified(token.access_token.expose()).ok();
    let mut out = Map::new();
    out.insert("profile".into(), json!(name));
    out.insert(
        "issuer".into(),
        claims
            .get("iss")
            .cloned()
            .unwrap_or_else(|| json!(profile.issuer_text)),
    );
    for c in CLAIMS {
        out.insert(c.into(), claims.get(c).cloned().unwrap_or(Value::Null));
    }
    out.insert("source".into(), json!(source));
    out.insert(
        "id_token_expires_at".into(),
        json!(token.id_expires_at.map(rfc3339)),
    );
    out.insert(
        "access_token".into(),
        access.map_or(Value::Null, |a| {
            json!({
                "scope": a.get("scope"),
                "aud": a.get("aud"),
                "expires_at": a.get("exp").and_then(Value::as_i64).map(rfc3339),
            })
        }),
    );
    if args.json {
        env.ctx
            .printer
            .stdout(&format!("{}\n", Value::Object(out)))?;
        return Ok(());
    }
    if env.ctx.printer.verbosity == Verbosity::Quiet {
        return Ok(());
    }
    env.ctx.printer.stdout(&text(&out))?;
    Ok(())
}

/// The human form: one `key: value` line per known value, foreign text made safe to print.
fn text(out: &Map<String, Value>) -> String {
    let show = |v: &Value| match v {
        Value::String(s) => one_line(s),
        Value::Null => String::new(),
        other => one_line(&other.to_string()),
    };
    let mut lines = String::new();
    let mut line = |label: &str, v: Option<&Value>| {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            lines.push_str(&format!("{label:<20}{}\n", show(v)));
        }
    };
    line("profile:", out.get("profile"));
    line("subject:", out.get("sub"));
    line("issuer:", out.get("issuer"));
    line("name:", out.get("name"));
    line("username:", out.get("preferred_username"));
    line("email:", out.get("email"));
    line("from:", out.get("source"));
    line("ID token expires:", out.get("id_token_expires_at"));
    if let Some(a) = out.get("access_token").and_then(Value::as_object) {
        line("access token scope:", a.get("scope"));
        line("access token aud:", a.get("aud"));
        line("access token expires:", a.get("expires_at"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_form_shows_known_values_one_per_line_and_sanitised() {
        let out = json!({
            "profile": "work", "sub": "alice", "issuer": "https://id.example",
            "name": "Alice\u{1b}[31m Evil", "preferred_username": null, "email": "a@example.com",
            "source": "id_token", "id_token_expires_at": null,
            "access_token": {"scope": "api:read", "aud": ["https://api/"], "expires_at": null},
        });
        let t = text(out.as_object().unwrap());
        assert!(
            t.starts_with("profile:            work\nsubject:            alice\n"),
            "{t}"
        );
        assert!(!t.contains('\u{1b}') && !t.contains("username:"), "{t}");
        assert!(
            t.contains("access token aud:   [\"https://api/\"]\n"),
            "{t}"
        );
    }
}
