//! `tok print`: a valid access token on stdout and nothing else (in the `--format` asked for).

use crate::cli::{PrintArgs, PrintFormat};
use crate::session::{self, CachedToken, Narrow, Want};
use crate::time::{now, rfc3339};

use super::Env;

pub fn run(env: &Env, args: PrintArgs) -> anyhow::Result<()> {
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let want = Want {
        min_ttl: args.min_ttl,
        force_refresh: args.force_refresh,
    };
    let narrow = narrow(&args.scopes, args.audience.as_deref());
    let served = session::access_token_for(&env.ctx, &profile, want, &narrow)?;
    // The boundary: the token leaves tok here, on stdout only.
    env.ctx
        .printer
        .stdout(&render(args.format, &served.token, now()))?;
    Ok(())
}

/// `--scope` (sorted, deduplicated, so that the same set shares a cache) and `--audience`.
pub fn narrow(scopes: &[String], audience: Option<&str>) -> Narrow {
    let mut s: Vec<&str> = scopes.iter().flat_map(|s| s.split_whitespace()).collect();
    s.sort_unstable();
    s.dedup();
    Narrow {
        scope: (!s.is_empty()).then(|| s.join(" ")),
        audience: audience.map(str::to_string),
    }
}

/// What `print` writes on stdout for `token`, at time `now`.
pub fn render(format: PrintFormat, token: &CachedToken, now: i64) -> String {
    let at = token.access_token.expose();
    let expires_at = token.expires_at.map(rfc3339);
    let expires_in = token.expires_at.map(|e| (e - now).max(0));
    match format {
        PrintFormat::Token => format!("{at}\n"),
        PrintFormat::Header => format!("Authorization: {} {at}\n", token.token_type),
        PrintFormat::Json => {
            let v = serde_json::json!({
                "access_token": at,
                "token_type": token.token_type,
                "expires_at": expires_at,
                "expires_in": expires_in,
                "scope": token.scope,
            });
            format!("{v}\n")
        }
        PrintFormat::Env => {
            let mut out = format!(
                "TOK_ACCESS_TOKEN={}\nTOK_TOKEN_TYPE={}\n",
                shell_quote(at),
                shell_quote(&token.token_type)
            );
            if let Some(e) = &expires_at {
                out.push_str(&format!("TOK_EXPIRES_AT={}\n", shell_quote(e)));
            }
            if let Some(s) = &token.scope {
                out.push_str(&format!("TOK_SCOPE={}\n", shell_quote(s)));
            }
            out
        }
    }
}

/// POSIX single quoting: safe for `eval` whatever the value holds.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::AccessToken;

    fn token() -> CachedToken {
        CachedToken {
            access_token: AccessToken::new("at-1"),
            token_type: "Bearer".into(),
            expires_at: Some(1_000_300),
            scope: Some("openid api:read".into()),
            obtained_at: 1_000_000,
            issuer: "https://i".into(),
            client_id: "c".into(),
        }
    }

    #[test]
    fn formats() {
        let t = token();
        let n = 1_000_000;
        assert_eq!(render(PrintFormat::Token, &t, n), "at-1\n");
        assert_eq!(
            render(PrintFormat::Header, &t, n),
            "Authorization: Bearer at-1\n"
        );
        let j: serde_json::Value = serde_json::from_str(&render(PrintFormat::Json, &t, n)).unwrap();
        assert_eq!(j["access_token"], "at-1");
        assert_eq!(j["expires_at"], "1970-01-12T13:51:40Z");
        assert_eq!(j["expires_in"], 300);
        assert_eq!(j["scope"], "openid api:read");
        assert_eq!(
            render(PrintFormat::Env, &t, n),
            "TOK_ACCESS_TOKEN='at-1'\nTOK_TOKEN_TYPE='Bearer'\nTOK_EXPIRES_AT='1970-01-12T13:51:40Z'\nTOK_SCOPE='openid api:read'\n"
        );
    }

    #[test]
    fn quoting_survives_eval() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }

    #[test]
    fn narrow_normalises() {
        let a = narrow(&["b a".into(), "a".into()], None);
        assert_eq!(a.scope.as_deref(), Some("a b"));
        assert_eq!(
            a.cache_key("p"),
            narrow(&["a".into(), "b".into()], None).cache_key("p")
        );
        assert_eq!(narrow(&[], None).cache_key("p"), "p");
        assert_ne!(narrow(&[], Some("https://x/")).cache_key("p"), "p");
    }
}
