//! `tok gcp-credential` and `tok setup gcp` with the real google-auth library: the
//! external-account configuration tok wrote, its executable source run by the library, and the
//! token exchanged at a loopback RFC 8693 endpoint that verifies the ID token against the
//! provider's JWKS (tests/cloud/google-sts.py). See: issue 20.

use std::path::Path;

use crate::aws::{Sts, venv_python};
use crate::support::{Tok, logged_in};

const AUDIENCE: &str =
    "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/dev/providers/tok";

/// google-auth builds the credentials from the configuration and refreshes: the federated
/// token, or the error.
const GOOGLE: &str = r#"
import json, sys, google.auth.transport.requests
from google.auth import pluggable
try:
    # What load_credentials_from_file builds for an executable source, without its project
    # lookup at cloudresourcemanager.googleapis.com (no network here).
    with open(sys.argv[1]) as f:
        creds = pluggable.Credentials.from_info(json.load(f), scopes=["https://www.googleapis.com/auth/cloud-platform"])
    creds.refresh(google.auth.transport.requests.Request())
    print(creds.token)
except Exception as e:
    print("ERROR", type(e).__name__, e)
    sys.exit(3)
"#;

fn google_auth(tok: &Tok, python: &Path, config: &Path) -> crate::support::Run {
    let out = tok
        .tool(python)
        .args(["-c", GOOGLE, config.to_str().unwrap()])
        .env("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "1")
        .output()
        .unwrap();
    tok.record(out)
}

/// `tok setup gcp -p work --audience AUDIENCE --output CONFIG`.
fn setup_gcp(tok: &Tok, audience: &str, config: &Path) -> crate::support::Run {
    tok.setup(
        "gcp",
        "work",
        &["--audience", audience, "--output", config.to_str().unwrap()],
    )
}

#[test]
fn google_auth_exchanges_the_id_token_from_the_executable_source() {
    let Some(python) = venv_python() else { return };
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let sts = Sts::start_script(&python, "google-sts.py", &[&provider.issuer, "tok-cli"]);
    let config = tok.path("gcp.json");
    let r = setup_gcp(&tok, AUDIENCE, &config);
    assert!(r.ok(), "{r:?}");
    let mode = tok
        .files()
        .into_iter()
        .find(|(p, _)| *p == config)
        .unwrap()
        .1;
    assert_eq!(mode, 0o600);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(v["type"], "external_account");
    assert_eq!(v["audience"], AUDIENCE);
    assert_eq!(v["token_url"], "https://sts.googleapis.com/v1/token");
    // The one change for the test: Google's STS is the loopback stand-in.
    v["token_url"] = format!("{}/v1/token", sts.url).into();
    std::fs::write(&config, v.to_string()).unwrap();

    let r = google_auth(&tok, &python, &config);
    assert!(r.ok(), "{r:?} {:?}", sts.calls());
    assert!(r.stdout.starts_with("ya29.federated-"), "{r:?}");
    let calls = sts.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["audience"], AUDIENCE);
    assert_eq!(
        calls[0]["subject_token_type"],
        "urn:ietf:params:oauth:token-type:id_token"
    );
    assert_eq!(calls[0]["token_kind"], "jwt");
    assert_eq!(calls[0]["token_valid"], true, "{calls:?}");

    // The command alone: one JSON object, nothing on stderr even at -vv, and the output file
    // (0600) with the same JSON.
    let out_file = tok.path("gcp-out.json");
    let t = tok.env(
        "GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE",
        out_file.to_str().unwrap(),
    );
    let r = t.run(&["-vv", "gcp-credential", "-p", "work"]);
    let tok = t;
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.stderr, "");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["version"], 1);
    assert_eq!(j["success"], true);
    assert!(j["expiration_time"].as_i64().unwrap() > 0);
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), r.stdout);
    let mode = tok
        .files()
        .into_iter()
        .find(|(p, _)| *p == out_file)
        .unwrap()
        .1;
    assert_eq!(mode, 0o600);
    let r = tok.run(&["print", "-p", "work", "--token", "id"]);
    assert_eq!(j["id_token"].as_str().unwrap(), r.stdout.trim());

    // Bad input to setup is one line with a hint.
    let r = setup_gcp(&tok, "https://x", &config);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("invalid --audience"), "{r:?}");
}

#[test]
fn a_failing_session_gives_the_library_the_failure_json_and_stderr_stays_empty() {
    let Some(python) = venv_python() else { return };
    let (provider, tok) = logged_in(&[]);
    let sts = Sts::start_script(&python, "google-sts.py", &[&provider.issuer, "tok-cli"]);
    let config = tok.path("gcp.json");
    let r = setup_gcp(&tok, AUDIENCE, &config);
    assert!(r.ok(), "{r:?}");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    v["token_url"] = format!("{}/v1/token", sts.url).into();
    std::fs::write(&config, v.to_string()).unwrap();
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");

    let r = tok.run(&["-v", "gcp-credential", "-p", "work"]);
    assert_eq!(r.code, 3, "login required: {r:?}");
    assert_eq!(r.stderr, "", "nothing on stderr: {r:?}");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["version"], 1);
    assert_eq!(j["success"], false);
    assert_eq!(j["code"], "login_required");
    assert!(j["message"].as_str().unwrap().contains("tok login"), "{j}");

    // google-auth parses it (no stderr line broke the JSON) and says what tok said.
    let r = google_auth(&tok, &python, &config);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.contains("login_required"), "{r:?}");
    assert!(sts.calls().is_empty(), "no exchange without a token");

    // An unknown profile fails the same way: a failure JSON, nothing on stderr.
    let r = tok.run(&["gcp-credential", "-p", "nope"]);
    assert_ne!(r.code, 0);
    assert_eq!(r.stderr, "");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["success"], false);
}

/// The configuration `tok setup gcp` wrote, with Google's STS at the loopback stand-in.
fn setup_gcp_at_sts(
    tok: &Tok,
    sts: &Sts,
    extra: &[&str],
) -> (std::path::PathBuf, serde_json::Value) {
    let config = tok.path("gcp.json");
    let mut args = vec![
        "setup",
        "gcp",
        "-p",
        "work",
        "--audience",
        AUDIENCE,
        "--output",
        config.to_str().unwrap(),
    ];
    args.extend(extra);
    let r = tok.run(&args);
    assert!(r.ok(), "{r:?}");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    v["token_url"] = format!("{}/v1/token", sts.url).into();
    std::fs::write(&config, v.to_string()).unwrap();
    (config, v)
}

/// `GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE` and `_IMPERSONATED_EMAIL`, as the real google-auth
/// passes them: a configuration edited to ask for another pool provider, or to impersonate
/// another service account, gets `success: false` with its own code, and no token reaches
/// the exchange. See: issue 20.
#[test]
fn a_configuration_edited_for_another_audience_or_service_account_gets_no_token() {
    let Some(python) = venv_python() else { return };
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let sts = Sts::start_script(&python, "google-sts.py", &[&provider.issuer, "tok-cli"]);
    let (config, mut v) = setup_gcp_at_sts(&tok, &sts, &[]);
    let command = v["credential_source"]["executable"]["command"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        command.ends_with(&format!("--audience {AUDIENCE}")),
        "{command}"
    );

    // The audience as written: the exchange happens.
    let r = google_auth(&tok, &python, &config);
    assert!(r.ok(), "{r:?}");
    assert_eq!(sts.calls().len(), 1);

    // Another pool provider in the same file: refused before any token leaves tok.
    let other = AUDIENCE.replace("providers/tok", "providers/other");
    v["audience"] = other.clone().into();
    std::fs::write(&config, v.to_string()).unwrap();
    let r = google_auth(&tok, &python, &config);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.contains("audience_mismatch"), "{r:?}");
    assert!(r.stdout.contains(&other), "{r:?}");
    assert_eq!(sts.calls().len(), 1, "no second exchange");

    // The command alone, as the library runs it: the failure JSON, exit 8, stderr empty.
    let t = tok.env("GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE", &other);
    let r = t.run(&["-v", "gcp-credential", "-p", "work", "--audience", AUDIENCE]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["success"], false);
    assert_eq!(j["code"], "audience_mismatch");
    assert!(j.get("id_token").is_none());

    // Set up to be impersonated as a service account: the command says which. google-auth
    // runs it from a copy of the credentials without the impersonation, so it passes no
    // GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL: the token is handed out and exchanged (the
    // impersonation itself then needs Google's IAM, which is not here).
    let tok = t;
    let sa = "dev@proj.iam.gserviceaccount.com";
    let (config, _) = setup_gcp_at_sts(&tok, &sts, &["--service-account", sa]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let command = v["credential_source"]["executable"]["command"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        command.contains(&format!("--service-account {sa}")),
        "{command}"
    );
    let _ = google_auth(&tok, &python, &config);
    assert_eq!(sts.calls().len(), 2, "the token was exchanged");
    // A library that passes the variable (Google's other libraries do) with another account:
    // refused.
    let t = tok.env(
        "GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL",
        "evil@other.iam.gserviceaccount.com",
    );
    let r = t.run(&[
        "gcp-credential",
        "-p",
        "work",
        "--audience",
        &other,
        "--service-account",
        sa,
    ]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
    assert!(r.stdout.contains("service_account_mismatch"), "{r:?}");
    assert!(r.stdout.contains("evil@other"), "{r:?}");
}

/// `GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE`: without it (or `0`) a missing session is the
/// failure JSON and no login starts; with `1` (the library's interactive mode: the user's
/// terminal, the answer read back from the output file) tok logs in and answers. See: issue 20.
#[test]
fn only_the_interactive_mode_logs_in() {
    let (_provider, tok) = logged_in(&[]);
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    let out_file = tok.path("gcp-out.json");
    let t = tok.env("GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE", "0").env(
        "GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE",
        out_file.to_str().unwrap(),
    );
    let r = t.run(&["gcp-credential", "-p", "work"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
    assert!(r.stdout.contains("login_required"), "{r:?}");
    let r = t.run(&["status", "-p", "work"]);
    assert!(
        r.stdout.contains("session:  none"),
        "still no session: {r:?}"
    );

    let t = t.env("GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE", "1");
    let r = t.run(&["gcp-credential", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    // stdout is the user's terminal in this mode: the token goes to the output file only.
    assert_eq!(r.stdout, "", "{r:?}");
    let written = std::fs::read_to_string(&out_file).unwrap();
    let j: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(j["success"], true, "{j}");
    let r2 = t.run(&["print", "-p", "work", "--token", "id"]);
    assert_eq!(j["id_token"].as_str().unwrap(), r2.stdout.trim());
}

/// A command line that does not parse is the failure JSON on stdout too, never a clap message
/// on stderr (the library reads stderr merged into stdout). See: issue 20.
#[test]
fn argument_errors_of_gcp_credential_are_the_failure_json() {
    let tok = Tok::new();
    for args in [
        &["gcp-credential", "--nope"][..],
        &["gcp-credential", "--token", "refresh"],
        &["-v", "gcp-credential", "-p"],
        &["--json-errors", "gcp-credential", "--bad"],
    ] {
        let r = tok.run(args);
        assert_eq!(r.code, 2, "{args:?} {r:?}");
        assert_eq!(r.stderr, "", "{args:?} {r:?}");
        assert_eq!(r.stdout.lines().count(), 1, "{r:?}");
        let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(j["version"], 1);
        assert_eq!(j["success"], false);
        assert_eq!(j["code"], "usage");
        assert!(
            j["message"]
                .as_str()
                .unwrap()
                .contains("gcp-credential --help"),
            "{j}"
        );
    }
}
