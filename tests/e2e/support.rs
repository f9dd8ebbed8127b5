//! Test rig: the real provider (oidc-provider under Node), a private Secret Service, and a tok
//! with its own home, XDG directories and `$BROWSER`.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::Mutex;

use tempfile::TempDir;
use tok::ClientSecret;
use tok::{ClientAuth, Http};
use url::Url;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn tok_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tok"))
}

thread_local! {
    /// The test PKI while a test body runs under [`over_https`] (each test has its own thread).
    static HTTPS: std::cell::RefCell<Option<std::rc::Rc<crate::rig_net::TlsCerts>>> =
        const { std::cell::RefCell::new(None) };
}

/// Run a test body over HTTPS (issue 14): every provider it starts serves TLS with a leaf of a
/// CA made for this run, `Tok::login_with` trusts that CA with `--ca-file` (the profile's
/// `ca_file`), the fake browser (Node) with `NODE_EXTRA_CA_CERTS`, and the Python fronts with
/// `SSL_CERT_FILE`. The same body runs over plain loopback http in its own test.
pub fn over_https(body: fn()) {
    let certs = std::rc::Rc::new(crate::rig_net::TlsCerts::generate());
    HTTPS.with(|h| *h.borrow_mut() = Some(certs));
    body();
    HTTPS.with(|h| *h.borrow_mut() = None);
}

/// The test PKI when the running test is under [`over_https`].
pub fn https_certs() -> Option<std::rc::Rc<crate::rig_net::TlsCerts>> {
    HTTPS.with(|h| h.borrow().clone())
}

/// The real authorization server, on 127.0.0.1 with an OS-chosen port.
pub struct Provider {
    child: Child,
    _stdin: ChildStdin,
    pub issuer: String,
    pub log: PathBuf,
    _dir: TempDir,
}

impl Provider {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Start over HTTPS with the leaf of a tests/support/make-certs.sh directory (issuer
    /// `https://127.0.0.1:PORT`, trusting `certs/ca.pem` for its own outgoing requests). The
    /// helpers below reach it through its plain-HTTP door on the same port.
    pub fn start_tls(certs: &Path, env: &[(&str, &str)]) -> Self {
        let (cert, key, ca) = (
            certs.join("leaf.pem"),
            certs.join("leaf.key"),
            certs.join("ca.pem"),
        );
        let mut all = vec![
            ("TOK_TEST_TLS_CERT", cert.to_str().unwrap()),
            ("TOK_TEST_TLS_KEY", key.to_str().unwrap()),
            ("TOK_TEST_PLAIN_DOOR", "1"),
            ("NODE_EXTRA_CA_CERTS", ca.to_str().unwrap()),
        ];
        all.extend_from_slice(env);
        Self::spawn(&all)
    }

    /// Start with the knobs of tests/provider/server.mjs (`TOK_TEST_AT_TTL`, …); over HTTPS
    /// under [`over_https`].
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        match https_certs() {
            Some(certs) => Self::start_tls(certs.dir(), env),
            None => Self::spawn(env),
        }
    }

    fn spawn(env: &[(&str, &str)]) -> Self {
        let script = root().join("tests/provider/server.mjs");
        assert!(
            root()
                .join("tests/provider/node_modules/oidc-provider")
                .exists(),
            "the test provider is not installed: run `npm ci --prefix tests/provider`"
        );
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("provider.log");
        // On a loaded machine node has been seen stuck before `listen` (idle in epoll, nothing
        // on stdout) for minutes: give each start 20 s, and try three times.
        let mut attempt = 0;
        let (child, stdin, line) = loop {
            attempt += 1;
            let mut child = Command::new("node")
                .arg(&script)
                .envs(env.iter().copied())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .expect("node runs");
            let stdin = child.stdin.take().unwrap();
            let stdout = child.stdout.take().unwrap();
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let mut line = String::new();
                let _ = BufReader::new(stdout).read_line(&mut line);
                let _ = tx.send(line);
            });
            match rx.recv_timeout(std::time::Duration::from_secs(20)) {
                Ok(line) => break (child, stdin, line),
                Err(_) => {
                    // Never leave a stuck node behind, also not after the last attempt.
                    let _ = child.kill();
                    let _ = child.wait();
                    if attempt == 3 {
                        break (child, stdin, String::new());
                    }
                }
            }
        };
        let issuer = line.trim().to_string();
        assert!(
            issuer.starts_with("http://127.0.0.1:") || issuer.starts_with("https://"),
            "provider did not start: {:?}\n{}",
            issuer,
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Self {
            child,
            _stdin: stdin,
            issuer,
            log,
            _dir: dir,
        }
    }

    /// A URL for the test's own requests: plain HTTP even for a TLS provider (its plain door,
    /// see `start_tls`), so that they need not trust the test CA.
    fn url(&self, path: &str) -> Url {
        let mut url = Url::parse(&format!("{}{path}", self.issuer)).unwrap();
        url.set_scheme("http").unwrap();
        // An issuer named like a corporate host (TOK_TEST_ISSUER_HOST) still listens here.
        url.set_host(Some("127.0.0.1")).unwrap();
        url
    }

    /// The provider's own counters (`/__test/stats`).
    pub fn stats(&self) -> serde_json::Value {
        let r = Http::default().get(&self.url("/__test/stats")).unwrap();
        serde_json::from_slice(&r.body.0).unwrap()
    }

    pub fn refreshes(&self) -> u64 {
        self.stats()["token_success"]["refresh_token"]
            .as_u64()
            .unwrap()
    }

    pub fn grants_revoked(&self) -> u64 {
        self.stats()["grants_revoked"].as_u64().unwrap()
    }

    /// RFC 7662 introspection with the confidential `introspector` client.
    pub fn introspect(&self, token: &str) -> serde_json::Value {
        let secret = ClientSecret::new("introspector-secret");
        let r = Http::default()
            .post_form(
                &self.url("/token/introspection"),
                &[("token", token)],
                &ClientAuth::Basic {
                    client_id: "introspector",
                    secret: &secret,
                },
                None,
            )
            .unwrap();
        serde_json::from_slice(&r.body.0).unwrap()
    }

    pub fn active(&self, token: &str) -> bool {
        self.introspect(token)["active"] == true
    }

    /// POST to the token endpoint as the public client, bypassing tok (to simulate a thief or
    /// another device).
    pub fn token_request(&self, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let r = Http::default()
            .post_form(
                &self.url("/token"),
                form,
                &ClientAuth::None {
                    client_id: "tok-cli",
                },
                None,
            )
            .unwrap();
        (
            r.status,
            serde_json::from_slice(&r.body.0).unwrap_or(serde_json::Value::Null),
        )
    }

    pub fn revoke(&self, token: &str) {
        let r = Http::default()
            .post_form(
                &self.url("/token/revocation"),
                &[("token", token)],
                &ClientAuth::None {
                    client_id: "tok-cli",
                },
                None,
            )
            .unwrap();
        assert_eq!(r.status, 200);
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private, unlocked (or locked) gnome-keyring on a private D-Bus.
pub struct Keyring {
    child: Child,
    stdin: Option<ChildStdin>,
    pub bus: String,
}

impl Keyring {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let mut child = Command::new("dbus-run-session")
            .arg("--")
            .arg(root().join("tests/support/keyring-session.sh"))
            .envs(env.iter().copied())
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-run-session is installed (apt-get install dbus gnome-keyring libsecret-tools)");
        let stdin = child.stdin.take();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let bus = line
            .trim()
            .strip_prefix("DBUS_SESSION_BUS_ADDRESS=")
            .unwrap_or_else(|| panic!("keyring did not start: {line:?}"))
            .to_string();
        Self { child, stdin, bus }
    }

    /// `secret-tool lookup service tok username NAME` (keyring-core names the account `username`).
    pub fn lookup(&self, account: &str) -> Option<String> {
        let out = Command::new("secret-tool")
            .args(["lookup", "service", "tok", "username", account])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).unwrap())
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        // EOF on its stdin stops the daemon and then the bus; kill only if that hangs.
        drop(self.stdin.take());
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One user's tok: its own home, XDG directories and browser.
pub struct Tok {
    pub home: TempDir,
    env: Vec<(String, String)>,
    /// Run every tok under `keyctl session -` (see [`Tok::in_keyutils_session`]).
    keyutils: bool,
    /// Every stderr tok printed, to check for leaks at the end.
    stderr_log: Mutex<Vec<String>>,
}

impl Tok {
    pub fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let mut env = vec![];
        for (k, d) in [
            ("HOME", ""),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_CACHE_HOME", "cache"),
            ("XDG_DATA_HOME", "data"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_RUNTIME_DIR", "run"),
        ] {
            let p = h.join(d);
            std::fs::create_dir_all(&p).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o700)).unwrap();
            }
            env.push((k.to_string(), p.display().to_string()));
        }
        env.push((
            "BROWSER".into(),
            root()
                .join("tests/provider/browser.mjs")
                .display()
                .to_string(),
        ));
        env.push(("TOK_TEST_BROWSER_QUIET".into(), "1".into()));
        env.push(("TOK_STORE".into(), "file".into()));
        if let Some(certs) = https_certs() {
            // The fake browser is Node: it trusts the test CA through this, not through tok.
            env.push((
                "NODE_EXTRA_CA_CERTS".into(),
                certs.ca().display().to_string(),
            ));
        }
        Self {
            home,
            env,
            keyutils: false,
            stderr_log: Mutex::new(vec![]),
        }
    }

    /// Run each tok command inside a session keyring of its own (`keyctl session - tok …`), as
    /// a login session started by pam_keyinit would provide. Keys outlive that session through
    /// the user's persistent keyring, which the keyutils store links into it (as they outlive a
    /// real user's logout): so profile names must be unique per test ([`keyutils_profile`]).
    pub fn in_keyutils_session(mut self) -> Self {
        self.keyutils = true;
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn without(mut self, k: &str) -> Self {
        self.env.retain(|(key, _)| key != k);
        self
    }

    pub fn with_keyring(self, k: &Keyring) -> Self {
        self.env("DBUS_SESSION_BUS_ADDRESS", &k.bus)
    }

    /// The environment tok runs with, for tools that run tok themselves (git, docker, skopeo).
    pub fn env_vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = if self.keyutils {
            let mut c = Command::new("keyctl");
            c.args(["session", "-"]).arg(tok_bin());
            c
        } else {
            Command::new(tok_bin())
        };
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        c
    }

    /// `tok ARGS` on a pseudo-terminal, through util-linux `script` (stdout carries the
    /// terminal's output: stderr and stdout of tok together).
    pub fn tty_command(&self, args: &[&str]) -> Command {
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let line = std::iter::once(tok_bin().display().to_string())
            .chain(args.iter().map(|a| a.to_string()))
            .map(|a| quote(&a))
            .collect::<Vec<_>>()
            .join(" ");
        let mut c = Command::new("script");
        c.args(["-qfec", &line, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SHELL", "/bin/sh")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().unwrap();
        self.record(out)
    }

    pub fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        self.record(out)
    }

    pub fn record(&self, out: Output) -> Run {
        let mut run = Run::from(out);
        if self.keyutils {
            // keyctl's own line, printed before it runs tok.
            run.stderr = run
                .stderr
                .lines()
                .filter(|l| !l.starts_with("Joined session keyring: "))
                .map(|l| format!("{l}\n"))
                .collect();
        }
        self.stderr_log.lock().unwrap().push(run.stderr.clone());
        run
    }

    /// `tok login` through the browser flow against `provider`, as profile `name`.
    pub fn login(&self, provider: &Provider, name: &str) -> Run {
        self.login_with(provider, name, &["--browser", "--timeout", "60s"])
    }

    /// `tok login` as profile `name` of the provider's public client with the usual scopes,
    /// plus `extra` arguments (the flow, `--dpop`, more scopes…). Asserts success.
    pub fn login_with(&self, provider: &Provider, name: &str, extra: &[&str]) -> Run {
        let mut args = vec![
            "login",
            "-p",
            name,
            "--issuer",
            &provider.issuer,
            "--client-id",
            "tok-cli",
            "--scope",
            "openid",
            "--scope",
            "offline_access",
        ];
        args.extend_from_slice(extra);
        let ca = https_certs().map(|c| c.ca().display().to_string());
        if let Some(ca) = &ca {
            args.extend_from_slice(&["--ca-file", ca]);
        }
        let r = self.run(&args);
        assert!(r.ok(), "login failed: {r:?}");
        r
    }

    pub fn print(&self, name: &str) -> String {
        let r = self.run(&["print", "-p", name]);
        assert!(r.ok(), "print failed: {r:?}");
        r.token()
    }

    /// The file store's session JSON (only when TOK_STORE=file).
    pub fn file_session(&self, name: &str) -> serde_json::Value {
        let p = self.path(&format!("data/tok/sessions/{name}.json"));
        serde_json::from_slice(
            &std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        )
        .unwrap()
    }

    pub fn refresh_token(&self, name: &str) -> String {
        self.file_session(name)["refresh_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Assert that no stderr tok printed so far contains any of `secrets`.
    pub fn assert_no_leak(&self, secrets: &[String]) {
        for err in self.stderr_log.lock().unwrap().iter() {
            for s in secrets {
                assert!(
                    !s.is_empty() && !err.contains(s.as_str()),
                    "a token leaked on stderr: {err}"
                );
            }
        }
    }

    /// Every file under the home, with its mode.
    pub fn files(&self) -> Vec<(PathBuf, u32)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, u32)>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                let m = e.metadata().unwrap();
                #[cfg(unix)]
                let mode = std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777;
                #[cfg(not(unix))]
                let mode = 0;
                if m.is_dir() {
                    walk(&p, out);
                }
                out.push((p, mode));
            }
        }
        let mut v = vec![];
        walk(self.home.path(), &mut v);
        v
    }

    /// Whether any file under the home contains `needle`.
    pub fn any_file_contains(&self, needle: &str) -> Vec<PathBuf> {
        self.files()
            .into_iter()
            .filter(|(p, _)| {
                p.is_file()
                    && std::fs::read(p)
                        .map(|b| String::from_utf8_lossy(&b).contains(needle))
                        .unwrap_or(false)
            })
            .map(|(p, _)| p)
            .collect()
    }
}

/// A profile name no other test (nor a concurrent run of this suite) uses: keyutils keys live in
/// the user's persistent keyring, shared by every process of the user.
pub fn keyutils_profile(test: &str) -> String {
    format!("{test}-{}", std::process::id())
}

/// The keyutils store's key for `profile` (`keyring:PROFILE@tok`), read in a fresh session
/// keyring with the persistent keyring linked, as tok sees it; `None` when there is none.
pub fn keyutils_lookup(profile: &str) -> Option<String> {
    let out = Command::new("keyctl")
        .args(["session", "-", "sh", "-c"])
        .arg(
            "keyctl get_persistent @s >/dev/null && \
             id=$(keyctl search @s user \"keyring:$0@tok\") && keyctl pipe \"$id\"",
        )
        .arg(profile)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

/// A finished tok process.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == 0
    }

    /// stdout as a token: exactly one line.
    pub fn token(&self) -> String {
        assert!(
            self.stdout.ends_with('\n') && self.stdout.lines().count() == 1,
            "stdout is not one line: {:?}",
            self.stdout
        );
        self.stdout.trim_end().to_string()
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The set of distinct values.
pub fn distinct(v: &[String]) -> BTreeSet<&str> {
    v.iter().map(String::as_str).collect()
}
