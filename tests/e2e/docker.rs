//! `tok docker-credential` with real daemon-less clients — skopeo and the docker CLI — against
//! Debian's docker-registry behind a front that accepts only live provider tokens.
//!
//! See: issue 3.

use crate::support::output_with_stdin;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::fronts::Front;
use crate::support::{Provider, Run, Tok, tok_bin};

struct Rig {
    provider: Provider,
    tok: Tok,
    registry: Front,
    dir: TempDir,
}

impl Rig {
    fn start(login: bool) -> Self {
        let provider = Provider::start();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("registry");
        let registry = Front::start(
            "registry-front.py",
            &[&provider.issuer, data.to_str().unwrap()],
        );
        // docker and skopeo run `docker-credential-tok` from PATH.
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(tok_bin(), bin.join("docker-credential-tok")).unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let docker_config = dir.path().join("docker");
        std::fs::create_dir_all(&docker_config).unwrap();
        let policy = dir.path().join("policy.json");
        std::fs::write(
            &policy,
            r#"{"default":[{"type":"insecureAcceptAnything"}]}"#,
        )
        .unwrap();
        let tok = Tok::new()
            .env("PATH", &path)
            .env("DOCKER_CONFIG", docker_config.to_str().unwrap());
        tok.login(&provider, "work");
        if !login {
            assert!(tok.run(&["logout", "-p", "work"]).ok());
        }
        let rig = Self {
            provider,
            tok,
            registry,
            dir,
        };
        let r = rig
            .tok
            .setup("docker", "work", &["--registry", &rig.host()]);
        assert!(r.ok(), "{r:?}");
        rig
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.registry.port)
    }

    fn tool(&self, program: &str, args: &[&str]) -> Command {
        let mut c = self.tok.tool(program);
        c.args(args);
        c
    }

    fn run(&self, program: &str, args: &[&str]) -> Run {
        self.tok.record(self.tool(program, args).output().unwrap())
    }

    fn skopeo(&self, args: &[&str]) -> Run {
        let policy = self.dir.path().join("policy.json");
        let mut all = vec!["--policy", policy.to_str().unwrap()];
        all.extend_from_slice(args);
        self.run("skopeo", &all)
    }

    /// Push a one-layer image built on the fly, with skopeo and tok's credentials.
    fn push_image(&self, reference: &str) -> Run {
        let layout = oci_layout(&self.dir.path().join("oci"));
        self.skopeo(&[
            "copy",
            "--dest-tls-verify=false",
            &format!("oci:{}:1", layout.display()),
            &format!("docker://{}/{reference}", self.host()),
        ])
    }

    fn docker_config(&self) -> serde_json::Value {
        let p = self.dir.path().join("docker/config.json");
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    }
}

/// A minimal OCI image layout: one uncompressed tar layer holding `hello.txt`.
fn oci_layout(dir: &Path) -> PathBuf {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let hex = format!("{:x}", Sha256::digest(bytes));
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let layer = tar_with_one_file("hello.txt", b"hello from tok\n");
    let (layer_digest, layer_size) = put(&layer);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
    });
    let (config_digest, config_size) = put(config.to_string().as_bytes());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest, "size": layer_size}],
    });
    let (manifest_digest, manifest_size) = put(manifest.to_string().as_bytes());
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": manifest_digest, "size": manifest_size,
                       "annotations": {"org.opencontainers.image.ref.name": "1"}}],
    });
    std::fs::write(dir.join("index.json"), index.to_string()).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    dir.to_path_buf()
}

/// A POSIX ustar archive with one regular file.
fn tar_with_one_file(name: &str, content: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |h: &mut [u8; 512], at: usize, len: usize, v: u64| {
        let s = format!("{v:0w$o}\0", w = len - 1);
        h[at..at + len].copy_from_slice(s.as_bytes());
    };
    octal(&mut h, 100, 8, 0o644);
    octal(&mut h, 108, 8, 0);
    octal(&mut h, 116, 8, 0);
    octal(&mut h, 124, 12, content.len() as u64);
    octal(&mut h, 136, 12, 0);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| b as u64).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
    let mut out = h.to_vec();
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out.extend_from_slice(&[0u8; 1024]);
    out
}

#[test]
fn skopeo_copy_and_inspect_after_one_login() {
    let rig = Rig::start(true);
    let r = rig.push_image("test/hello:1");
    assert!(r.ok(), "skopeo copy failed: {r:?}");
    let r = rig.skopeo(&[
        "inspect",
        "--tls-verify=false",
        &format!("docker://{}/test/hello:1", rig.host()),
    ]);
    assert!(r.ok(), "skopeo inspect failed: {r:?}");
    let info: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(info["Digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(info["Layers"].as_array().unwrap().len(), 1);
    // Everything the registry served was authenticated with tok's token.
    let ok = rig.registry.count("basic", 200) + rig.registry.count("basic", 201);
    assert!(ok >= 3, "{:?}", rig.registry.requests());
    assert!(
        rig.registry
            .requests()
            .iter()
            .all(|r| r["scheme"] == "basic" || r["status"] == 401),
        "{:?}",
        rig.registry.requests()
    );
    assert_eq!(rig.provider.refreshes(), 0);
    let at = rig.tok.print("work");
    rig.tok
        .assert_no_leak(&[at.clone(), rig.tok.refresh_token("work")]);
    // skopeo stored nothing anywhere: no token in any file but tok's own.
    let leaks: Vec<_> = rig
        .tok
        .any_file_contains(&at)
        .into_iter()
        .filter(|p| !p.starts_with(rig.tok.path("run")) && !p.starts_with(rig.tok.path("data")))
        .collect();
    assert!(leaks.is_empty(), "{leaks:?}");
}

#[test]
fn docker_cli_login_manifest_inspect_logout() {
    if Command::new("docker").arg("--version").output().is_err() {
        eprintln!("skipped: the docker CLI is not installed");
        return;
    }
    let rig = Rig::start(true);
    assert!(rig.push_image("test/hello:1").ok());
    // docker login (no daemon: the CLI checks the credentials itself, then `store`s them).
    let token = rig.tok.print("work");
    let r = rig.tok.record(output_with_stdin(
        rig.tool(
            "docker",
            &[
                "login",
                "-u",
                "oauth2accesstoken",
                "--password-stdin",
                &rig.host(),
            ],
        ),
        &token,
    ));
    assert!(r.ok(), "docker login failed: {r:?}");
    let config = std::fs::read_to_string(rig.dir.path().join("docker/config.json")).unwrap();
    assert!(!config.contains(&token), "docker wrote the token: {config}");
    assert_eq!(rig.docker_config()["credHelpers"][rig.host()], "tok");

    let r = rig.run(
        "docker",
        &[
            "manifest",
            "inspect",
            "--insecure",
            &format!("{}/test/hello:1", rig.host()),
        ],
    );
    assert!(r.ok(), "docker manifest inspect failed: {r:?}");
    let m: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(m["schemaVersion"], 2);

    // docker logout calls `erase`: the cached token goes, the session stays.
    let r = rig.run("docker", &["logout", &rig.host()]);
    assert!(r.ok(), "docker logout failed: {r:?}");
    let refreshes = rig.provider.refreshes();
    let after = rig.tok.print("work");
    assert_ne!(after, token);
    assert_eq!(rig.provider.refreshes(), refreshes + 1);
    assert_eq!(rig.docker_config()["credHelpers"][rig.host()], "tok");
    rig.tok.assert_no_leak(&[token, after]);
}

#[test]
fn helper_protocol_as_docker_credential_tok() {
    let rig = Rig::start(true);
    let helper = rig.dir.path().join("bin/docker-credential-tok");
    let call = |action: &str, input: &str| {
        rig.tok.record(output_with_stdin(
            rig.tool(helper.to_str().unwrap(), &[action]),
            input,
        ))
    };
    let token = rig.tok.print("work");
    for server in [rig.host(), format!("https://{}", rig.host())] {
        let r = call("get", &server);
        assert!(r.ok(), "{r:?}");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["ServerURL"], server.as_str());
        assert_eq!(v["Username"], "oauth2accesstoken");
        assert_eq!(v["Secret"], token.as_str());
    }
    let r = call("get", "registry.example.org");
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "credentials not found in native keychain\n");
    let r = call("list", "");
    assert_eq!(
        r.stdout,
        format!("{{\"{}\":\"oauth2accesstoken\"}}\n", rig.host())
    );
    let r = call("version", "");
    assert!(
        r.ok() && r.stdout.starts_with("docker-credential-tok"),
        "{r:?}"
    );
    let r = call(
        "store",
        &format!(
            r#"{{"ServerURL":"{}","Username":"x","Secret":"typed"}}"#,
            rig.host()
        ),
    );
    assert!(r.ok() && r.stdout.is_empty(), "{r:?}");
    assert!(
        rig.tok.any_file_contains("typed").is_empty(),
        "store kept a secret"
    );
    // The same binary as `tok docker-credential`.
    let r = rig
        .tok
        .run_stdin(&["docker-credential", "get"], &rig.host());
    assert!(r.ok() && r.stdout.contains(&token), "{r:?}");
}

#[test]
fn without_a_session_skopeo_fails_with_the_hint() {
    let rig = Rig::start(false);
    let r = rig
        .tok
        .run_stdin(&["docker-credential", "get"], &rig.host());
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains("no session for profile `work`"), "{r:?}");
    assert!(r.stderr.contains("tok login -p work"), "{r:?}");
    let r = rig.skopeo(&[
        "inspect",
        "--tls-verify=false",
        &format!("docker://{}/test/hello:1", rig.host()),
    ]);
    assert!(!r.ok());
    assert!(r.stderr.contains("no session for profile `work`"), "{r:?}");
    assert_eq!(rig.registry.count("basic", 200), 0);
}
