//! Azure: `tok print --token id --output FILE --watch` as the `AZURE_FEDERATED_TOKEN_FILE` of
//! the real azure-identity `WorkloadIdentityCredential`, against an HTTPS loopback authority
//! (tests/cloud/entra.py, trusted through the suite's run-time CA) that verifies the assertion
//! read from the file against the provider's JWKS. See: issue 20.

use std::process::{Command, Stdio};

use crate::aws::{Sts, venv_python};
use crate::rig_net::TlsCerts;
use crate::support::{ChildGuard, logged_in, wait_until};

const CLIENT_ID: &str = "00000000-0000-0000-0000-0000000000c1";
const TENANT: &str = "00000000-0000-0000-0000-00000000000e";

/// The credential azure-identity's `DefaultAzureCredential` picks in a workload: every setting
/// from the environment, as in a pod; instance discovery off (a private authority host).
const AZURE: &str = r#"
import sys
from azure.identity import WorkloadIdentityCredential
try:
    c = WorkloadIdentityCredential(disable_instance_discovery=True)
    print(c.get_token("https://management.azure.com/.default").token)
except Exception as e:
    print("ERROR", type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    sys.exit(3)
"#;

#[test]
fn workload_identity_credential_reads_the_id_token_file_tok_keeps_fresh() {
    let Some(python) = venv_python() else { return };
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let certs = TlsCerts::generate();
    let entra = Sts::start_script(
        &python,
        "entra.py",
        &[
            &provider.issuer,
            "tok-cli",
            certs.path("leaf.pem").to_str().unwrap(),
            certs.path("leaf.key").to_str().unwrap(),
        ],
    );
    let authority = entra.url.replace("http://", "https://");
    let file = tok.path("azure-token");
    let file_s = file.to_str().unwrap();
    let watcher = tok
        .command(&[
            "print", "-p", "work", "--token", "id", "--output", file_s, "--watch",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _watcher = ChildGuard::new(watcher);
    wait_until(&format!("the watcher writes {file_s}"), || file.exists());
    let id_token = std::fs::read_to_string(&file).unwrap();
    assert_eq!(id_token.matches('.').count(), 2, "a JWT: {id_token}");

    let run = |token_file: &str| {
        let out = Command::new(&python)
            .args(["-c", AZURE])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", tok.path(""))
            .env("AZURE_TENANT_ID", TENANT)
            .env("AZURE_CLIENT_ID", CLIENT_ID)
            .env("AZURE_FEDERATED_TOKEN_FILE", token_file)
            .env("AZURE_AUTHORITY_HOST", &authority)
            .env("REQUESTS_CA_BUNDLE", certs.bundle())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        tok.record(out)
    };
    let r = run(file_s);
    assert!(r.ok(), "{r:?} {:?}", entra.calls());
    assert!(r.stdout.starts_with("entra-"), "{r:?}");
    let calls = entra.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["tenant"], TENANT);
    assert_eq!(calls[0]["client_id"], CLIENT_ID);
    assert_eq!(calls[0]["token_kind"], "jwt");
    assert_eq!(calls[0]["token_valid"], true, "{calls:?}");
    assert_eq!(calls[0]["aud"], serde_json::json!(["tok-cli"]));
    let fp = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(id_token.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()[..12].to_string()
    };
    assert_eq!(
        calls[0]["assertion_fp"], fp,
        "the assertion is the file's ID token, byte for byte"
    );
    assert!(
        !id_token.ends_with('\n'),
        "a token file holds the token only"
    );

    // A file holding something else (an access token) is refused by the authority, and the
    // library says so.
    let other = tok.path("not-an-id-token");
    std::fs::write(&other, tok.print("work")).unwrap();
    let r = run(other.to_str().unwrap());
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.contains("AADSTS700211"), "{r:?}");
}
