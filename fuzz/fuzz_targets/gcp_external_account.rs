//! The `external_account` JSON `tok setup gcp` writes for Google's libraries, from the
//! audience, the executable's command line and the service account the user gave.
//!
//! Input: the three values separated by NUL bytes (no third: no impersonation). Checks: the
//! file is valid JSON whatever the values hold (quotes, backslashes, line separators, any
//! unicode), and reads back as what was given: the audience, the subject token type, Google's
//! STS, the command, and the impersonation URL naming the service account.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let audience = parts.next().unwrap_or_default();
    let command = parts.next().unwrap_or_default();
    let service_account = parts.next();
    let token_type = "urn:ietf:params:oauth:token-type:id_token";
    let json = tok::gcp_external_account(audience, token_type, command, service_account);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["type"], "external_account");
    assert_eq!(v["audience"].as_str(), Some(audience));
    assert_eq!(v["subject_token_type"].as_str(), Some(token_type));
    assert_eq!(v["token_url"], "https://sts.googleapis.com/v1/token");
    assert_eq!(
        v["credential_source"]["executable"]["command"].as_str(),
        Some(command)
    );
    match service_account {
        None => assert!(v.get("service_account_impersonation_url").is_none()),
        Some(sa) => assert_eq!(
            v["service_account_impersonation_url"].as_str(),
            Some(
                format!(
                    "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/{sa}:generateAccessToken"
                )
                .as_str()
            )
        ),
    }
    assert!(json.ends_with("}\n"));
});
