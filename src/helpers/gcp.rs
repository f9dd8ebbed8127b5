//! Google Cloud's side of `tok gcp-credential`: the executable-sourced credential response
//! (success or failure JSON, version 1) that Google's external-account libraries read from
//! the command's stdout, and the `external_account` configuration `tok setup gcp` writes.

use zeroize::Zeroizing;

/// The subject token types an executable may answer with that carry a JWT.
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";
pub const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

/// Google's security token service, the default `token_url`.
pub const TOKEN_URL: &str = "https://sts.googleapis.com/v1/token";

/// The success response: `token_type` is [`ID_TOKEN_TYPE`] or [`JWT_TYPE`].
pub fn success(token_type: &str, token: &str, expires_at: Option<i64>) -> Zeroizing<String> {
    let q = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let exp = expires_at
        .map(|e| format!(",\"expiration_time\":{e}"))
        .unwrap_or_default();
    // The boundary: the token leaves tok here, on stdout (and the 0600 output file).
    Zeroizing::new(format!(
        "{{\"version\":1,\"success\":true,\"token_type\":{},\"id_token\":{}{exp}}}\n",
        q(token_type),
        q(token)
    ))
}

/// The failure response: `code` is tok's class of the error (`login_required`, …), `message`
/// one line, with the hint.
pub fn failure(code: &str, message: &str) -> String {
    let v = serde_json::json!({
        "version": 1,
        "success": false,
        "code": code,
        "message": message,
    });
    format!("{v}\n")
}

/// The `external_account` configuration whose executable source runs `command`.
pub fn external_account(
    audience: &str,
    token_type: &str,
    command: &str,
    service_account: Option<&str>,
) -> String {
    let mut v = serde_json::json!({
        "type": "external_account",
        "audience": audience,
        "subject_token_type": token_type,
        "token_url": TOKEN_URL,
        "credential_source": {
            "executable": {
                "command": command,
                "timeout_millis": 30000,
            }
        },
    });
    if let Some(email) = service_account {
        v["service_account_impersonation_url"] = format!(
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{email}:generateAccessToken"
        )
        .into();
    }
    serde_json::to_string_pretty(&v).expect("JSON serializes") + "\n"
}

/// Whether `audience` names a workload identity pool provider as Google writes it.
pub fn valid_audience(audience: &str) -> bool {
    let Some(rest) = audience.strip_prefix("//iam.googleapis.com/") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    matches!(
        parts.as_slice(),
        ["projects", n, "locations", "global", "workloadIdentityPools", pool, "providers", prov]
            if !n.is_empty() && !pool.is_empty() && !prov.is_empty()
    ) && !audience
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_failure_are_version_1() {
        let v: serde_json::Value =
            serde_json::from_str(&success(ID_TOKEN_TYPE, "eyJ.x.y", Some(1_700_000_000))).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["success"], true);
        assert_eq!(v["token_type"], ID_TOKEN_TYPE);
        assert_eq!(v["id_token"], "eyJ.x.y");
        assert_eq!(v["expiration_time"], 1_700_000_000);
        let v: serde_json::Value =
            serde_json::from_str(&failure("login_required", "no session")).unwrap();
        assert_eq!(v["success"], false);
        assert_eq!(v["code"], "login_required");
        assert!(v.get("id_token").is_none());
    }

    #[test]
    fn the_configuration_names_the_command_and_the_impersonation() {
        let aud =
            "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x";
        let v: serde_json::Value = serde_json::from_str(&external_account(
            aud,
            ID_TOKEN_TYPE,
            "/bin/tok gcp-credential -p work",
            Some("sa@p.iam.gserviceaccount.com"),
        ))
        .unwrap();
        assert_eq!(v["type"], "external_account");
        assert_eq!(v["audience"], aud);
        assert_eq!(
            v["credential_source"]["executable"]["command"],
            "/bin/tok gcp-credential -p work"
        );
        assert!(
            v["service_account_impersonation_url"]
                .as_str()
                .unwrap()
                .ends_with("/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken")
        );
        assert!(valid_audience(aud));
        assert!(!valid_audience("//iam.googleapis.com/projects/1/pools/p"));
        assert!(!valid_audience("https://example.com"));
    }
}
