//! DPoP keys on a PKCS#11 token (SoftHSM2, a real PKCS#11 module, in a directory of each test's
//! own) against the real provider: the login binds the tokens to the token's key, refreshes and
//! resource proofs are signed on the token, the key tok generates is non-extractable as seen
//! by `pkcs11-tool`, and a missing key or a wrong PIN fails in one line with nothing stored.
//! See: issue 22.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::dpop::{header, http};
use crate::support::{Provider, Run, Tok};

pub(crate) const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The user PIN: a canary that must appear in no output, log or file of tok's.
pub(crate) const PIN: &str = "pin-canary-35791";
const SO_PIN: &str = "so-pin-24680";
const LABEL: &str = "tok-test";

/// A SoftHSM2 token store of its own, with one initialized token `tok-test`.
pub(crate) struct SoftHsm {
    dir: tempfile::TempDir,
}

impl SoftHsm {
    pub(crate) fn new() -> Self {
        assert!(
            Path::new(MODULE).exists(),
            "{MODULE} is missing: install Debian's softhsm2 (scripts/setup does)"
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                dir.path().join("tokens").display()
            ),
        )
        .unwrap();
        let hsm = SoftHsm { dir };
        let out = hsm
            .tool("softhsm2-util")
            .args(["--init-token", "--free", "--label", LABEL])
            .args(["--pin", PIN, "--so-pin", SO_PIN])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        hsm
    }

    pub(crate) fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    fn tool(&self, name: &str) -> Command {
        let mut c = Command::new(name);
        c.env("SOFTHSM2_CONF", self.conf());
        c
    }

    /// `pkcs11-tool` on the token, logged in; its stdout.
    pub(crate) fn pkcs11_tool(&self, args: &[&str]) -> String {
        let out = self
            .tool("pkcs11-tool")
            .args([
                "--module",
                MODULE,
                "--token-label",
                LABEL,
                "--login",
                "--pin",
                PIN,
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `p11tool --list-all-privkeys` (GnuTLS) on the token, logged in: each key's RFC 7512
    /// URL and flags.
    fn p11tool_privkeys(&self) -> String {
        let out = self
            .tool("p11tool")
            .args(["--provider", MODULE, "--login", "--list-all-privkeys"])
            .arg(format!("pkcs11:token={LABEL}"))
            .env("GNUTLS_PIN", PIN)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tok whose PKCS#11 module reads this token store.
    pub(crate) fn tok(&self) -> Tok {
        Tok::new().env("SOFTHSM2_CONF", self.conf().to_str().unwrap())
    }

    /// The RFC 7638 thumbprint of the EC public key labelled `label`, read from outside tok.
    fn thumbprint(&self, label: &str) -> String {
        let objects = self.pkcs11_tool(&["-O", "--type", "pubkey", "--label", label]);
        let hex = objects
            .lines()
            .find_map(|l| l.trim().strip_prefix("EC_POINT:"))
            .expect("the public key has an EC point")
            .trim();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        // DER OCTET STRING (04 41) around the uncompressed point 04 || x || y.
        let point = &bytes[bytes.len() - 64..];
        let (x, y) = (
            URL_SAFE_NO_PAD.encode(&point[..32]),
            URL_SAFE_NO_PAD.encode(&point[32..]),
        );
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }
}

pub(crate) fn uri(object: &str) -> String {
    format!("pkcs11:token={LABEL};object={object};type=private")
}

/// `tok login --dpop-key KEY --pkcs11-module … --pin-stdin` with `extra`, the PIN `pin` on stdin.
fn login(tok: &Tok, provider: &Provider, name: &str, key: &str, pin: &str, extra: &[&str]) -> Run {
    tok.login_to(provider, name)
        .usual_scopes()
        .args(&["--browser", "--timeout", "60s", "--dpop-key", key])
        .args(&["--pkcs11-module", MODULE, "--pin-stdin"])
        .args(extra)
        .stdin(&format!("{pin}\n"))
        .run()
}

fn status_jkt(tok: &Tok, name: &str) -> String {
    let r = tok.run(&["status", "-p", name, "--json"]);
    assert!(r.ok(), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["profiles"][0]["dpop_jkt"].as_str().unwrap().to_string()
}

/// One line saying what failed, and one hint.
fn one_line(r: &Run) {
    let lines: Vec<&str> = r.stderr.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "one line and a hint: {r:?}");
    assert!(lines[0].starts_with("tok "), "{r:?}");
    assert!(lines[1].starts_with("  hint: "), "{r:?}");
}

#[test]
fn a_key_tok_generates_on_the_token_binds_the_login_and_every_refresh() {
    let hsm = SoftHsm::new();
    let provider = Provider::start();
    let tok = hsm.tok();
    let r = login(
        &tok,
        &provider,
        "hw",
        &uri("dpop"),
        PIN,
        &["--generate-key"],
    );
    assert!(r.ok(), "{r:?}");

    // The key was made on the token, sensitive and never extractable, as pkcs11-tool sees it.
    let objects = hsm.pkcs11_tool(&["-O", "--type", "privkey", "--label", "dpop"]);
    assert!(
        objects.contains("sensitive, always sensitive, never extractable"),
        "{objects}"
    );
    let flags = hsm.p11tool_privkeys();
    assert!(
        flags.contains("CKA_NEVER_EXTRACTABLE; CKA_SENSITIVE")
            && !flags.contains("CKA_EXTRACTABLE"),
        "{flags}"
    );
    let jkt = hsm.thumbprint("dpop");
    assert_eq!(status_jkt(&tok, "hw"), jkt);
    // `tok status` says where the key lives: its URI and the token's label.
    let human = tok.run(&["status", "-p", "hw"]);
    let at = format!("bound to key {jkt} ({}, token `{LABEL}`)", uri("dpop"));
    assert!(human.stdout.contains(&at), "{human:?}");

    // The session keeps where the key is and its public key, never a private scalar.
    let session = tok.file_session("hw");
    assert!(session.get("dpop_key").is_none(), "{session}");
    assert_eq!(session["dpop_pkcs11"]["uri"], uri("dpop").as_str());
    assert_eq!(session["dpop_pkcs11"]["token"], LABEL);
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains("dpop_key = ") && config.contains(MODULE),
        "{config}"
    );

    let at = tok.print("hw");
    let info = provider.introspect(&at);
    assert_eq!(info["token_type"], "DPoP", "{info}");
    assert_eq!(info["cnf"]["jkt"], jkt.as_str(), "{info}");
    let rt = tok.refresh_token("hw");

    // A refresh without a terminal and without --pin-stdin cannot log in to the token: exit 3,
    // one line naming the token, no request made, the session as it was.
    let r = tok.run(&["print", "-p", "hw", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(
        r.stderr.contains("needs its PIN") && r.stderr.contains(LABEL),
        "{r:?}"
    );
    assert!(r.stderr.contains("--pin-stdin"), "{r:?}");
    assert_eq!(provider.refreshes(), 0);
    assert_eq!(tok.refresh_token("hw"), rt);

    // With the PIN, the refresh is signed on the token and the rotated tokens stay bound to it.
    let r = tok.run_stdin(
        &["print", "-p", "hw", "--force-refresh", "--pin-stdin"],
        PIN,
    );
    assert!(r.ok(), "{r:?}");
    let at2 = r.token();
    assert_ne!(at2, at);
    assert_eq!(provider.refreshes(), 1);
    let rt2 = tok.refresh_token("hw");
    assert_ne!(rt2, rt, "the provider rotates refresh tokens");
    assert_eq!(provider.introspect(&at2)["cnf"]["jkt"], jkt.as_str());
    assert_eq!(provider.introspect(&rt2)["cnf"]["jkt"], jkt.as_str());

    // Logout revokes and forgets the session, not the key; the next login binds to it again.
    let r = tok.run(&["logout", "-p", "hw"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        !provider.active(&rt2),
        "the bound refresh token was revoked"
    );
    assert!(!tok.path("data/tok/sessions/hw.json").exists());
    assert!(hsm.pkcs11_tool(&["-O"]).contains("label:      dpop"));
    let r = login(&tok, &provider, "hw", &uri("dpop"), PIN, &[]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(status_jkt(&tok, "hw"), jkt);

    // The PIN is nowhere tok writes or says.
    assert!(tok.any_file_contains(PIN).is_empty());
    tok.assert_no_leak(&[PIN.to_string(), at, at2, rt, rt2]);
}

#[test]
fn nonces_and_resource_proofs_with_ath_are_signed_on_the_token() {
    let hsm = SoftHsm::new();
    // The key made from outside, by pkcs11-tool: tok uses a key it did not generate.
    hsm.pkcs11_tool(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--label",
        "outside",
        "--id",
        "07",
    ]);
    // The key named by the full URI GnuTLS prints for it (model, manufacturer, serial, token,
    // a percent-encoded id, object, type).
    let listed = hsm.p11tool_privkeys();
    let key = listed
        .lines()
        .find_map(|l| l.trim().strip_prefix("URL: "))
        .expect("p11tool lists the key's URL");
    assert!(key.contains("id=%07") && key.contains("serial="), "{key}");
    let provider = Provider::start_with(&[("TOK_TEST_DPOP_NONCE", "1")]);
    let tok = hsm.tok();
    let r = login(&tok, &provider, "hw", key, PIN, &[]);
    assert!(r.ok(), "{r:?}");
    let stats = provider.stats();
    assert_eq!(stats["token_errors"]["use_dpop_nonce"], 1, "{stats}");
    assert_eq!(stats["token_success"]["authorization_code"], 1, "{stats}");
    let jkt = hsm.thumbprint("outside");
    assert_eq!(status_jkt(&tok, "hw"), jkt);

    // The refresh reuses the remembered nonce.
    let r = tok.run_stdin(
        &["print", "-p", "hw", "--force-refresh", "--pin-stdin"],
        PIN,
    );
    assert!(r.ok(), "{r:?}");
    assert_eq!(provider.refreshes(), 1);
    assert_eq!(provider.stats()["token_errors"]["use_dpop_nonce"], 1);

    // A resource proof (with `ath`, which the provider's userinfo checks) signed on the
    // token; the server's nonce is asked for, then carried.
    let me = format!("{}/me", provider.issuer);
    let proof = |nonce: Option<&str>| {
        let mut args = vec!["print", "-p", "hw", "--format", "dpop", "--pin-stdin"];
        args.extend(["--method", "GET", "--url", &me]);
        if let Some(n) = nonce {
            args.extend(["--nonce", n]);
        }
        let r = tok.run_stdin(&args, PIN);
        assert!(r.ok(), "{r:?}");
        r.stdout
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(": ").unwrap();
                (k.to_string(), v.to_string())
            })
            .collect::<Vec<_>>()
    };
    let (status, head, body) = http("GET", &me, &proof(None));
    assert_eq!(status, 401, "{body}");
    let nonce = header(&head, "dpop-nonce").expect("the provider sends a DPoP-Nonce");
    let (status, _, body) = http("GET", &me, &proof(Some(nonce)));
    assert_eq!(status, 200, "{body}");
    assert!(tok.any_file_contains(PIN).is_empty());
    tok.assert_no_leak(&[PIN.to_string()]);
}

#[test]
fn a_key_missing_from_the_token_fails_in_one_line_and_stores_nothing() {
    let hsm = SoftHsm::new();
    let provider = Provider::start();
    let tok = hsm.tok();
    let r = login(&tok, &provider, "hw", &uri("absent"), PIN, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    one_line(&r);
    assert!(
        r.stderr.contains("no EC private key matches") && r.stderr.contains("object=absent"),
        "{r:?}"
    );
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(!tok.path("data/tok/sessions/hw.json").exists());
    let stats = provider.stats();
    assert_eq!(
        stats["token_success"]["authorization_code"]
            .as_u64()
            .unwrap_or(0),
        0,
        "no login reached the provider: {stats}"
    );

    // A token that is not there: the same class of failure, naming the module.
    let r = login(
        &tok,
        &provider,
        "hw",
        "pkcs11:token=other;object=dpop",
        PIN,
        &[],
    );
    assert_eq!(r.code, 8, "{r:?}");
    one_line(&r);
    assert!(r.stderr.contains("no token matches"), "{r:?}");
    assert!(!tok.path("data/tok/sessions/hw.json").exists());

    // A module that is not there is its own one-line failure.
    let r = tok
        .login_to(&provider, "hw2")
        .usual_scopes()
        .args(&["--browser", "--dpop-key", &uri("absent")])
        .args(&["--pkcs11-module", "/nonexistent/libnone.so", "--pin-stdin"])
        .stdin(&format!("{PIN}\n"))
        .run();
    assert_eq!(r.code, 8, "{r:?}");
    one_line(&r);
    assert!(r.stderr.contains("cannot load the PKCS#11 module"), "{r:?}");

    // A PIN in the URI is refused before anything is loaded, without echoing it.
    let r = tok
        .login_to(&provider, "hw3")
        .usual_scopes()
        .args(&[
            "--browser",
            "--dpop-key",
            "pkcs11:object=k?pin-value=1234-canary-pin",
        ])
        .args(&["--pkcs11-module", MODULE])
        .run();
    assert_eq!(r.code, 2, "{r:?}");
    assert!(!r.stderr.contains("1234-canary-pin"), "{r:?}");
    assert!(tok.any_file_contains("1234-canary-pin").is_empty());
    assert!(tok.any_file_contains(PIN).is_empty());
}

#[test]
fn a_wrong_pin_fails_in_one_line_and_stores_nothing() {
    let hsm = SoftHsm::new();
    let provider = Provider::start();
    let tok = hsm.tok();
    let wrong = "wrong-pin-canary-8642";
    let r = login(
        &tok,
        &provider,
        "hw",
        &uri("dpop"),
        wrong,
        &["--generate-key"],
    );
    assert_eq!(r.code, 7, "{r:?}");
    one_line(&r);
    assert!(
        r.stderr.contains("refused the PIN") && r.stderr.contains(LABEL),
        "{r:?}"
    );
    assert!(!r.stderr.contains(wrong), "{r:?}");
    assert!(!tok.path("data/tok/sessions/hw.json").exists());
    // Nothing was generated either.
    let objects = hsm.pkcs11_tool(&["-O"]);
    assert!(!objects.contains("dpop"), "{objects}");
    assert!(tok.any_file_contains(wrong).is_empty());
    tok.assert_no_leak(&[wrong.to_string(), PIN.to_string()]);
}

#[test]
fn a_key_replaced_under_the_same_label_is_refused_before_any_request() {
    let hsm = SoftHsm::new();
    let provider = Provider::start();
    let tok = hsm.tok();
    let r = login(
        &tok,
        &provider,
        "hw",
        &uri("dpop"),
        PIN,
        &["--generate-key"],
    );
    assert!(r.ok(), "{r:?}");
    let jkt = status_jkt(&tok, "hw");
    let rt = tok.refresh_token("hw");
    // Someone with the PIN swaps the key: same label, another key pair.
    for kind in ["privkey", "pubkey"] {
        hsm.pkcs11_tool(&["--delete-object", "--type", kind, "--label", "dpop"]);
    }
    hsm.pkcs11_tool(&[
        "--keypairgen",
        "--key-type",
        "EC:prime256v1",
        "--label",
        "dpop",
    ]);
    assert_ne!(hsm.thumbprint("dpop"), jkt);
    let r = tok.run_stdin(
        &["print", "-p", "hw", "--force-refresh", "--pin-stdin"],
        PIN,
    );
    assert_eq!(r.code, 3, "{r:?}");
    one_line(&r);
    assert!(
        r.stderr.contains("not the key this session is bound to"),
        "{r:?}"
    );
    assert!(r.stdout.is_empty(), "{r:?}");
    assert_eq!(provider.refreshes(), 0);
    assert_eq!(tok.refresh_token("hw"), rt);
}

#[test]
fn racing_refreshes_share_one_refresh_signed_on_the_token() {
    use std::io::Write;
    use std::process::Stdio;
    let hsm = SoftHsm::new();
    let provider = Provider::start_with(&[("TOK_TEST_AT_TTL", "2")]);
    let tok = hsm.tok();
    let r = login(
        &tok,
        &provider,
        "hw",
        &uri("dpop"),
        PIN,
        &["--generate-key"],
    );
    assert!(r.ok(), "{r:?}");
    let jkt = status_jkt(&tok, "hw");
    let args = ["print", "-p", "hw", "--min-ttl", "0", "--pin-stdin"];
    // The expiry the processes meet together (see print::concurrent_prints_share_one_refresh).
    let first = tok.run_stdin(&args, PIN);
    assert!(first.ok(), "{first:?}");
    let first = first.token();
    provider.set_access_ttl(300);
    let before = provider.refreshes();
    provider.wait_expired(&first);
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut child = tok
                .command(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(format!("{PIN}\n").as_bytes()).unwrap();
            child
        })
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|c| {
            let r = tok.record(c.wait_with_output().unwrap());
            assert!(r.ok(), "{r:?}");
            r.token()
        })
        .collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]), "one token for all");
    assert_ne!(tokens[0], first);
    assert_eq!(provider.refreshes(), before + 1);
    assert_eq!(provider.introspect(&tokens[0])["cnf"]["jkt"], jkt.as_str());
    tok.assert_no_leak(&[PIN.to_string()]);
}

#[test]
fn a_module_others_could_replace_is_never_loaded() {
    use std::os::unix::fs::PermissionsExt;
    let hsm = SoftHsm::new();
    let provider = Provider::start();
    let tok = hsm.tok();
    // The real module, copied where any local user could overwrite it with their own code.
    let dir = tok.path("lib");
    std::fs::create_dir(&dir).unwrap();
    let module = dir.join("libsofthsm2.so");
    std::fs::copy(MODULE, &module).unwrap();
    std::fs::set_permissions(&module, std::fs::Permissions::from_mode(0o666)).unwrap();
    let module = module.to_str().unwrap();
    let through_flag = tok
        .login_to(&provider, "flag")
        .usual_scopes()
        .args(&["--browser", "--dpop-key", &uri("dpop"), "--generate-key"])
        .args(&["--pkcs11-module", module, "--pin-stdin"])
        .stdin(&format!("{PIN}\n"))
        .run();
    let in_uri = format!("{}?module-path={module}", uri("dpop"));
    let through_uri = tok
        .login_to(&provider, "uri")
        .usual_scopes()
        .args(&[
            "--browser",
            "--dpop-key",
            &in_uri,
            "--generate-key",
            "--pin-stdin",
        ])
        .stdin(&format!("{PIN}\n"))
        .run();
    for r in [through_flag, through_uri] {
        assert_eq!(r.code, 8, "{r:?}");
        assert!(r.stderr.contains("pkcs11_module"), "{r:?}");
    }
    // Refused before it was loaded: nothing was generated on the token.
    assert!(!hsm.pkcs11_tool(&["-O"]).contains("dpop"));
    assert!(!tok.path("data/tok/sessions/flag.json").exists());
    assert!(!tok.path("data/tok/sessions/uri.json").exists());
}

/// `private_key_jwt` with the client's own key on the token (`--client-key pkcs11:…`): tok
/// makes it there with `--generate-key` (non-extractable), `tok profile jwks` prints its public
/// key, and the assertions of the login and of each refresh are signed on the token; nothing
/// of the key is stored, the PIN appears nowhere, and a logout without the PIN still logs out.
#[test]
fn a_client_key_on_the_token_signs_the_assertions_of_login_and_refresh() {
    use crate::client_key::{CLIENT, client_auth_log, register};
    let hsm = SoftHsm::new();
    let provider = Provider::start();
    let tok = hsm.tok();
    let key = uri("client");
    // The first login makes the key on the token; the provider does not know it yet.
    let r = tok
        .login_to(&provider, "hwc")
        .client(CLIENT)
        .usual_scopes()
        .args(&["--client-auth", "private-key-jwt", "--client-key", &key])
        .args(&["--pkcs11-module", MODULE, "--generate-key", "--pin-stdin"])
        .args(&["--device"])
        .stdin(&format!("{PIN}\n"))
        .expect_failure(8);
    assert!(r.stderr.contains("generated the client key"), "{r:?}");
    let objects = hsm.pkcs11_tool(&["-O", "--type", "privkey", "--label", "client"]);
    assert!(
        objects.contains("sensitive, always sensitive, never extractable"),
        "{objects}"
    );
    let kid = hsm.thumbprint("client");

    // `tok profile jwks` reads the public key from the token: kid = its thumbprint.
    let r = tok.run_stdin(&["profile", "jwks", "-p", "hwc", "--pin-stdin"], PIN);
    assert!(r.ok(), "{r:?}");
    let set: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(set["keys"][0]["kid"], kid.as_str(), "{set}");
    assert_eq!(set["keys"][0]["alg"], "ES256", "{set}");
    assert!(set["keys"][0].get("d").is_none(), "{set}");
    register(&provider, &set);

    let r = tok
        .login_profile("hwc")
        .args(&["--browser", "--timeout", "60s", "-v", "--pin-stdin"])
        .stdin(&format!("{PIN}\n"))
        .expect_success();
    assert!(
        r.stderr.contains(&format!(
            "private_key_jwt, key {kid} ({key}, token `{LABEL}`)"
        )),
        "{r:?}"
    );
    let at = tok.print("hwc");
    assert_eq!(provider.introspect(&at)["client_id"], CLIENT);
    // The profile names the key by its URI; no key is stored beside the session.
    let config = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        config.contains(&format!("client_key = \"{key}\"")),
        "{config}"
    );
    assert!(!tok.path("data/tok/sessions/hwc+client-key.json").exists());
    let human = tok.run(&["status", "-p", "hwc"]);
    assert!(
        human
            .stdout
            .contains(&format!("ES256 in the PKCS#11 token key {key}")),
        "{human:?}"
    );

    // Two refreshes, each with a fresh assertion signed on the token (a replayed jti would be
    // refused); the refresh token rotates.
    let rt = tok.refresh_token("hwc");
    for _ in 0..2 {
        let r = tok.run_stdin(
            &["print", "-p", "hwc", "--force-refresh", "--pin-stdin"],
            PIN,
        );
        assert!(r.ok(), "{r:?}");
        assert_ne!(r.token(), at);
    }
    assert_ne!(tok.refresh_token("hwc"), rt, "the refresh token rotated");
    // Without a PIN and without a terminal the token cannot sign: one line, nothing sent.
    let before = client_auth_log(&provider).len();
    let r = tok.run(&["print", "-p", "hwc", "--force-refresh"]);
    assert_eq!(r.code, 3, "{r:?}");
    one_line(&r);
    assert!(r.stderr.contains("needs its PIN"), "{r:?}");
    assert_eq!(client_auth_log(&provider).len(), before);

    // A logout without the PIN still removes the session here; it says the server's copy
    // was not revoked (the revocation request could not be signed).
    let r = tok.run(&["logout", "-p", "hwc"]);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("needs its PIN"), "{r:?}");
    assert!(!tok.path("data/tok/sessions/hwc.json").exists());
    let log = client_auth_log(&provider);
    assert!(
        log.iter()
            .filter(|e| e["route"] == "token")
            .all(|e| e["status"] == 200),
        "{log:?}"
    );
    assert!(tok.any_file_contains(PIN).is_empty());
    tok.assert_no_leak(&[PIN.to_string()]);
}

/// The failure paths of a client key on the token: a key missing from it (8), a wrong PIN (7;
/// nothing generated), `--generate-key` with no token key named (2). Each is one line with a
/// hint, before any request, with nothing stored and the PINs in no output.
#[test]
fn a_client_key_missing_from_the_token_or_a_wrong_pin_fails_in_one_line() {
    use crate::client_key::CLIENT;
    let hsm = SoftHsm::new();
    let provider = Provider::start();
    let tok = hsm.tok();
    let login = |name: &str, key: &str, pin: &str, extra: &[&str]| {
        tok.login_to(&provider, name)
            .client(CLIENT)
            .usual_scopes()
            .args(&["--client-auth", "private-key-jwt", "--client-key", key])
            .args(&["--pkcs11-module", MODULE, "--pin-stdin"])
            .args(&["--browser", "--timeout", "60s"])
            .args(extra)
            .stdin(&format!("{pin}\n"))
    };
    let r = login("gone", &uri("nothing"), PIN, &[]).expect_failure(8);
    one_line(&r);
    assert!(r.stderr.contains("no EC private key matches"), "{r:?}");
    assert!(!tok.path("data/tok/sessions/gone.json").exists());

    let wrong = "wrong-pin-canary-1357";
    let r = login("wrong", &uri("client"), wrong, &["--generate-key"]).expect_failure(7);
    one_line(&r);
    assert!(r.stderr.contains("refused the PIN"), "{r:?}");
    assert!(!tok.path("data/tok/sessions/wrong.json").exists());
    let objects = hsm.pkcs11_tool(&["-O"]);
    assert!(
        !objects.contains("client"),
        "nothing was generated: {objects}"
    );

    let r = tok
        .login_to(&provider, "neither")
        .client(CLIENT)
        .usual_scopes()
        .args(&[
            "--client-auth",
            "private-key-jwt",
            "--generate-key",
            "--browser",
        ])
        .expect_failure(2);
    assert!(r.stderr.contains("--generate-key needs"), "{r:?}");
    assert_eq!(
        provider.stats()["client_auth"]
            .as_array()
            .map_or(0, Vec::len),
        0
    );
    assert!(tok.any_file_contains(wrong).is_empty());
    tok.assert_no_leak(&[wrong.to_string(), PIN.to_string()]);
}
