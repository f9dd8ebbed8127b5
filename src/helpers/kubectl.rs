//! kubectl's exec credential plugin format (client.authentication.k8s.io): an `ExecCredential`
//! on stdout with the token and when kubectl should ask again.

use std::io::{BufRead, Write};

use serde_json::json;

use super::{Helper, Outcome, Tokens, reported_expiry};
use crate::time::rfc3339;

/// What kubectl asks of an exec plugin: always a credential (it names no action).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Get,
}

impl TryFrom<&str> for Action {
    type Error = String;

    fn try_from(s: &str) -> Result<Self, String> {
        match s {
            "get" => Ok(Action::Get),
            other => Err(other.to_string()),
        }
    }
}

/// kubectl's exec plugin for one profile (kubectl names no host: the kubeconfig's `args` chose
/// the profile), answering in `api_version` (from [`api_version`]).
pub struct Kubectl {
    pub profile: String,
    pub api_version: &'static str,
}

impl Helper for Kubectl {
    type Action = Action;

    fn uses_tokens(_: Action) -> bool {
        true
    }

    fn unknown(action: &str, _out: &mut impl Write) -> Result<Outcome, super::Error> {
        unreachable!("kubectl names no action; the command passes Get, not {action:?}")
    }

    /// One `ExecCredential` line on `out`; kubectl sends nothing on `input`.
    fn serve(
        &self,
        Action::Get: Action,
        _input: impl BufRead,
        out: &mut impl Write,
        tokens: &mut impl Tokens,
        now: i64,
    ) -> Result<Outcome, super::Error> {
        let t = tokens.get(&self.profile, "")?;
        // The boundary: the token leaves tok here, on kubectl's stdout.
        let json = exec_credential(self.api_version, t.access_token.expose(), t.expires_at, now);
        out.write_all(format!("{json}\n").as_bytes())?;
        out.flush()?;
        Ok(Outcome::Answered {
            profile: self.profile.clone(),
        })
    }
}

/// The API version tok answers when kubectl does not say (kubectl ≥ 1.22 speaks v1).
pub const API_V1: &str = "client.authentication.k8s.io/v1";
const API_V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// The API version to answer in, from `KUBERNETES_EXEC_INFO` (an `ExecCredential` kubectl
/// passes to the plugin). Absent: v1.
pub fn api_version(exec_info: Option<&str>) -> Result<&'static str, String> {
    let Some(info) = exec_info.filter(|s| !s.trim().is_empty()) else {
        return Ok(API_V1);
    };
    let v: serde_json::Value =
        serde_json::from_str(info).map_err(|_| "KUBERNETES_EXEC_INFO is not JSON".to_string())?;
    match v.get("apiVersion").and_then(|a| a.as_str()) {
        None | Some(API_V1) => Ok(API_V1),
        Some(API_V1BETA1) => Ok(API_V1BETA1),
        // The version is kubectl's text: shown on one line, control characters taken out.
        Some(other) => Err(format!(
            "kubectl asked for ExecCredential {}; tok speaks {API_V1} and {API_V1BETA1}",
            crate::output::one_line(other)
        )),
    }
}

/// The `ExecCredential` JSON (one line). `expirationTimestamp` is the expiry minus the leeway,
/// so kubectl asks again before the API server would refuse the token.
pub fn exec_credential(
    api_version: &str,
    token: &str,
    expires_at: Option<i64>,
    now: i64,
) -> String {
    let mut status = json!({ "token": token });
    if let Some(e) = expires_at {
        status["expirationTimestamp"] = json!(rfc3339(reported_expiry(e, now)));
    }
    json!({
        "apiVersion": api_version,
        "kind": "ExecCredential",
        "status": status,
    })
    .to_string()
}

/// The kubeconfig `users[].user.exec` block for `tok setup kubectl`.
pub fn kubeconfig_user(profile: &str, tok: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("strings serialize");
    format!(
        "users:\n- name: {name}\n  user:\n    exec:\n      apiVersion: {API_V1}\n      command: {cmd}\n      args: [{sub}, \"-p\", {name}]\n      interactiveMode: Never\n      provideClusterInfo: false\n",
        name = q(profile),
        cmd = q(tok),
        sub = q(super::KUBECTL.subcommand),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_with_expiry_minus_leeway() {
        let s = exec_credential(API_V1, "t0k", Some(1_000_000), 0);
        assert_eq!(
            s,
            format!(
                "{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"t0k\",\"expirationTimestamp\":\"{}\"}}}}",
                rfc3339(1_000_000 - crate::helpers::LEEWAY)
            )
        );
        assert!(!exec_credential(API_V1, "t", None, 0).contains("expiration"));
    }

    #[test]
    fn api_version_follows_exec_info() {
        assert_eq!(api_version(None), Ok(API_V1));
        assert_eq!(
            api_version(Some(
                r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{}}"#
            )),
            Ok(API_V1BETA1)
        );
        assert!(api_version(Some(r#"{"apiVersion":"x/v9"}"#)).is_err());
        assert!(api_version(Some("{")).is_err());
    }

    /// See: issue 24 (found by the `kubectl_exec_info` fuzz target): an `apiVersion` with a
    /// line break made a two-line error.
    #[test]
    fn an_unknown_api_version_is_named_on_one_line() {
        let e = api_version(Some(r#"{"apiVersion":"x/v9\nforged: line"}"#)).unwrap_err();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.contains("x/v9"), "{e}");
    }

    struct Fake(Vec<String>);

    impl Tokens for Fake {
        fn get(
            &mut self,
            profile: &str,
            host: &str,
        ) -> Result<crate::helpers::Token, crate::helpers::TokenError> {
            self.0.push(format!("{profile}@{host}"));
            Ok(crate::helpers::Token {
                access_token: crate::secret::AccessToken::new("t0k"),
                expires_at: None,
            })
        }
        fn reject(&mut self, _: &str, _: Option<&str>) -> Result<bool, crate::helpers::TokenError> {
            unreachable!("kubectl never rejects")
        }
    }

    #[test]
    fn main_asks_the_token_source_for_the_profile() {
        let mut fake = Fake(vec![]);
        let mut out = vec![];
        let k = Kubectl {
            profile: "work".into(),
            api_version: API_V1,
        };
        let o = k
            .serve(Action::Get, std::io::empty(), &mut out, &mut fake, 0)
            .unwrap();
        assert!(matches!(o, Outcome::Answered { profile } if profile == "work"));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{}\n", exec_credential(API_V1, "t0k", None, 0))
        );
        assert_eq!(fake.0, ["work@"]);
    }

    #[test]
    fn kubeconfig_block() {
        let b = kubeconfig_user("work", "/usr/bin/tok");
        assert!(b.contains("command: \"/usr/bin/tok\""), "{b}");
        assert!(
            b.contains("args: [\"kubectl-credential\", \"-p\", \"work\"]"),
            "{b}"
        );
    }
}
