//! `tok kubectl-credential`: the ExecCredential contract, and the real kubectl running tok as
//! its exec plugin against an API that accepts only live provider tokens.
//!
//! See: issue 3.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

use crate::fronts::Front;
use crate::support::{Provider, Run, Tok, logged_in};

/// Whether kubectl is missing (the test then says it is skipped).
pub(crate) fn kubectl_missing() -> bool {
    let missing = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_err();
    if missing {
        eprintln!("skipped: kubectl is not installed");
    }
    missing
}

/// The API front (tests/support/api-front.py) of `provider` over TLS, as client-go runs exec
/// plugins only for https servers (never a token in clear text), with `args` (`--id-token
/// CLIENT`…); its certificate in a directory of its own.
pub(crate) fn tls_api(provider: &Provider, args: &[&str]) -> (Front, TempDir) {
    let certs = tempfile::tempdir().unwrap();
    let mut all = vec![
        provider.issuer.as_str(),
        "--tls",
        certs.path().to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    (Front::start("api-front.py", &all), certs)
}

/// The real kubectl's `get --raw /api` against the API front `api` of [`tls_api`] (its
/// certificate in `certs`), as user `work` whose kubeconfig entry is `user_block` (what `tok
/// setup kubectl` prints).
pub(crate) fn kubectl_get_api(tok: &Tok, api: &Front, certs: &Path, user_block: &str) -> Run {
    let kubeconfig = tok.path("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: https://127.0.0.1:{}\n    certificate-authority: {}\ncontexts:\n- name: test\n  context: {{cluster: test, user: work}}\ncurrent-context: test\n{user_block}",
            api.port,
            certs.join("cert.pem").display(),
        ),
    )
    .unwrap();
    let out = tok
        .tool("kubectl")
        .args([
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "get",
            "--raw",
            "/api",
        ])
        .output()
        .expect("kubectl is installed");
    tok.record(out)
}

#[test]
fn exec_credential_matches_the_v1_schema() {
    let (_provider, tok) = logged_in(&[]);
    let r = tok.run(&["kubectl-credential", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stdout.ends_with('\n') && r.stdout.lines().count() == 1,
        "{r:?}"
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    // client.authentication.k8s.io/v1 ExecCredential: apiVersion, kind, status{token,
    // expirationTimestamp (RFC 3339)}; nothing else is required and nothing else is sent.
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&v), ["apiVersion", "kind", "status"]);
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(v["kind"], "ExecCredential");
    assert_eq!(keys(&v["status"]), ["expirationTimestamp", "token"]);
    let token = v["status"]["token"].as_str().unwrap();
    assert_eq!(token, tok.print("work"));
    let ts = v["status"]["expirationTimestamp"].as_str().unwrap();
    let expires_at = tok.file_session("work")["access"]["expires_at"]
        .as_i64()
        .unwrap();
    assert_eq!(ts, tok::rfc3339(expires_at - 60), "expiry minus the leeway");
    let parsed = humantime::parse_rfc3339(ts).unwrap();
    assert!(ts.ends_with('Z') && parsed > std::time::SystemTime::now());

    // kubectl announcing v1beta1 gets v1beta1; an unknown version is a usage error.
    let t = tok.env(
        "KUBERNETES_EXEC_INFO",
        r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"interactive":false}}"#,
    );
    let r = t.run(&["kubectl-credential", "-p", "work"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1beta1");
    let t = t.env("KUBERNETES_EXEC_INFO", r#"{"apiVersion":"x.example/v9"}"#);
    let r = t.run(&["kubectl-credential", "-p", "work"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stdout, "");
}

#[test]
fn kubectl_runs_tok_from_the_setup_block() {
    if kubectl_missing() {
        return;
    }
    let provider = Provider::start();
    let (api, certs) = tls_api(&provider, &[]);
    let tok = Tok::new();
    tok.login(&provider, "work");
    let r = tok.run(&["setup", "kubectl", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    let r = kubectl_get_api(&tok, &api, certs.path(), &r.stdout);
    assert!(r.ok(), "kubectl failed: {r:?} {:?}", api.requests());
    assert!(r.stdout.contains("APIVersions"), "{r:?}");
    let requests = api.requests();
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|r| r["scheme"] == "bearer" && r["status"] == 200),
        "{requests:?}"
    );
    tok.assert_no_leak(&[tok.print("work")]);
}
