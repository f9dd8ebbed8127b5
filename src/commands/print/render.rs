//! What `tok print` and `print --output` write for a token, in each `--format`.

use crate::cli::PrintFormat;
use crate::output::shell_quote;
use crate::session::{CachedToken, TokenKind};
use crate::time::rfc3339;

/// What `print` writes on stdout for `token` (served as `kind`: an ID token stands in the
/// access token's place, see `CachedToken::serving`), at time `now`.
pub fn render(format: PrintFormat, token: &CachedToken, kind: TokenKind, now: i64) -> String {
    let at = token.access_token.expose();
    let expires_at = token.expires_at.map(rfc3339);
    let expires_in = token.expires_at.map(|e| (e - now).max(0));
    match format {
        // `--format dpop` needs the session's key; `run` answers it before rendering.
        PrintFormat::Token | PrintFormat::Dpop => format!("{at}\n"),
        PrintFormat::Header => format!("Authorization: {} {at}\n", token.token_type),
        PrintFormat::Json if kind == TokenKind::Id => {
            let v = serde_json::json!({
                "id_token": at,
                "expires_at": expires_at,
                "expires_in": expires_in,
            });
            format!("{v}\n")
        }
        PrintFormat::Env if kind == TokenKind::Id => {
            let mut out = format!("TOK_ID_TOKEN={}\n", shell_quote(at));
            if let Some(e) = &expires_at {
                out.push_str(&format!("TOK_EXPIRES_AT={}\n", shell_quote(e)));
            }
            out
        }
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
                shell_quote(token.token_type.as_str())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::AccessToken;

    fn token() -> CachedToken {
        CachedToken {
            access_token: AccessToken::new("at-1"),
            token_type: crate::oauth::TokenType::Bearer,
            expires_at: Some(1_000_300),
            scope: Some("openid api:read".into()),
            obtained_at: 1_000_000,
            issuer: "https://i".into(),
            client_id: "c".into(),
            id_token: Some(crate::secret::IdToken::new("id-1")),
            id_expires_at: Some(1_000_200),
            id_obtained_at: None,
        }
    }

    const A: TokenKind = TokenKind::Access;

    #[test]
    fn an_id_token_is_served_in_the_access_tokens_place_with_its_own_expiry() {
        let n = 1_000_000;
        let t = token().serving(TokenKind::Id);
        assert_eq!(render(PrintFormat::Token, &t, TokenKind::Id, n), "id-1\n");
        let j: serde_json::Value =
            serde_json::from_str(&render(PrintFormat::Json, &t, TokenKind::Id, n)).unwrap();
        assert_eq!(
            (j["id_token"].as_str(), j["expires_in"].as_i64()),
            (Some("id-1"), Some(200))
        );
        assert!(j.get("access_token").is_none());
        assert_eq!(
            render(PrintFormat::Env, &t, TokenKind::Id, n),
            "TOK_ID_TOKEN='id-1'\nTOK_EXPIRES_AT='1970-01-12T13:50:00Z'\n"
        );
    }

    #[test]
    fn formats() {
        let t = token();
        let n = 1_000_000;
        assert_eq!(render(PrintFormat::Token, &t, A, n), "at-1\n");
        assert_eq!(
            render(PrintFormat::Header, &t, A, n),
            "Authorization: Bearer at-1\n"
        );
        let j: serde_json::Value =
            serde_json::from_str(&render(PrintFormat::Json, &t, A, n)).unwrap();
        assert_eq!(j["access_token"], "at-1");
        assert_eq!(j["expires_at"], "1970-01-12T13:51:40Z");
        assert_eq!(j["expires_in"], 300);
        assert_eq!(j["scope"], "openid api:read");
        assert_eq!(
            render(PrintFormat::Env, &t, A, n),
            "TOK_ACCESS_TOKEN='at-1'\nTOK_TOKEN_TYPE='Bearer'\nTOK_EXPIRES_AT='1970-01-12T13:51:40Z'\nTOK_SCOPE='openid api:read'\n"
        );
    }
}
