//! The canary: the whole CLI surface at `-vv`, every stdout, stderr and file collected, and the
//! token values found only where they belong — `print`'s stdout and the 0600 session and token
//! cache files. See: issue 4.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::faults::{Faults, set_token_endpoint};
use crate::support::{NARROWED_PRINT, Provider, Run, Tok, contains_jwt, dpop_print, exec_sh};

/// An argument list as `&str`s.
fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The canary's record: each step's command line and run (at `-vv`), and every file under the
/// home as it was after the step that last changed it.
struct Steps<'a> {
    tok: &'a Tok,
    runs: Vec<(String, Run)>,
    files: BTreeMap<PathBuf, (u32, Vec<u8>)>,
}

impl<'a> Steps<'a> {
    fn new(tok: &'a Tok) -> Self {
        Self {
            tok,
            runs: vec![],
            files: BTreeMap::new(),
        }
    }

    /// `tok ARGS -vv` with `input` on stdin, then a snapshot of the files.
    fn step_in(&mut self, args: &[&str], input: &str) {
        let mut argv = args.to_vec();
        argv.push("-vv");
        let r = self.tok.run_stdin(&argv, input);
        snapshot(self.tok, &mut self.files);
        self.runs.push((args.join(" "), r));
    }

    fn step(&mut self, args: &[&str]) {
        self.step_in(args, "");
    }
}

/// Every file under the home with its mode and content, after one step.
fn snapshot(tok: &Tok, into: &mut BTreeMap<PathBuf, (u32, Vec<u8>)>) {
    for (p, mode) in tok.files() {
        if p.is_file() {
            into.insert(p.clone(), (mode, std::fs::read(&p).unwrap()));
        } else {
            assert_eq!(mode, 0o700, "{} is a private directory", p.display());
        }
    }
}

#[test]
fn tokens_appear_only_on_print_stdout_and_in_private_files() {
    let provider = Provider::start();
    let faults = Faults::start(&provider);
    let tok = Tok::new();
    let mut steps = Steps::new(&tok);
    let mut tokens: Vec<String> = vec![];
    // Secrets that may appear on no output at all: refresh tokens, client secret, DPoP key.
    let mut never: Vec<String> = vec![];

    steps.step(&strs(
        &tok.login_to(&provider, "work")
            .usual_scopes()
            .browser()
            .argv(),
    ));
    assert!(steps.runs[0].1.ok(), "{:?}", steps.runs[0].1);
    {
        let rt = tok.refresh_token("work");
        never.push(rt.clone());
        tokens.push(rt);
    }
    steps.step(&["print", "-p", "work"]);
    steps.step(&["print", "-p", "work", "--force-refresh"]);
    {
        let rt = tok.refresh_token("work");
        never.push(rt.clone());
        tokens.push(rt);
    }
    steps.step(&["print", "-p", "work", "--min-ttl", "100000"]);
    {
        let rt = tok.refresh_token("work");
        never.push(rt.clone());
        tokens.push(rt);
    }
    steps.step(&["status"]);
    steps.step(&["status", "--json"]);
    steps.step(&["status", "-p", "work"]);
    // Every output format, a narrowed token, the helpers, stats and profiles.
    for f in ["json", "env", "header"] {
        steps.step(&["print", "-p", "work", "--format", f]);
    }
    steps.step(&NARROWED_PRINT);
    // The ID token (issue 20): a canary like the access tokens.
    steps.step(&["print", "-p", "work", "--token", "id"]);
    steps.step(&["print", "-p", "work", "--token", "id", "--format", "json"]);
    steps.step(&["setup", "git", "-p", "work", "--host", "git.example.com"]);
    steps.step_in(
        &["git-credential", "get"],
        "protocol=https\nhost=git.example.com\ncapability[]=authtype\n\n",
    );
    steps.step_in(
        &["git-credential", "get"],
        "protocol=https\nhost=git.example.com\n\n",
    );
    steps.step_in(
        &["git-credential", "erase"],
        "protocol=https\nhost=git.example.com\n\n",
    );
    steps.step(&[
        "setup",
        "docker",
        "-p",
        "work",
        "--registry",
        "reg.example.com",
    ]);
    steps.step_in(&["docker-credential", "get"], "reg.example.com");
    steps.step(&["kubectl-credential", "-p", "work"]);
    // Issue 13's consumers: a token file (the one file outside tok's own that may hold a
    // token), a command's environment, Terraform's helper, Prometheus metrics.
    let out_dir = tok.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::set_permissions(
        &out_dir,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let out_file = out_dir.join("token");
    steps.step(&[
        "print",
        "-p",
        "work",
        "--output",
        out_file.to_str().unwrap(),
    ]);
    steps.step(&exec_sh("work", "test -n \"$TOK_ACCESS_TOKEN\""));
    {
        let cfg = tok.path("config/tok/config.toml");
        let text = std::fs::read_to_string(&cfg).unwrap();
        let text = text.replacen(
            "[profiles.work]\n",
            "[profiles.work]\nterraform_hosts = [\"tf.example.com\"]\n",
            1,
        );
        std::fs::write(&cfg, text).unwrap();
    }
    steps.step(&["terraform-credential", "get", "tf.example.com"]);
    steps.step(&["terraform-credential", "forget", "tf.example.com"]);
    steps.step(&["stats", "--format", "prometheus"]);
    steps.step(&["stats", "--json"]);
    steps.step(&["profile", "show", "work"]);
    // A confidential client (its secret is a canary too) and a DPoP-bound session.
    let cc = tok
        .login_to(&provider, "ci")
        .client("ci-bot")
        .client_credentials()
        .scope("api:read")
        .argv();
    steps.step_in(&strs(&cc), "ci-bot-secret\n");
    steps.step(&["print", "-p", "ci"]);
    let bound = tok
        .login_to(&provider, "bound")
        .scope("openid")
        .arg("--dpop")
        .browser()
        .argv();
    steps.step(&strs(&bound));
    steps.step(&dpop_print("bound"));
    {
        let rt = tok.refresh_token("bound");
        never.push(rt.clone());
        tokens.push(rt);
    }
    let bound = tok.file_session("bound");
    let key = &bound["dpop_key"];
    let d = key
        .as_str()
        .or_else(|| key["d"].as_str())
        .expect("the DPoP private key");
    tokens.push(d.to_string());
    tokens.push("ci-bot-secret".to_string());
    never.push(d.to_string());
    never.push("ci-bot-secret".to_string());
    steps.step(&["logout", "-p", "ci"]);
    steps.step(&["logout", "-p", "bound"]);
    // Error paths.
    steps.step(&["print", "-p", "nope"]);
    steps.step(&["print", "-p", "bad name"]);
    set_token_endpoint(&tok, "work", Some(&faults.url("html502")));
    steps.step(&["print", "-p", "work", "--force-refresh"]);
    set_token_endpoint(&tok, "work", Some(&faults.url("truncated")));
    steps.step(&["print", "-p", "work", "--force-refresh"]);
    set_token_endpoint(&tok, "work", None);
    steps.step(&["login", "-p", "work", "--flow", "nonsense"]);
    {
        // The steps since the last capture may have rotated it again (a narrowed refresh
        // rotates too): the session file's last content holds this one.
        let rt = tok.refresh_token("work");
        never.push(rt.clone());
        tokens.push(rt);
    }
    steps.step(&["logout", "-p", "work"]);
    steps.step(&["print", "-p", "work"]);
    steps.step(&["status", "--json"]);

    let Steps { runs, files, .. } = steps;
    // Access tokens: whatever print wrote, and whatever the cache held.
    for (cmd, r) in &runs {
        if cmd.starts_with("print")
            && !cmd.contains("--format")
            && !cmd.contains("--output")
            && r.ok()
        {
            tokens.push(r.token());
        }
    }
    let written = std::fs::read_to_string(&out_file).unwrap();
    tokens.push(written.trim().to_string());
    for (path, (_, content)) in &files {
        if path.parent().is_some_and(|d| d.ends_with("tok/tokens")) {
            let v: serde_json::Value = serde_json::from_slice(content).unwrap();
            tokens.push(v["access_token"].as_str().unwrap().to_string());
            if let Some(id) = v["id_token"].as_str() {
                tokens.push(id.to_string());
            }
        }
    }
    tokens.sort();
    tokens.dedup();
    assert!(tokens.len() >= 5, "ATs and RTs collected: {}", tokens.len());
    assert!(
        tokens.iter().all(|t| t.len() >= 12),
        "canaries long enough to be unambiguous"
    );

    // Access tokens may leave on the stdout of `print` and of the helpers (their payload);
    // refresh tokens, the client secret and the DPoP key never leave at all.
    let payload = |cmd: &str| {
        [
            "print",
            "git-credential get",
            "docker-credential get",
            "kubectl-credential",
            "terraform-credential get",
        ]
        .iter()
        .any(|c| cmd.starts_with(c))
    };
    for (cmd, r) in &runs {
        for t in &tokens {
            assert!(
                !r.stderr.contains(t.as_str()),
                "`{cmd}` stderr leaked a token: {r:?}"
            );
            let allowed = payload(cmd) && !never.contains(t);
            if !allowed {
                assert!(
                    !r.stdout.contains(t.as_str()),
                    "`{cmd}` stdout leaked: {r:?}"
                );
            }
        }
        if cmd.starts_with("print")
            && !cmd.contains("--format")
            && !cmd.contains("--output")
            && r.ok()
        {
            assert_eq!(r.stdout.lines().count(), 1, "{cmd}: only the token");
        }
        if cmd.contains("--output") || cmd.starts_with("exec") {
            assert!(r.ok(), "{cmd}: {r:?}");
            assert_eq!(
                r.stdout, "",
                "{cmd}: the token goes to the file or the command only"
            );
        }
    }
    let mut holders = vec![];
    for (path, (mode, content)) in &files {
        let text = String::from_utf8_lossy(content);
        if tokens.iter().any(|t| text.contains(t.as_str())) {
            let name = path.display().to_string();
            let dir = path.parent().unwrap();
            assert!(
                dir.ends_with("data/tok/sessions")
                    || dir.ends_with("run/tok/tokens")
                    || *path == out_file,
                "a token in {name}"
            );
            assert_eq!(*mode, 0o600, "{name}");
            holders.push(name);
        }
        // git's own config file (`tok setup git` asks git to write it) keeps git's mode.
        if !path.ends_with(".gitconfig") {
            assert_eq!(*mode & 0o077, 0, "{} is private", path.display());
        }
    }
    assert!(
        holders.iter().any(|h| *h == out_file.display().to_string()),
        "the --output file: {holders:?}"
    );
    assert!(
        holders.iter().any(|h| h.ends_with("sessions/work.json"))
            && holders.iter().any(|h| h.ends_with("tokens/work.json")),
        "the session and the cache: {holders:?}"
    );
    // The refresh token never reaches the cache file.
    let cache = files
        .iter()
        .find(|(p, _)| p.ends_with("tokens/work.json"))
        .unwrap();
    let text = String::from_utf8_lossy(&cache.1.1);
    assert!(!text.contains("refresh_token"), "{text}");
}

/// The canary of workload identity (issue 12): the CI identity tokens (the minted ones and the
/// ones GitHub-style requests fetched, as the CI issuer lists them; and any JWT, by its full
/// shape) and the Actions request token appear in no output, log, audit line or file; the exchanged access tokens only on the
/// stdout of `print` and the helpers and in the 0600 token cache; the refresh token a provider
/// answered with, nowhere.
#[test]
fn workload_identity_tokens_appear_nowhere() {
    use crate::rig_net::{CiIssuer, trusting};
    const REQUEST_TOKEN: &str = "ci-request-canary-0123456789";
    let ci = CiIssuer::start_with(&[("TOK_TEST_CI_REQUEST_TOKEN", REQUEST_TOKEN)]);
    let mut env = trusting(&ci);
    env.push(("TOK_TEST_EXCHANGE_REFRESH", "1".into()));
    env.push(("TOK_TEST_QUIET", "1".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let provider = Provider::start_with(&env);
    let issuer = provider.issuer.clone();
    let env_jwt = ci.mint(&[("aud", &issuer)]);
    let file_jwt = ci.mint(&[("aud", "api://AzureADTokenExchange")]);
    let tok = Tok::new()
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &ci.request_url())
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
        .env("GITLAB_ID_TOKEN", &env_jwt);
    let file = tok.path("projected");
    std::fs::write(&file, &file_jwt).unwrap();
    let source = format!("file:{}", file.display());
    let mut steps = Steps::new(&tok);
    let login = |steps: &mut Steps, name: &str, extra: &[&str]| {
        let args = tok
            .login_to(&provider, name)
            .client("tok-ci")
            .args(extra)
            .argv();
        steps.step(&strs(&args));
    };
    login(&mut steps, "gh", &["--workload-identity", "github"]);
    login(
        &mut steps,
        "gl",
        &[
            "--workload-identity",
            "env:GITLAB_ID_TOKEN",
            "--exchange",
            "jwt-bearer",
        ],
    );
    login(
        &mut steps,
        "k8s",
        &[
            "--workload-identity",
            &source,
            "--exchange",
            "client-assertion",
        ],
    );
    for (cmd, r) in &steps.runs {
        assert!(r.ok(), "{cmd}: {r:?}");
    }
    for p in ["gh", "gl", "k8s"] {
        steps.step(&["print", "-p", p]);
        steps.step(&["print", "-p", p, "--force-refresh"]);
        steps.step(&["print", "-p", p, "--format", "json"]);
    }
    steps.step(&["status"]);
    steps.step(&["status", "--json"]);
    steps.step(&["stats", "--json"]);
    steps.step(&["profile", "show", "gh"]);
    steps.step(&["setup", "git", "-p", "gh", "--host", "git.example.com"]);
    steps.step_in(
        &["git-credential", "get"],
        "protocol=https\nhost=git.example.com\n\n",
    );
    // Refusals: a wrong audience at the provider, an expired token, a missing permission.
    login(
        &mut steps,
        "wrong",
        &[
            "--workload-identity",
            "github",
            "--ci-audience",
            "https://wrong.test",
        ],
    );
    std::fs::write(
        &file,
        ci.mint(&[("aud", "api://AzureADTokenExchange"), ("ttl", "-5")]),
    )
    .unwrap();
    steps.step(&["print", "-p", "k8s", "--force-refresh"]);
    for p in ["gh", "gl", "k8s"] {
        steps.step(&["logout", "-p", p]);
    }

    let Steps { runs, files, .. } = steps;
    let code = |prefix: &str| {
        runs.iter()
            .rev()
            .find(|(c, _)| c.starts_with(prefix))
            .unwrap()
            .1
            .code
    };
    assert_eq!(code("login -p wrong"), 8, "the refusal path ran");
    assert_eq!(
        code("print -p k8s --force-refresh"),
        3,
        "the expiry path ran"
    );
    let mut access: Vec<String> = vec![];
    for (cmd, r) in &runs {
        if cmd.starts_with("print") && !cmd.contains("--format") && r.ok() {
            access.push(r.token());
        }
    }
    assert!(access.len() >= 6, "{}", access.len());
    // The secrets themselves: the identity tokens minted here and those the GitHub-style
    // requests fetched, the request token, and every refresh token the provider answered
    // with (which tok must ignore). Any other JWT is caught by its full shape.
    let fetched = ci.issued_tokens();
    assert!(
        !fetched.is_empty(),
        "the GitHub-style source fetched tokens"
    );
    let unwanted: Vec<String> = provider.stats()["workload_refresh_tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!unwanted.is_empty(), "the provider answered refresh tokens");
    let mut never = vec![env_jwt.as_str(), file_jwt.as_str(), REQUEST_TOKEN];
    never.extend(fetched.iter().map(String::as_str));
    never.extend(unwanted.iter().map(String::as_str));
    let payload = |cmd: &str| {
        ["print", "git-credential get"]
            .iter()
            .any(|c| cmd.starts_with(c))
    };
    for (cmd, r) in &runs {
        for n in &never {
            assert!(
                !r.stdout.contains(n) && !r.stderr.contains(n),
                "`{cmd}` leaked a CI token or a refresh token: {r:?}"
            );
        }
        assert!(
            !contains_jwt(&r.stdout) && !contains_jwt(&r.stderr),
            "`{cmd}` printed a JWT: {r:?}"
        );
        for t in &access {
            assert!(
                !r.stderr.contains(t.as_str()),
                "`{cmd}` stderr leaked: {r:?}"
            );
            if !payload(cmd) {
                assert!(
                    !r.stdout.contains(t.as_str()),
                    "`{cmd}` stdout leaked: {r:?}"
                );
            }
        }
    }
    let mut audit_seen = false;
    for (path, (mode, content)) in &files {
        let text = String::from_utf8_lossy(content);
        audit_seen |= path.ends_with("audit.jsonl");
        if *path == file {
            continue; // the platform's file, not tok's
        }
        for n in &never {
            assert!(
                !text.contains(n),
                "{} holds a CI token or a refresh token",
                path.display()
            );
        }
        assert!(!contains_jwt(&text), "{} holds a JWT", path.display());
        if access.iter().any(|t| text.contains(t.as_str())) {
            assert!(
                path.parent().unwrap().ends_with("run/tok/tokens"),
                "{}",
                path.display()
            );
            assert_eq!(*mode, 0o600, "{}", path.display());
        }
        assert!(
            !path.to_string_lossy().contains("sessions/"),
            "a stored session: {}",
            path.display()
        );
    }
    assert!(audit_seen, "the audit log was checked too");
}

/// The JWT canary matches a JWT's full shape, not a few of its characters: an opaque random
/// token that happens to hold `eyJ` (as one did on a loaded machine) is not a JWT.
#[test]
fn the_jwt_canary_matches_jwts_and_not_random_tokens_holding_eyj() {
    use crate::rig_net::CiIssuer;
    let ci = CiIssuer::start();
    let jwt = ci.mint(&[("aud", "https://x.test")]);
    assert!(contains_jwt(&jwt));
    assert!(contains_jwt(&format!("token={jwt}&x=1")));
    assert!(contains_jwt(&format!("{{\"id_token\":\"{jwt}\"}}")));
    for opaque in [
        "0ZpQeyJ3kq_8aS-WmVx4fTbn2LcYd7Ue1RoHgIsNwKj",
        "eyJhbGciOiJIUzI1NiJ9",
        "eyJ.eyJ.eyJ",
        "eyJub3QiOiJhbGcifQ.eyJzdWIiOiJ4In0.c2ln",
        "a.b.c",
    ] {
        assert!(!contains_jwt(opaque), "{opaque}");
    }
}

/// The canary of AWS credentials (issue 20): the secret access key and session token STS
/// returned appear only on the stdout of `tok aws-credential` and in its 0600 cache file under
/// the runtime directory; never on stderr at `-vv`, in the audit log, the state files or the
/// AWS config file; and `logout` deletes the cache. `gcp-credential`'s ID token appears only on
/// its stdout, in the library's output file and in tok's own 0600 files.
#[test]
fn aws_keys_appear_only_on_aws_credential_stdout_and_in_the_cache() {
    let Some(python) = crate::aws::venv_python() else {
        return;
    };
    let provider = Provider::start_with(&[("TOK_TEST_AT_TTL", "3600")]);
    let sts = crate::aws::Sts::start(&python, &provider);
    let tok = Tok::new();
    tok.login(&provider, "work");
    let config = tok.path("aws-config");
    let tok = tok
        .env("AWS_CONFIG_FILE", config.to_str().unwrap())
        .env("AWS_ENDPOINT_URL_STS", &sts.url);
    let role = "arn:aws:iam::123456789012:role/canary";
    let mut runs: Vec<(String, Run)> = vec![];
    let files = std::cell::RefCell::new(BTreeMap::new());
    let step = |args: &[&str], runs: &mut Vec<(String, Run)>| {
        let mut argv = args.to_vec();
        argv.push("-vv");
        let r = tok.run(&argv);
        snapshot(&tok, &mut files.borrow_mut());
        runs.push((args.join(" "), r));
    };
    let aws = ["aws-credential", "-p", "work", "--role-arn", role];
    step(
        &[
            "setup",
            "aws",
            "-p",
            "work",
            "--role-arn",
            role,
            "--aws-profile",
            "c",
        ],
        &mut runs,
    );
    step(&aws, &mut runs);
    step(&aws, &mut runs);
    step(&["--store", "file", "status", "--json"], &mut runs);
    step(&["stats"], &mut runs);
    assert_eq!(sts.calls().len(), 1, "{:?}", sts.calls());
    let v: serde_json::Value = serde_json::from_str(&runs[1].1.stdout).unwrap();
    let keys: Vec<String> = ["AccessKeyId", "SecretAccessKey", "SessionToken"]
        .iter()
        .map(|k| v[k].as_str().unwrap().to_string())
        .collect();
    assert!(keys.iter().all(|k| k.len() >= 16), "{keys:?}");
    for (cmd, r) in &runs {
        for k in &keys {
            assert!(
                !r.stderr.contains(k.as_str()),
                "`{cmd}` stderr leaked: {r:?}"
            );
            if !cmd.starts_with("aws-credential") {
                assert!(
                    !r.stdout.contains(k.as_str()),
                    "`{cmd}` stdout leaked: {r:?}"
                );
            }
        }
    }
    let mut holders = vec![];
    for (path, (mode, content)) in files.borrow().iter() {
        let text = String::from_utf8_lossy(content);
        if keys.iter().any(|k| text.contains(k.as_str())) {
            assert!(
                path.parent().unwrap().ends_with("run/tok/tokens"),
                "AWS keys in {}",
                path.display()
            );
            assert_eq!(*mode, 0o600, "{}", path.display());
            holders.push(path.clone());
        }
    }
    assert_eq!(holders.len(), 1, "the cache only: {holders:?}");

    // `gcp-credential` hands out the ID token on stdout and in the library's output file
    // (0600) only; nothing on stderr even at -vv.
    let out_file = tok.path("gcp-out.json");
    let g = tok.env(
        "GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE",
        out_file.to_str().unwrap(),
    );
    let r = g.run(&["-vv", "gcp-credential", "-p", "work"]);
    assert!(r.ok() && r.stderr.is_empty(), "{r:?}");
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let id = j["id_token"].as_str().unwrap().to_string();
    for (path, mode) in g.files() {
        if path.is_file() && std::fs::read_to_string(&path).is_ok_and(|t| t.contains(&id)) {
            let dir = path.parent().unwrap();
            assert!(
                path == out_file
                    || dir.ends_with("run/tok/tokens")
                    || dir.ends_with("data/tok/sessions"),
                "the ID token in {}",
                path.display()
            );
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }
    let tok = g;
    let r = tok.run(&["logout", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert!(!holders[0].exists(), "logout deletes the AWS keys");
}

/// A `private_key_jwt` client's generated private key (issue 22) is in its 0600 store item and
/// nowhere else: not in any stdout, stderr or command line at `-vv`, not in another file, not in
/// the JWK Set. Looked for as stored (base64url PKCS#8) and as its JWK `d` (the P-256 scalar).
#[test]
fn a_client_private_key_appears_only_in_its_store_item() {
    use crate::client_key::{CLIENT, registered, stored_keys};
    let provider = Provider::start();
    let tok = Tok::new();
    let set = registered(&tok, &provider, "work", &[]);
    let mut steps = Steps::new(&tok);
    let issuer = provider.issuer.clone();
    steps.step(&[
        "login",
        "-p",
        "work",
        "--issuer",
        &issuer,
        "--client-id",
        CLIENT,
        "--scope",
        "openid",
        "--scope",
        "offline_access",
        "--browser",
        "--timeout",
        "60s",
    ]);
    steps.step(&["print", "-p", "work", "--force-refresh"]);
    steps.step(&["profile", "jwks", "-p", "work"]);
    steps.step(&["status", "-p", "work"]);
    steps.step(&["status", "-p", "work", "--json"]);
    steps.step(&["profile", "show", "work"]);
    steps.step(&["logout", "-p", "work"]);
    let keys = stored_keys(&tok, "work");
    assert_eq!(keys.len(), 1);
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let der = b64.decode(&keys[0]).unwrap();
    // ECPrivateKey (RFC 5915): version 1, then the 32-byte scalar as an OCTET STRING.
    let at = der
        .windows(5)
        .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        .expect("an EC private key")
        + 5;
    let d = b64.encode(&der[at..at + 32]);
    let needles = [keys[0].clone(), d[..40].to_string()];
    assert!(
        steps
            .runs
            .iter()
            .any(|(c, r)| c.starts_with("login") && r.ok()),
        "{:?}",
        steps.runs
    );
    for (cmd, r) in &steps.runs {
        // Nor an assertion (a bearer credential for its minute), at any verbosity.
        assert!(
            !contains_jwt(&r.stderr),
            "a JWT on stderr of {cmd}: {}",
            r.stderr
        );
        for n in &needles {
            assert!(!cmd.contains(n.as_str()), "the key in argv: {cmd}");
            assert!(!r.stdout.contains(n.as_str()), "the key on stdout of {cmd}");
            assert!(!r.stderr.contains(n.as_str()), "the key on stderr of {cmd}");
        }
    }
    assert!(!set.to_string().contains(&d[..40]));
    for (path, (mode, content)) in &steps.files {
        let text = String::from_utf8_lossy(content);
        if path.ends_with("work+client-key.json") {
            assert_eq!(*mode, 0o600, "{}", path.display());
            assert!(text.contains(&keys[0]));
            continue;
        }
        for n in &needles {
            assert!(!text.contains(n.as_str()), "the key in {}", path.display());
        }
    }
}

/// A PKCS#11 token's PIN (issue 22) goes from stdin to the token's module and nowhere else: no
/// argv, no output at any verbosity, no file, through a login, refreshes, resource proofs, a
/// wrong PIN and a refresh that has no PIN.
#[test]
fn a_tokens_pin_appears_nowhere() {
    use crate::pkcs11::{MODULE, PIN, SoftHsm, uri};
    let hsm = SoftHsm::new();
    let provider = Provider::start();
    let tok = hsm.tok();
    let mut steps = Steps::new(&tok);
    let key = uri("dpop");
    let login = |extra: &[&str]| {
        tok.login_to(&provider, "hw")
            .usual_scopes()
            .args(&["--browser", "--timeout", "60s", "--dpop-key", &key])
            .args(&["--pkcs11-module", MODULE, "--pin-stdin"])
            .args(extra)
            .argv()
    };
    let pin_line = format!("{PIN}\n");
    steps.step_in(&strs(&login(&["--generate-key"])), &pin_line);
    steps.step_in(&["print", "-p", "hw", "--pin-stdin"], &pin_line);
    steps.step_in(
        &["print", "-p", "hw", "--force-refresh", "--pin-stdin"],
        &pin_line,
    );
    let me = format!("{}/me", provider.issuer);
    let mut proof = dpop_print("hw").to_vec();
    proof.push("--pin-stdin");
    let last = proof.len() - 2;
    proof[last] = &me;
    steps.step_in(&proof, &pin_line);
    steps.step(&["print", "-p", "hw", "--force-refresh"]);
    steps.step(&["status"]);
    steps.step(&["status", "--json"]);
    steps.step(&["stats", "--json"]);
    steps.step(&["profile", "show", "hw"]);
    steps.step_in(&strs(&login(&[])), "not-the-pin-0\n");
    steps.step(&["logout", "-p", "hw"]);
    let Steps { runs, files, .. } = steps;
    assert!(runs[..4].iter().all(|(_, r)| r.ok()), "{runs:?}");
    assert_eq!(
        runs[4].1.code, 3,
        "no PIN without a terminal: {:?}",
        runs[4]
    );
    assert_eq!(runs[9].1.code, 7, "a wrong PIN: {:?}", runs[9]);
    for (cmd, r) in &runs {
        assert!(!cmd.contains(PIN), "the PIN in argv: {cmd}");
        assert!(
            !r.stdout.contains(PIN) && !r.stderr.contains(PIN),
            "{cmd}: {r:?}"
        );
        assert!(!r.stderr.contains("not-the-pin-0"), "{cmd}: {r:?}");
    }
    for (path, (_, bytes)) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(PIN), "the PIN in {}", path.display());
        assert!(
            !text.contains("not-the-pin-0"),
            "a PIN in {}",
            path.display()
        );
    }
}
