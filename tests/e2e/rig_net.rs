//! Network test peers for TLS, proxies, workload identity and Terraform (issues 12–14): a test
//! PKI made at run time, the provider over HTTPS, a logging forwarding proxy, a CI
//! identity-token issuer and a private Terraform registry — each with one smoke test proving the
//! peer itself works, before any tok code relies on it. The peers live in tests/support/ and
//! tests/provider/ (see tests/provider/README.md).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;
use tok::ClientSecret;
use tok::{ClientAuth, Http};
use url::Url;

use crate::fronts::Front;
use crate::support::{ChildGuard, NodeService, Provider, root};

/// The files of tests/support/make-certs.sh, in a fresh temporary directory.
pub struct TlsCerts {
    dir: TempDir,
}

impl TlsCerts {
    /// Run make-certs.sh: a private CA, leaves (loopback, expired, wrong host, unknown CA,
    /// self-signed), `bundle.pem` (system roots + CA) and `not-pem.pem`.
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(root().join("tests/support/make-certs.sh"))
            .arg(dir.path())
            .output()
            .expect("tests/support/make-certs.sh runs (needs openssl)");
        assert!(
            out.status.success(),
            "make-certs.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { dir }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A file of the set, e.g. `path("expired.pem")`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The private root CA (PEM).
    pub fn ca(&self) -> PathBuf {
        self.path("ca.pem")
    }

    /// The system roots followed by the private CA: what `curl --cacert` or `SSL_CERT_FILE`
    /// needs to reach both public hosts and the test servers.
    pub fn bundle(&self) -> PathBuf {
        self.path("bundle.pem")
    }

    /// The real provider over HTTPS with the loopback leaf (`Provider::start_tls`).
    pub fn provider(&self, env: &[(&str, &str)]) -> Provider {
        Provider::start_tls(self.dir(), env)
    }
}

/// `curl -sS` with the given arguments; for peers the test-side HTTP client cannot reach
/// (HTTPS with the test CA, proxies, custom headers).
pub fn curl(args: &[&str]) -> Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("curl runs")
}

/// What tests/support/proxy.py does with the requests it gets.
#[derive(Clone, Copy, Debug)]
pub enum ProxyMode<'a> {
    /// Carry CONNECT tunnels and absolute-form plain-HTTP requests.
    Forward,
    /// Answer everything `407 Proxy Authentication Required`.
    Refuse407,
    /// Close every connection without an answer.
    Close,
    /// Forward only with `Proxy-Authorization: Basic base64(user:pass)`, else 407.
    Auth { user: &'a str, pass: &'a str },
}

/// A real forwarding proxy on 127.0.0.1 (tests/support/proxy.py).
pub struct Proxy {
    front: Front,
}

impl Proxy {
    pub fn start(mode: ProxyMode<'_>) -> Self {
        let auth;
        let args: Vec<&str> = match mode {
            ProxyMode::Forward => vec![],
            ProxyMode::Refuse407 => vec!["--mode", "407"],
            ProxyMode::Close => vec!["--mode", "close"],
            ProxyMode::Auth { user, pass } => {
                auth = format!("{user}:{pass}");
                vec!["--auth", &auth]
            }
        };
        // idp.corp.test: the provider under a corporate name (TOK_TEST_ISSUER_HOST), which
        // nothing resolves; only the proxy reaches it.
        let mut args = args;
        args.extend_from_slice(&["--map", "idp.corp.test=127.0.0.1"]);
        Self {
            front: Front::start("proxy.py", &args),
        }
    }

    pub fn port(&self) -> u16 {
        self.front.port
    }

    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY` and friends.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.front.port)
    }

    /// Every request it got, one `METHOD TARGET STATUS` line each (`CONNECT 127.0.0.1:4443
    /// 200`, `GET http://127.0.0.1:8080/x 200`, `… 407`, `… 502`, `… closed`).
    pub fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.front.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The requests it carried (status 200… 499 from upstream, or an established tunnel) to
    /// `target` (a `host:port` of a CONNECT, or a prefix of a plain-HTTP URL).
    pub fn carried_to(&self, target: &str) -> usize {
        self.lines()
            .iter()
            .filter(|l| {
                let mut f = l.split(' ');
                let (_, t, status) = (f.next(), f.next().unwrap_or(""), f.next().unwrap_or(""));
                t.starts_with(target) && status != "407" && status != "502" && status != "closed"
            })
            .count()
    }
}

/// The test CI platform's identity-token issuer (tests/support/ci-issuer.mjs).
pub struct CiIssuer {
    _child: ChildGuard,
    /// `http://127.0.0.1:PORT` (https with `start_tls`).
    pub issuer: String,
    pub log: PathBuf,
    _dir: TempDir,
}

impl CiIssuer {
    /// The request token its GitHub-style endpoint wants (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
    pub const REQUEST_TOKEN: &'static str = "test-request-token";
    /// The `sub` of the tokens it issues unless told otherwise.
    pub const SUB: &'static str = "repo:acme/app:ref:refs/heads/main";

    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// With knobs (`TOK_TEST_CI_TTL`, `TOK_TEST_CI_SUB`, `TOK_TEST_CI_ALG`,
    /// `TOK_TEST_CI_REQUEST_TOKEN`, …).
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let s = NodeService::start(
            "the CI issuer",
            "tests/support/ci-issuer.mjs",
            "ci-issuer.log",
            env,
            &["http://127.0.0.1:", "https://127.0.0.1:"],
        );
        Self {
            _child: s.child,
            issuer: s.url,
            log: s.log,
            _dir: s.dir,
        }
    }

    /// Over HTTPS with the loopback leaf of `certs`.
    pub fn start_tls(certs: &TlsCerts, env: &[(&str, &str)]) -> Self {
        let (cert, key) = (certs.path("leaf.pem"), certs.path("leaf.key"));
        let mut all = vec![
            ("TOK_TEST_TLS_CERT", cert.to_str().unwrap()),
            ("TOK_TEST_TLS_KEY", key.to_str().unwrap()),
        ];
        all.extend_from_slice(env);
        Self::start_with(&all)
    }

    /// `ACTIONS_ID_TOKEN_REQUEST_URL`: already carrying a query, as GitHub's does.
    pub fn request_url(&self) -> String {
        format!("{}/token?api-version=2.0", self.issuer)
    }

    /// Mint an identity token directly (`/__test/mint`): `aud`, `sub`, `ttl` (negative:
    /// expired), `alg` (RS256|ES256), `iss`, `key=rogue` (signed by a key not in the JWKS).
    /// Plain-HTTP issuers only (the test-side client does not trust the test CA).
    pub fn mint(&self, params: &[(&str, &str)]) -> String {
        let url = Url::parse(&format!("{}/__test/mint", self.issuer)).unwrap();
        let r = Http::default()
            .post_form(&url, params, &ClientAuth::None { client_id: "test" }, None)
            .unwrap();
        assert_eq!(r.status, 200, "mint failed");
        let v: serde_json::Value = serde_json::from_slice(&r.body.0).unwrap();
        v["value"].as_str().unwrap().to_string()
    }

    /// Every identity token its GitHub-style endpoint answered (the canaries look for these).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.stats()["issued_tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    /// Its counters (`/__test/stats`): token_requests, tokens_issued, refused, minted, ….
    pub fn stats(&self) -> serde_json::Value {
        let url = Url::parse(&format!("{}/__test/stats", self.issuer)).unwrap();
        let r = Http::default().get(&url).unwrap();
        serde_json::from_slice(&r.body.0).unwrap()
    }
}

/// The provider's environment that trusts `ci` for workload identity (client `tok-ci`).
pub fn trusting(ci: &CiIssuer) -> Vec<(&'static str, String)> {
    vec![("TOK_TEST_CI_ISSUER", ci.issuer.clone())]
}

/// A private Terraform module registry over HTTPS (tests/support/tf-registry.py) serving
/// `acme/hello/null` 1.0.0 and 1.1.0 to bearer tokens `provider` reports active.
pub struct TfRegistry {
    front: Front,
}

impl TfRegistry {
    pub fn start(provider: &Provider, certs: &TlsCerts) -> Self {
        let (cert, key, bundle) = (
            certs.path("leaf.pem"),
            certs.path("leaf.key"),
            certs.bundle(),
        );
        Self {
            front: Front::start(
                "tf-registry.py",
                &[
                    &provider.issuer,
                    "--cert",
                    cert.to_str().unwrap(),
                    "--key",
                    key.to_str().unwrap(),
                    "--ca-file",
                    bundle.to_str().unwrap(),
                ],
            ),
        }
    }

    /// `127.0.0.1:PORT`: the registry host as terraform names it (and asks a helper for).
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.front.port)
    }

    /// The module address for a `module` block's `source`.
    pub fn module_source(&self) -> String {
        format!("{}/acme/hello/null", self.host())
    }

    /// Requests so far: {"method", "path", "scheme", "status"} per line.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.front.requests()
    }

    /// How many requests were answered `status` after authenticating with `scheme`.
    pub fn count(&self, scheme: &str, status: u64) -> usize {
        self.front.count(scheme, status)
    }
}

/// The real terraform binary, or None (the caller says loudly that it skipped).
pub fn terraform() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("terraform"))
            .find(|p| p.is_file())
    });
    found.or_else(|| {
        let p = PathBuf::from("/usr/local/bin/terraform");
        p.is_file().then_some(p)
    })
}

/// POST `form` to `path` at `provider` (its plain door) as the confidential `ci-bot` client:
/// the status and the body.
fn as_ci_bot(provider: &Provider, path: &str, form: &[(&str, &str)]) -> (u16, Vec<u8>) {
    let secret = ClientSecret::new("ci-bot-secret");
    let auth = ClientAuth::Basic {
        client_id: "ci-bot",
        secret: &secret,
    };
    let url = crate::support::plain_url(&provider.issuer, path);
    let r = Http::default().post_form(&url, form, &auth, None).unwrap();
    (r.status, r.body.0.to_vec())
}

/// An access token for the API from the confidential `ci-bot` client.
fn client_credentials_token(provider: &Provider) -> String {
    let form = [("grant_type", "client_credentials"), ("scope", "api:read")];
    let (status, body) = as_ci_bot(provider, "/token", &form);
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// A finished process's exit code, stdout and stderr, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn make_certs_leaves_verify_or_fail_as_named() {
    let certs = TlsCerts::generate();
    let verify = |leaf: &str, ca: &str| {
        Command::new("openssl")
            .args(["verify", "-CAfile"])
            .arg(certs.path(ca))
            .args(["-verify_ip", "127.0.0.1"])
            .arg(certs.path(leaf))
            .output()
            .unwrap()
    };
    let ok = verify("leaf.pem", "ca.pem");
    assert!(ok.status.success(), "{}", text(&ok));
    for (leaf, why) in [
        ("expired.pem", "certificate has expired"),
        ("wrong-host.pem", "IP address mismatch"),
        ("untrusted.pem", "unable to get local issuer certificate"),
        ("self-signed.pem", "self-signed certificate"),
    ] {
        let o = verify(leaf, "ca.pem");
        assert!(!o.status.success(), "{leaf} verified");
        assert!(text(&o).contains(why), "{leaf}: {}", text(&o));
    }
    // the untrusted leaf is fine for the CA that signed it: only trust is missing
    let o = verify("untrusted.pem", "unknown-ca.pem");
    assert!(o.status.success(), "{}", text(&o));
    let bundle = std::fs::read_to_string(certs.bundle()).unwrap();
    let ca = std::fs::read_to_string(certs.ca()).unwrap();
    assert!(bundle.ends_with(&ca) && bundle.matches("BEGIN CERTIFICATE").count() > 1);
}

#[test]
fn provider_over_https_with_the_test_ca() {
    let certs = TlsCerts::generate();
    let provider = certs.provider(&[]);
    assert!(provider.issuer.starts_with("https://127.0.0.1:"));
    let discovery = format!("{}/.well-known/openid-configuration", provider.issuer);

    let o = curl(&["--cacert", certs.ca().to_str().unwrap(), &discovery]);
    assert!(o.status.success(), "{}", text(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["issuer"], provider.issuer.as_str());
    assert_eq!(
        doc["token_endpoint"],
        format!("{}/token", provider.issuer).as_str()
    );

    // without the CA: curl's "peer certificate cannot be authenticated" (60)
    let o = curl(&[&discovery]);
    assert_eq!(o.status.code(), Some(60), "{}", text(&o));

    // the helpers (through the plain door) still work: a token issued over TLS is active
    let token = client_credentials_token(&provider);
    assert!(provider.active(&token));
    assert_eq!(provider.stats()["token_success"]["client_credentials"], 1);
}

#[test]
fn proxy_carries_connect_logs_it_and_refuses_with_407() {
    let certs = TlsCerts::generate();
    let provider = certs.provider(&[]);
    let jwks = format!("{}/jwks", provider.issuer);
    let host = provider.issuer.trim_start_matches("https://").to_string();
    let ca = certs.ca();

    let proxy = Proxy::start(ProxyMode::Forward);
    let o = curl(&[
        "--cacert",
        ca.to_str().unwrap(),
        "--proxy",
        &proxy.url(),
        &jwks,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"keys\""));
    assert_eq!(proxy.lines(), vec![format!("CONNECT {host} 200")]);
    assert_eq!(proxy.carried_to(&host), 1);

    // plain HTTP through the proxy: absolute-form, forwarded in origin form
    let plain = format!(
        "{}/__test/stats",
        provider.issuer.replacen("https", "http", 1)
    );
    let o = curl(&["--proxy", &proxy.url(), &plain]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(proxy.lines()[1], format!("GET {plain} 200"));

    let refusing = Proxy::start(ProxyMode::Refuse407);
    let o = curl(&[
        "--cacert",
        ca.to_str().unwrap(),
        "--proxy",
        &refusing.url(),
        &jwks,
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("407"), "{}", text(&o));
    assert_eq!(refusing.lines(), vec![format!("CONNECT {host} 407")]);
    assert_eq!(refusing.carried_to(&host), 0);

    let guarded = Proxy::start(ProxyMode::Auth {
        user: "u",
        pass: "p4ss",
    });
    let with_creds = guarded.url().replacen("http://", "http://u:p4ss@", 1);
    let o = curl(&[
        "--cacert",
        ca.to_str().unwrap(),
        "--proxy",
        &with_creds,
        &jwks,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(guarded.carried_to(&host), 1);
}

#[test]
fn ci_issuer_tokens_are_exchanged_by_the_provider() {
    let ci = CiIssuer::start();
    let env = trusting(&ci);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let provider = Provider::start_with(&env);

    // GitHub Actions' way: GET $URL&audience=AUD with the request token
    let url = format!("{}&audience={}", ci.request_url(), provider.issuer);
    let o = curl(&["-f", &url]);
    assert!(!o.status.success(), "answered without a request token");
    let auth = format!("Authorization: bearer {}", CiIssuer::REQUEST_TOKEN);
    let o = curl(&["-f", "-H", &auth, &url]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id_token = v["value"].as_str().unwrap().to_string();
    assert_eq!(ci.stats()["tokens_issued"], 1);

    let exchange = |subject: &str| {
        let r = Http::default()
            .post_form(
                &Url::parse(&format!("{}/token", provider.issuer)).unwrap(),
                &[
                    (
                        "grant_type",
                        "urn:ietf:params:oauth:grant-type:token-exchange",
                    ),
                    ("subject_token", subject),
                    ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
                ],
                &ClientAuth::None {
                    client_id: "tok-ci",
                },
                None,
            )
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&r.body.0).unwrap();
        (r.status, body)
    };
    let (status, body) = exchange(&id_token);
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap();
    let info = provider.introspect(access);
    assert_eq!(info["active"], true);
    assert_eq!(info["sub"], CiIssuer::SUB);
    assert!(body.get("refresh_token").is_none());

    // refusals the provider names: expired, wrong audience, other subject, rogue key
    let aud = provider.issuer.as_str();
    for (params, code) in [
        (vec![("aud", aud), ("ttl", "-30")], "invalid_grant"),
        (vec![("aud", "https://elsewhere.test")], "invalid_grant"),
        (
            vec![("aud", aud), ("sub", "repo:evil/app:ref:refs/heads/main")],
            "unauthorized_client",
        ),
        (vec![("aud", aud), ("key", "rogue")], "invalid_grant"),
    ] {
        let (status, body) = exchange(&ci.mint(&params));
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some(code)),
            "{body}"
        );
        assert!(body["error_description"].as_str().unwrap().len() > 10);
    }
    let stats = provider.stats();
    assert_eq!(stats["exchanges"]["token-exchange"], 1);
    assert_eq!(stats["exchange_log"].as_array().unwrap().len(), 5);
}

#[test]
fn terraform_init_fetches_a_module_from_the_private_registry() {
    let Some(terraform) = terraform() else {
        eprintln!("skipped: terraform is not installed (issue 13's tests need the real binary)");
        return;
    };
    let certs = TlsCerts::generate();
    let provider = Provider::start();
    let registry = TfRegistry::start(&provider, &certs);
    let token = client_credentials_token(&provider);

    let work = tempfile::tempdir().unwrap();
    let (cfg, home) = (work.path().join("cfg"), work.path().join("home"));
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        cfg.join("main.tf"),
        format!(
            "module \"hello\" {{\n  source  = \"{}\"\n  version = \"1.0.0\"\n}}\n",
            registry.module_source()
        ),
    )
    .unwrap();
    let init = |cli_config: &str| {
        let rc = work.path().join("terraformrc");
        std::fs::write(&rc, cli_config).unwrap();
        let _ = std::fs::remove_dir_all(cfg.join(".terraform"));
        Command::new(&terraform)
            .args(["init", "-input=false", "-no-color"])
            .current_dir(&cfg)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("TF_CLI_CONFIG_FILE", &rc)
            .env("SSL_CERT_FILE", certs.bundle())
            .env("TF_IN_AUTOMATION", "1")
            .output()
            .unwrap()
    };

    let o = init("");
    assert!(!o.status.success(), "init without a token: {}", text(&o));
    assert!(text(&o).contains("401"), "{}", text(&o));

    let o = init(&format!(
        "credentials \"{}\" {{\n  token = \"{token}\"\n}}\n",
        registry.host()
    ));
    assert!(o.status.success(), "{}", text(&o));
    let main = std::fs::read_to_string(cfg.join(".terraform/modules/hello/main.tf")).unwrap();
    assert!(main.contains("hello from the private registry (module 1.0.0)"));
    // the archive came from the signed URL, without the token
    let reqs = registry.requests();
    assert!(
        reqs.iter()
            .any(|r| r["path"] == "/archive/hello-1.0.0.tar.gz"
                && r["status"] == 200
                && r["scheme"].is_null())
    );
    assert!(registry.count("bearer", 204) >= 1);

    // a revoked token is refused again
    let (status, _) = as_ci_bot(&provider, "/token/revocation", &[("token", &token)]);
    assert_eq!(status, 200);
    let o = init(&format!(
        "credentials \"{}\" {{\n  token = \"{token}\"\n}}\n",
        registry.host()
    ));
    assert!(!o.status.success(), "{}", text(&o));
}
