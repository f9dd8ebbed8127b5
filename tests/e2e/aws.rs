//! `tok aws-credential` and `tok setup aws` with the real AWS SDK for Python (boto3) against
//! moto's STS on loopback (tests/cloud/moto-sts.py, which also checks with the provider that
//! the token tok presents is live). See: issue 20.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::support::{ChildGuard, Provider, Tok, logged_in, root, start_service};

const ROLE: &str = "arn:aws:iam::123456789012:role/dev";

/// The venv scripts/setup makes with boto3 and moto; `None` (the test says it is skipped) when
/// it is missing outside CI. In CI its absence fails the test.
pub(crate) fn venv_python() -> Option<PathBuf> {
    let py = root().join("tests/cloud/.venv/bin/python");
    if py.exists() {
        return Some(py);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "tests/cloud/.venv is missing: scripts/setup makes it"
    );
    eprintln!("skipped: tests/cloud/.venv is missing (run scripts/setup)");
    None
}

/// moto's STS behind the recording front.
pub(crate) struct Sts {
    _child: ChildGuard,
    pub(crate) url: String,
    log: PathBuf,
    _dir: TempDir,
}

impl Sts {
    pub(crate) fn start(python: &PathBuf, provider: &Provider) -> Self {
        Self::start_script(python, "moto-sts.py", &[&provider.issuer])
    }

    /// tests/cloud/SCRIPT with `args`, then `--log FILE`.
    pub(crate) fn start_script(python: &PathBuf, script: &str, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sts.jsonl");
        std::fs::write(&log, "").unwrap();
        let (child, port) = start_service(
            &format!("tests/cloud/{script} (scripts/setup makes tests/cloud/.venv)"),
            || {
                let mut c = Command::new(python);
                c.arg(root().join("tests/cloud").join(script))
                    .args(args)
                    .arg("--log")
                    .arg(&log);
                c
            },
            &dir.path().join("stderr"),
            1,
            Duration::from_secs(300),
        );
        Self {
            _child: child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    /// The AssumeRoleWithWebIdentity calls so far.
    pub(crate) fn calls(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn calls_for(&self, role: &str) -> Vec<serde_json::Value> {
        self.calls()
            .into_iter()
            .filter(|c| c["role_arn"] == role)
            .collect()
    }
}

/// boto3 running [`CALLER`] for the AWS `profile`, with tok's environment and the AWS SDK's,
/// pointed at `sts` and `config`.
fn boto3(tok: &Tok, python: &Path, sts: &Sts, config: &Path, profile: &str) -> Command {
    let mut c = tok.tool(python);
    c.args(["-c", CALLER, profile])
        .env("AWS_CONFIG_FILE", config)
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            tok.path("no-aws-credentials"),
        )
        .env("AWS_ENDPOINT_URL_STS", &sts.url)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

/// `tok setup aws -p work --role-arn ROLE --aws-profile PROFILE ARGS`, which must succeed.
fn setup_aws(tok: &Tok, role: &str, profile: &str, args: &[&str]) {
    let mut argv = vec!["--role-arn", role, "--aws-profile", profile];
    argv.extend_from_slice(args);
    let r = tok.setup("aws", "work", &argv);
    assert!(r.ok(), "{r:?}");
}

/// boto3 with `profile`: `sts get-caller-identity`'s ARN, or the exception's text.
const CALLER: &str = r#"
import sys, boto3
try:
    print(boto3.Session(profile_name=sys.argv[1]).client("sts", region_name="us-east-1").get_caller_identity()["Arn"])
except Exception as e:
    print("ERROR", type(e).__name__, e)
    sys.exit(3)
"#;

#[test]
fn boto3_assumes_the_role_through_credential_process() {
    let Some(python) = venv_python() else { return };
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let sts = Sts::start(&python, &provider);
    let config = tok.path("aws/config");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let before = "[default]\nregion = eu-west-1\n# kept as is\n";
    std::fs::write(&config, before).unwrap();
    let tok = tok
        .env("AWS_CONFIG_FILE", config.to_str().unwrap())
        .env("AWS_ENDPOINT_URL_STS", &sts.url);

    // setup writes the line, keeping the rest of the file byte for byte.
    setup_aws(&tok, ROLE, "dev", &[]);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.starts_with(before), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("credential_process"))
        .unwrap();
    assert!(
        line.contains("aws-credential -p work --role-arn arn:aws:iam::123456789012:role/dev"),
        "{line}"
    );

    // The real SDK runs tok and calls STS (moto) with the keys tok printed.
    let r = tok.record(boto3(&tok, &python, &sts, &config, "dev").output().unwrap());
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.stdout.trim(),
        "arn:aws:sts::123456789012:assumed-role/dev/tok-work",
        "{r:?}"
    );
    let calls = sts.calls_for(ROLE);
    assert_eq!(calls.len(), 1, "{calls:?}");
    // The ID token (the default), valid against the provider's JWKS, for tok's client id.
    assert_eq!(calls[0]["token_kind"], "jwt", "{calls:?}");
    assert_eq!(calls[0]["token_valid"], true, "{calls:?}");
    assert_eq!(calls[0]["aud"], serde_json::json!(["tok-cli"]), "{calls:?}");
    assert_eq!(calls[0]["session_name"], "tok-work");

    // The output itself: credential_process version 1, with an RFC 3339 expiration; a second
    // call is served from the cache (no STS call) with the same keys.
    let r = tok.run(&["aws-credential", "-p", "work", "--role-arn", ROLE]);
    assert!(r.ok(), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["Version"], 1);
    let exp = humantime::parse_rfc3339(v["Expiration"].as_str().unwrap()).unwrap();
    assert!(
        exp > std::time::SystemTime::now() + Duration::from_secs(1800),
        "{v}"
    );
    assert_eq!(sts.calls_for(ROLE).len(), 1, "served from the cache");
    let secret = v["SecretAccessKey"].as_str().unwrap().to_string();
    let session = v["SessionToken"].as_str().unwrap().to_string();
    // The keys live only in the 0600 cache, and never on stderr.
    let holders = tok.any_file_contains(&secret);
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert!(
        holders[0].to_str().unwrap().contains("/tokens/work+aws-"),
        "{holders:?}"
    );
    let mode = tok
        .files()
        .into_iter()
        .find(|(p, _)| *p == holders[0])
        .unwrap()
        .1;
    assert_eq!(mode, 0o600);
    let r = tok.run(&["-vv", "aws-credential", "-p", "work", "--role-arn", ROLE]);
    assert!(r.ok() && r.stderr.contains("from the cache"), "{r:?}");
    tok.assert_no_leak(&[secret, session, tok.print("work")]);

    // `--token access` presents the access token instead (checked live with the provider).
    let r = tok.run(&[
        "aws-credential",
        "-p",
        "work",
        "--role-arn",
        ROLE,
        "--token",
        "access",
    ]);
    assert!(r.ok(), "{r:?}");
    let calls = sts.calls_for(ROLE);
    assert_eq!(calls.len(), 2, "another cache: {calls:?}");
    assert_eq!(calls[1]["token_kind"], "opaque");
    assert_eq!(calls[1]["token_valid"], true);

    // --remove takes tok's line out and leaves the file as it was.
    setup_aws(&tok, ROLE, "dev", &["--remove"]);
    assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
}

#[test]
fn twenty_sdk_processes_at_once_cause_one_sts_call() {
    let Some(python) = venv_python() else { return };
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let sts = Sts::start(&python, &provider);
    let config = tok.path("aws-config");
    let role = "arn:aws:iam::123456789012:role/ci";
    let tok = tok.env("AWS_CONFIG_FILE", config.to_str().unwrap());
    setup_aws(&tok, role, "ci", &[]);
    let children: Vec<_> = (0..20)
        .map(|_| {
            boto3(&tok, &python, &sts, &config, "ci")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let r = tok.record(child.wait_with_output().unwrap());
        assert!(r.ok(), "{r:?}");
        assert!(r.stdout.contains("assumed-role/ci/tok-work"), "{r:?}");
    }
    let calls = sts.calls_for(role);
    assert_eq!(
        calls.len(),
        1,
        "one STS call for twenty processes: {calls:?}"
    );
}

#[test]
fn an_sts_refusal_reaches_the_user_as_one_line() {
    let Some(python) = venv_python() else { return };
    let (provider, tok) = logged_in(&[("TOK_TEST_AT_TTL", "3600")]);
    let sts = Sts::start(&python, &provider);
    let role = "arn:aws:iam::123456789012:role/untrusted";
    let tok = tok.env("AWS_ENDPOINT_URL_STS", &sts.url);
    let r = tok.run(&["aws-credential", "-p", "work", "--role-arn", role]);
    assert_eq!(
        r.code, 8,
        "InvalidIdentityToken is a trust setup problem: {r:?}"
    );
    assert_eq!(r.stdout, "");
    let errors: Vec<&str> = r.stderr.lines().filter(|l| l.contains("error:")).collect();
    assert_eq!(errors.len(), 1, "{r:?}");
    assert!(
        errors[0].contains("InvalidIdentityToken") && errors[0].contains(role),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("IAM OIDC identity provider"),
        "the hint: {r:?}"
    );
    // Nothing cached: the next call asks again.
    let _ = tok.run(&["aws-credential", "-p", "work", "--role-arn", role]);
    assert_eq!(sts.calls_for(role).len(), 2);

    // Through boto3, the SDK shows tok's line.
    let config = tok.path("aws-config");
    let tok = tok.env("AWS_CONFIG_FILE", config.to_str().unwrap());
    setup_aws(&tok, role, "u", &[]);
    let r = tok.record(boto3(&tok, &python, &sts, &config, "u").output().unwrap());
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stdout.contains("CredentialRetrievalError") && r.stdout.contains("InvalidIdentityToken"),
        "{r:?}"
    );

    // Bad input is refused before any call.
    let r = tok.run(&["aws-credential", "-p", "work", "--role-arn", "dev"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("invalid --role-arn"), "{r:?}");
    assert_eq!(sts.calls_for(role).len(), 3);
}
