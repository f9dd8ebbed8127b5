//! Extra parameters of the authorization request (OIDC Core §3.1.2.1 `prompt`, `login_hint`,
//! `acr_values`, `max_age`, `ui_locales`, and a provider's own, such as Entra's `domain_hint`):
//! the profile's `auth_params` table, set by `tok login --prompt …` or `--auth-param KEY=VALUE`.
//! The protocol's own parameters are refused: tok sets them, and another value would break the
//! login or its defences (`state`, PKCE, the redirect URI).

/// Parameters tok sets itself (or through another option) and never takes from `auth_params`.
pub const RESERVED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "response_type",
    "response_mode",
    "scope",
    "request",
    "request_uri",
    "resource",
    "dpop_jkt",
];

/// Check one parameter: not a reserved one, a key of letters, digits, `_`, `-` and `.`, and
/// for `max_age` a number of seconds (empty: the key is taken out).
pub fn check(key: &str, value: &str) -> Result<(), String> {
    if RESERVED.contains(&key) {
        let instead = match key {
            "scope" => " (use --scope)",
            "resource" => " (use --audience)",
            "redirect_uri" => " (use --redirect-uri)",
            _ => "",
        };
        return Err(format!(
            "`{key}` is a parameter tok sets itself and cannot be overridden{instead}"
        ));
    }
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        return Err(format!("{key:?} is not a parameter name"));
    }
    if key == "max_age" && !value.is_empty() && value.parse::<u64>().is_err() {
        return Err(format!("max_age {value:?} is not a number of seconds"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn protocol_parameters_are_refused_and_others_kept() {
        for key in [
            "state",
            "client_id",
            "redirect_uri",
            "code_challenge",
            "scope",
            "nonce",
        ] {
            let e = check(key, "x").unwrap_err();
            assert!(e.contains(key), "{e}");
        }
        assert!(check("max_age", "soon").is_err());
        assert!(check("bad key", "x").is_err());
        for (k, v) in [
            ("prompt", "login"),
            ("max_age", "0"),
            ("domain_hint", "acme.example"),
        ] {
            assert_eq!(check(k, v), Ok(()));
        }
    }
}
