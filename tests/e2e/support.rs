//! Test rig: the real provider (oidc-provider under Node), a private Secret Service, and a tok
//! with its own home, XDG directories and `$BROWSER`.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::rc::Rc;
use std::sync::Mutex;
use std::time::Duration;

use tempfile::TempDir;
use tok::ClientSecret;
use tok::{ClientAuth, Http};
use url::Url;

use crate::fronts::Front;
use crate::rig_net::TlsCerts;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn tok_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tok"))
}

/// What a test's peers speak, chosen by the test itself: plain loopback HTTP, or HTTPS with a
/// CA made for this test (issue 14). Every peer started through a [`Rig`] serves TLS with a leaf
/// of that CA; the tok it makes trusts the CA with `--ca-file` at login (the profile's
/// `ca_file`), the fake browser (Node) with `NODE_EXTRA_CA_CERTS`, and the Python fronts with
/// `SSL_CERT_FILE`. One test body runs over both: `body(Rig::http())`, `body(Rig::https())`.
#[derive(Clone)]
pub enum Transport {
    Http,
    Https(Rc<TlsCerts>),
}

/// The rig a test body runs against: its transport, and the peers and tok it starts over it.
#[derive(Clone)]
pub struct Rig {
    pub transport: Transport,
}

impl Rig {
    pub fn http() -> Self {
        Self {
            transport: Transport::Http,
        }
    }

    pub fn https() -> Self {
        Self {
            transport: Transport::Https(Rc::new(TlsCerts::generate())),
        }
    }

    /// The test PKI, over HTTPS.
    pub fn certs(&self) -> Option<&TlsCerts> {
        match &self.transport {
            Transport::Http => None,
            Transport::Https(c) => Some(c),
        }
    }

    pub fn provider(&self) -> Provider {
        self.provider_with(&[])
    }

    /// The provider with the knobs of tests/provider/server.mjs (`TOK_TEST_AT_TTL`, …).
    pub fn provider_with(&self, env: &[(&str, &str)]) -> Provider {
        match self.certs() {
            Some(certs) => Provider::start_tls(certs.dir(), env),
            None => Provider::spawn(env),
        }
    }

    /// A tok that trusts this rig's CA.
    pub fn tok(&self) -> Tok {
        let mut tok = Tok::new();
        if let Some(certs) = self.certs() {
            // The fake browser is Node: it trusts the test CA through this, not through tok.
            tok = tok.env("NODE_EXTRA_CA_CERTS", certs.ca().to_str().unwrap());
            tok.ca_file = Some(certs.ca());
        }
        tok
    }

    /// A python server from tests/support/ (see [`Front::start`]); over HTTPS it trusts the
    /// test CA for its own requests (introspection) through OpenSSL's default paths.
    pub fn front(&self, script: &str, args: &[&str]) -> Front {
        let bundle = self.certs().map(|c| c.bundle());
        let env: Vec<(&str, &str)> = bundle
            .iter()
            .map(|b| ("SSL_CERT_FILE", b.to_str().unwrap()))
            .collect();
        Front::start_with(script, args, &env)
    }
}

/// A child process that is killed and reaped when dropped, so that no test leaves one behind,
/// also when it panics. With [`ChildGuard::with_stdin`] it first closes the child's stdin (EOF
/// asks the Node services and Python fronts to stop, and to stop what they started) and gives it
/// a moment to exit by itself.
pub struct ChildGuard {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Whether drop gives the child a moment to exit on its stdin's EOF before the kill.
    grace: bool,
}

impl ChildGuard {
    pub fn new(child: Child) -> Self {
        Self {
            child,
            stdin: None,
            grace: false,
        }
    }

    /// Keep the child's piped stdin open until drop, which closes it first.
    pub fn with_stdin(mut child: Child) -> Self {
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            grace: true,
        }
    }

    /// Kill at once on drop (a child that does not stop on EOF).
    pub fn without_grace(mut self) -> Self {
        self.grace = false;
        self
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The stdin kept open (see [`ChildGuard::with_stdin`]).
    pub fn stdin(&mut self) -> &mut ChildStdin {
        self.stdin.as_mut().expect("spawned with a piped stdin")
    }

    /// Close stdin and wait for the child to exit by itself (no kill).
    pub fn close_and_wait(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        self.child.wait().unwrap()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if self.stdin.take().is_some() && self.grace {
            for _ in 0..100 {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `node SCRIPT` for a script of the rig (`tests/provider/…`, `tests/support/…`): the provider,
/// the CI issuer and the fake browser run this way, the services through [`start_service`].
pub fn node(script: &str) -> Command {
    let mut c = Command::new("node");
    c.arg(root().join(script));
    c
}

/// Start a service that announces itself on its first line of stdout (an address, a port,
/// `ready`), its stderr going to `log`; the guard and that line. On a loaded machine node has
/// been seen stuck before `listen` (idle in epoll, nothing on stdout) for minutes: each try
/// gets `per_try`, and a stuck child is killed before the next (also after the last). Panics
/// with the log when no try announced anything.
pub fn start_service(
    what: &str,
    command: impl Fn() -> Command,
    log: &Path,
    tries: u32,
    per_try: Duration,
) -> (ChildGuard, String) {
    for _ in 0..tries {
        let mut child = command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("{what} does not run: {e}"));
        let stdout = child.stdout.take().unwrap();
        let guard = ChildGuard::with_stdin(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        match rx.recv_timeout(per_try) {
            Ok(line) if !line.trim().is_empty() => return (guard, line.trim().to_string()),
            Ok(_) => break, // it exited: trying again will not help
            Err(_) => drop(guard),
        }
    }
    panic!(
        "{what} did not start:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// The real authorization server, on 127.0.0.1 with an OS-chosen port.
pub struct Provider {
    _child: ChildGuard,
    pub issuer: String,
    pub log: PathBuf,
    _dir: TempDir,
}

impl Provider {
    /// Over plain HTTP (see [`Rig`] for a choice of transport).
    pub fn start() -> Self {
        Self::spawn(&[])
    }

    /// Over plain HTTP with the knobs of tests/provider/server.mjs (`TOK_TEST_AT_TTL`, …).
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        Self::spawn(env)
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

    fn spawn(env: &[(&str, &str)]) -> Self {
        assert!(
            root()
                .join("tests/provider/node_modules/oidc-provider")
                .exists(),
            "the test provider is not installed: run `npm ci --prefix tests/provider`"
        );
        let s = NodeService::start(
            "the test provider",
            "tests/provider/server.mjs",
            "provider.log",
            env,
            &["http://127.0.0.1:", "https://"],
        );
        Self {
            _child: s.child,
            issuer: s.url,
            log: s.log,
            _dir: s.dir,
        }
    }

    /// A URL for the test's own requests: plain HTTP even for a TLS provider (its plain door,
    /// see `start_tls`), so that they need not trust the test CA.
    fn url(&self, path: &str) -> Url {
        plain_url(&self.issuer, path)
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

    /// Access (and ID) tokens issued from now on live `seconds` (`POST /__test/ttl`).
    pub fn set_access_ttl(&self, seconds: u64) {
        let r = Http::default()
            .post_form(
                &self.url(&format!("/__test/ttl?access={seconds}")),
                &[],
                &ClientAuth::None { client_id: "test" },
                None,
            )
            .unwrap();
        assert_eq!(r.status, 200, "POST /__test/ttl");
    }

    /// Wait until the provider reports `token` inactive: the expiry a test causes, waited for
    /// however slow the machine is (a test never sleeps a fixed time hoping it has passed).
    /// tok takes a token's expiry from the moment it sent the request, so once the provider
    /// has let a token expire, tok has too.
    pub fn wait_expired(&self, token: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(600);
        while self.active(token) {
            assert!(
                std::time::Instant::now() < deadline,
                "the token never expired at the provider"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn grants_revoked(&self) -> u64 {
        self.stats()["grants_revoked"].as_u64().unwrap()
    }

    /// RFC 7662 introspection with the confidential `introspector` client.
    pub fn introspect(&self, token: &str) -> serde_json::Value {
        introspect_at(&self.issuer, token)
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

/// A URL of the provider of `issuer` for the test's own requests: plain HTTP even for a TLS
/// provider (its plain door, see `Provider::start_tls`), so that they need not trust the test CA.
pub fn plain_url(issuer: &str, path: &str) -> Url {
    let mut url = Url::parse(&format!("{issuer}{path}")).unwrap();
    url.set_scheme("http").unwrap();
    // An issuer named like a corporate host (TOK_TEST_ISSUER_HOST) still listens here.
    url.set_host(Some("127.0.0.1")).unwrap();
    url
}

/// RFC 7662 introspection at the provider of `issuer` with the confidential `introspector`
/// client (for threads that hold the issuer, not the provider).
pub fn introspect_at(issuer: &str, token: &str) -> serde_json::Value {
    let secret = ClientSecret::new("introspector-secret");
    let r = Http::default()
        .post_form(
            &plain_url(issuer, "/token/introspection"),
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

/// The provider (with `env`'s knobs) and a tok logged in to it through the browser flow as
/// profile `work`: where most tests start.
pub fn logged_in(env: &[(&str, &str)]) -> (Provider, Tok) {
    let provider = Provider::start_with(env);
    let tok = Tok::new();
    tok.login(&provider, "work");
    (provider, tok)
}

/// A private, unlocked (or locked) gnome-keyring on a private D-Bus.
pub struct Keyring {
    /// EOF on its stdin stops the daemon and then the bus; killed only if that hangs.
    _child: ChildGuard,
    pub bus: String,
    _dir: TempDir,
}

impl Keyring {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("keyring.log");
        let (child, line) = start_service(
            "dbus-run-session (apt-get install dbus gnome-keyring libsecret-tools)",
            || {
                let mut c = Command::new("dbus-run-session");
                c.arg("--")
                    .arg(root().join("tests/support/keyring-session.sh"))
                    .envs(env.iter().copied())
                    .env_remove("DBUS_SESSION_BUS_ADDRESS");
                c
            },
            &log,
            1,
            Duration::from_secs(120),
        );
        let bus = line
            .strip_prefix("DBUS_SESSION_BUS_ADDRESS=")
            .unwrap_or_else(|| panic!("keyring did not start: {line:?}"))
            .to_string();
        Self {
            _child: child,
            bus,
            _dir: dir,
        }
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

/// One user's tok: its own home, XDG directories and browser.
pub struct Tok {
    pub home: TempDir,
    env: Vec<(String, String)>,
    /// Run every tok under `keyctl session -` (see [`Tok::in_keyutils_session`]).
    keyutils: bool,
    /// Every stderr tok printed, to check for leaks at the end.
    stderr_log: Mutex<Vec<String>>,
    /// The CA a login trusts (`--ca-file`), for a tok of an HTTPS [`Rig`].
    ca_file: Option<PathBuf>,
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
        Self {
            home,
            env,
            keyutils: false,
            stderr_log: Mutex::new(vec![]),
            ca_file: None,
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

    /// `$BROWSER` is tests/support/hostile-browser.py, logging what it tried to `log`.
    pub fn with_hostile_browser(self, log: &Path) -> Self {
        let script = root().join("tests/support/hostile-browser.py");
        self.env("BROWSER", script.to_str().unwrap())
            .env("TOK_TEST_HOSTILE_LOG", log.to_str().unwrap())
    }

    pub fn without(mut self, k: &str) -> Self {
        self.env.retain(|(key, _)| key != k);
        self
    }

    pub fn with_keyring(self, k: &Keyring) -> Self {
        self.env("DBUS_SESSION_BUS_ADDRESS", &k.bus)
    }

    /// Sessions in the Secret Service of `k` (`TOK_STORE=keychain`).
    pub fn in_keychain(self, k: &Keyring) -> Self {
        self.with_keyring(k).env("TOK_STORE", "keychain")
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

    /// `tok setup KIND -p PROFILE ARGS` (`ARGS`: the host, registry… and flags).
    pub fn setup(&self, kind: &str, profile: &str, args: &[&str]) -> Run {
        let mut argv = vec!["setup", kind, "-p", profile];
        argv.extend_from_slice(args);
        self.run(&argv)
    }

    /// `tok print -p NAME --force-refresh ARGS` whose refresh stays open `ms` after the provider
    /// answered (`TOK_TEST_DELAY_AFTER_RESPONSE_MS`): a process inside the window that a kill,
    /// a signal or a racing process aims at.
    pub fn slow_refresh(&self, name: &str, ms: u32, args: &[&str]) -> Command {
        let mut argv = vec!["print", "-p", name, "--force-refresh"];
        argv.extend_from_slice(args);
        let mut c = self.command(&argv);
        c.env("TOK_TEST_DELAY_AFTER_RESPONSE_MS", ms.to_string());
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
        self.record(output_with_stdin(self.command(args), input))
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
        self.login_to(provider, name)
            .usual_scopes()
            .args(extra)
            .expect_success()
    }

    /// A `tok login -p NAME --issuer ISSUER --client-id tok-cli` to build on (see [`Login`]).
    pub fn login_to(&self, provider: &Provider, name: &str) -> Login<'_> {
        self.login_at(&provider.issuer, name)
    }

    /// [`Tok::login_to`] for an issuer that is no running provider (down, not a server, …).
    pub fn login_at(&self, issuer: &str, name: &str) -> Login<'_> {
        self.login_profile(name).issuer(issuer).client("tok-cli")
    }

    /// A bare `tok login -p NAME` (a configured profile, a preset…).
    pub fn login_profile(&self, name: &str) -> Login<'_> {
        Login {
            tok: self,
            args: vec!["login".into(), "-p".into(), name.into()],
            stdin: None,
        }
    }

    /// `n` processes of `tok ARGS` started at once; each must succeed; the token each printed.
    pub fn concurrently(&self, n: usize, args: &[&str]) -> Vec<String> {
        let children: Vec<_> = (0..n)
            .map(|_| {
                self.command(args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        children
            .into_iter()
            .map(|c| {
                let r = self.record(c.wait_with_output().unwrap());
                assert!(r.ok(), "{r:?}");
                r.token()
            })
            .collect()
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

    /// The access token in the file cache (`run/tok/tokens/NAME.json`).
    pub fn cached_access_token(&self, name: &str) -> String {
        let p = self.path(&format!("run/tok/tokens/{name}.json"));
        let v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        )
        .unwrap();
        v["access_token"].as_str().unwrap().to_string()
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

/// One `tok login`, built argument by argument, then run: expected to succeed, to fail with
/// an exit code, or as a command to drive by hand. A tok of an HTTPS [`Rig`] adds its
/// `--ca-file`.
pub struct Login<'a> {
    tok: &'a Tok,
    args: Vec<String>,
    stdin: Option<String>,
}

impl Login<'_> {
    pub fn arg(mut self, a: &str) -> Self {
        self.args.push(a.into());
        self
    }

    pub fn args(mut self, a: &[&str]) -> Self {
        self.args.extend(a.iter().map(|s| s.to_string()));
        self
    }

    pub fn issuer(self, issuer: &str) -> Self {
        self.args(&["--issuer", issuer])
    }

    /// `--client-id ID` (replacing the default `tok-cli`).
    pub fn client(mut self, id: &str) -> Self {
        if let Some(i) = self.args.iter().position(|a| a == "--client-id") {
            self.args[i + 1] = id.into();
            self
        } else {
            self.args(&["--client-id", id])
        }
    }

    pub fn scope(self, scope: &str) -> Self {
        self.args(&["--scope", scope])
    }

    /// `--scope openid --scope offline_access`.
    pub fn usual_scopes(self) -> Self {
        self.scope("openid").scope("offline_access")
    }

    pub fn browser(self) -> Self {
        self.arg("--browser")
    }

    pub fn device(self) -> Self {
        self.arg("--device")
    }

    pub fn paste(self) -> Self {
        self.arg("--paste")
    }

    pub fn client_credentials(self) -> Self {
        self.arg("--client-credentials")
    }

    pub fn timeout(self, t: &str) -> Self {
        self.args(&["--timeout", t])
    }

    pub fn json_errors(self) -> Self {
        self.arg("--json-errors")
    }

    /// What tok reads on stdin (else nothing: stdin is /dev/null).
    pub fn stdin(mut self, input: &str) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// The full argument list.
    pub fn argv(&self) -> Vec<String> {
        let mut argv = self.args.clone();
        if let Some(ca) = &self.tok.ca_file {
            argv.push("--ca-file".into());
            argv.push(ca.display().to_string());
        }
        argv
    }

    /// The command, to spawn and drive by hand.
    pub fn command(&self) -> Command {
        let argv = self.argv();
        self.tok
            .command(&argv.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// The command on a pseudo-terminal (see [`Tok::tty_command`]).
    pub fn tty_command(&self) -> Command {
        let argv = self.argv();
        self.tok
            .tty_command(&argv.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Run it, whatever the outcome.
    pub fn run(&self) -> Run {
        let argv = self.argv();
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        match &self.stdin {
            Some(input) => self.tok.run_stdin(&argv, input),
            None => self.tok.run(&argv),
        }
    }

    /// Run it; assert it succeeded.
    pub fn expect_success(&self) -> Run {
        let r = self.run();
        assert!(r.ok(), "login failed: {r:?}");
        r
    }

    /// Run it; assert it failed with exit code `code`.
    pub fn expect_failure(&self, code: i32) -> Run {
        assert_ne!(code, 0, "a failure has a non-zero exit code");
        let r = self.run();
        assert_eq!(r.code, code, "{:?}: {r:?}", self.args);
        r
    }
}

/// Whether `text` holds a JWT: three base64url segments joined by dots whose first decodes to
/// a JSON object with `alg`. (Canaries look for the secrets themselves, or for this full shape:
/// never for a few characters such as `eyJ`, which a random opaque token can contain.)
pub fn contains_jwt(text: &str) -> bool {
    use base64::Engine;
    let b64 = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .any(|word| {
            let parts: Vec<&str> = word.split('.').collect();
            parts.windows(3).any(|w| {
                w.iter().all(|p| b64(p))
                    && base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(w[0])
                        .ok()
                        .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
                        .is_some_and(|h| h.get("alg").is_some())
            })
        })
}

/// Poll `done` until it holds: for what a test waits for (a process took a lock, the provider
/// saw a refresh), never a fixed sleep. Fails after a deadline far beyond any loaded machine.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run `command` with `input` on its stdin; its output.
pub fn output_with_stdin(mut command: Command, input: &str) -> Output {
    let mut child = command
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
    child.wait_with_output().unwrap()
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

/// `tok print` of profile `work` narrowed to the API's scope and audience (RFC 8707).
pub const NARROWED_PRINT: [&str; 7] = [
    "print",
    "-p",
    "work",
    "--scope",
    "api:read",
    "--audience",
    "https://api.test/",
];

/// `tok exec -p PROFILE -- sh -c SCRIPT`.
pub fn exec_sh<'a>(profile: &'a str, script: &'a str) -> [&'a str; 7] {
    ["exec", "-p", profile, "--", "sh", "-c", script]
}

/// `tok print -p PROFILE --format dpop` for `GET https://x.test/`.
pub fn dpop_print(profile: &str) -> [&str; 9] {
    [
        "print",
        "-p",
        profile,
        "--format",
        "dpop",
        "--method",
        "GET",
        "--url",
        "https://x.test/",
    ]
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

impl Tok {
    /// Add `line` (`key = value`) to the `[profiles.NAME]` table of the config file, as its
    /// first key (an endpoint, a proxy, a `ca_file` the test points elsewhere); panics when the
    /// config has no such table. Returns the path of the config file.
    pub fn add_to_profile(&self, name: &str, line: &str) -> PathBuf {
        let config = self.path("config/tok/config.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        let header = format!("[profiles.{name}]\n");
        assert!(text.contains(&header), "no [profiles.{name}] in {text}");
        std::fs::write(
            &config,
            text.replacen(&header, &format!("{header}{line}\n"), 1),
        )
        .unwrap();
        config
    }

    /// `program` as this tok's user runs it: with this tok's environment alone (its home, XDG
    /// directories, browser and store; the test's `PATH` unless the tok sets its own), stdin
    /// from /dev/null. For the tools that run tok themselves (git, kubectl, an SDK, a shell).
    pub fn tool(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env_vars())
            .stdin(Stdio::null());
        c
    }
}

/// The paste flow's user: read tok's output from `reader` up to the authorization URL it prints
/// for `provider`, open that URL in the test browser; what tok printed so far, and the callback
/// URL the browser was sent to (what the user pastes back). Panics when tok ends first.
pub fn paste_callback(provider: &Provider, reader: &mut dyn BufRead) -> (String, String) {
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "tok ended: {seen}"
        );
        seen.push_str(&line);
        if let Some(u) = line
            .trim()
            .strip_prefix(&format!("{}/auth?", provider.issuer))
        {
            break format!("{}/auth?{u}", provider.issuer);
        }
    };
    let browser = node("tests/provider/browser.mjs")
        .arg(&url)
        .env("TOK_TEST_BROWSER_PRINT_CALLBACK", "1")
        .env("TOK_TEST_BROWSER_QUIET", "1")
        .output()
        .unwrap();
    assert!(browser.status.success(), "{browser:?}");
    (seen, String::from_utf8(browser.stdout).unwrap())
}

/// A tok process raced against others while the test holds the lock they need: it reports on
/// `waiting` each time it says it is waiting for another tok process (run it with `-v`), so that
/// the test lets the lock go only once every racer waits.
pub struct Racer {
    child: Child,
    stderr: std::thread::JoinHandle<String>,
}

impl Racer {
    /// Spawn `command` (stdout and stderr piped), watching its stderr.
    pub fn spawn(mut command: Command, waiting: &std::sync::mpsc::Sender<()>) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let waiting = waiting.clone();
        let stderr = std::thread::spawn(move || {
            let mut seen = String::new();
            for line in BufReader::new(stderr).lines() {
                let line = line.unwrap_or_default();
                if line.contains("waiting for another tok process") {
                    let _ = waiting.send(());
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            seen
        });
        Self { child, stderr }
    }

    /// Wait for it to end; assert it succeeded; the token it printed (stdout, trimmed) and its
    /// stderr.
    pub fn finish(self) -> (String, String) {
        let out = self.child.wait_with_output().unwrap();
        let stderr = self.stderr.join().unwrap();
        assert!(out.status.success(), "{stderr}");
        let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
        (token, stderr)
    }
}

/// Spawn `command` with its stdin, stdout and stderr piped, for a test that talks to it as it
/// runs (a paste login, a prompt on a terminal).
pub fn spawn_piped(mut command: Command) -> Child {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A Node service of the rig (the provider, the CI issuer) run from `script` with `env`
/// through [`start_service`] (three tries of 20 s), its stderr in `log` in a directory of its
/// own kept as long as the service; its first line is its URL, which must start with one of
/// `urls`.
pub struct NodeService {
    pub child: ChildGuard,
    pub url: String,
    pub log: PathBuf,
    pub dir: TempDir,
}

impl NodeService {
    pub fn start(what: &str, script: &str, log: &str, env: &[(&str, &str)], urls: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join(log);
        let (child, url) = start_service(
            &format!("{what} (node {script})"),
            || {
                let mut c = node(script);
                c.envs(env.iter().copied());
                c
            },
            &log,
            3,
            Duration::from_secs(20),
        );
        assert!(
            urls.iter().any(|u| url.starts_with(u)),
            "{what} did not start: {url:?}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Self {
            child,
            url,
            log,
            dir,
        }
    }
}

impl Tok {
    /// Write `text` as this tok's config file (`config/tok/config.toml`, its directory made
    /// first), as a user who edits it by hand; its path.
    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.path("config/tok/config.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}
