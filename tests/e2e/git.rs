//! `tok git-credential` with the real git client, cloning and pushing over smart HTTP from
//! `git http-backend` behind a front that accepts only live provider tokens.
//!
//! See: issue 3.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::fronts::Front;
use crate::support::{Provider, Rig, Run, Tok, output_with_stdin, tok_bin};

/// `git ARGS` (in `cwd`) as the user of `tok`, never prompting for credentials.
pub(crate) fn git_command(tok: &Tok, args: &[&str], cwd: Option<&Path>) -> Command {
    let mut c = tok.tool("git");
    c.args(args).env("GIT_TERMINAL_PROMPT", "0");
    if let Some(d) = cwd {
        c.current_dir(d);
    }
    c
}

/// A repository for the git server to serve, made as the user of `tok` without the server:
/// `seed` with one commit (a README saying hello), cloned bare to `bare`.
pub(crate) fn make_repo(tok: &Tok, seed: &Path, bare: &Path) {
    let git_ok = |args: &[&str], cwd: Option<&Path>| {
        let r = tok.record(git_command(tok, args, cwd).output().unwrap());
        assert!(r.ok(), "git {args:?} failed: {r:?}");
    };
    git_ok(&["init", "-q", "-b", "main", seed.to_str().unwrap()], None);
    std::fs::write(seed.join("README"), "hello\n").unwrap();
    git_ok(&["add", "README"], Some(seed));
    git_ok(&["commit", "-q", "-m", "first"], Some(seed));
    git_ok(
        &[
            "clone",
            "-q",
            "--bare",
            seed.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
        None,
    );
}

/// A provider, a logged-in tok set up for the git server, a bare repository with one commit.
pub(crate) struct GitRig {
    pub(crate) provider: Provider,
    pub(crate) tok: Tok,
    pub(crate) server: Front,
    dir: TempDir,
}

impl GitRig {
    pub(crate) fn start(provider_env: &[(&str, &str)], server_args: &[&str]) -> Self {
        Self::start_with(provider_env, server_args, true)
    }

    pub(crate) fn start_with(
        provider_env: &[(&str, &str)],
        server_args: &[&str],
        login: bool,
    ) -> Self {
        Self::start_over(&Rig::http(), provider_env, server_args, login)
    }

    /// A logged-in rig over `net`'s transport.
    fn start_on(net: &Rig, provider_env: &[(&str, &str)], server_args: &[&str]) -> Self {
        Self::start_over(net, provider_env, server_args, true)
    }

    fn start_over(
        net: &Rig,
        provider_env: &[(&str, &str)],
        server_args: &[&str],
        login: bool,
    ) -> Self {
        let provider = net.provider_with(provider_env);
        let dir = tempfile::tempdir().unwrap();
        let repos = dir.path().join("repos");
        std::fs::create_dir_all(&repos).unwrap();
        let root = repos.to_str().unwrap().to_string();
        let mut args = vec![provider.issuer.as_str(), root.as_str()];
        args.extend_from_slice(server_args);
        let server = net.front("git-server.py", &args);
        let gitconfig = dir.path().join("gitconfig");
        // A user who also keeps plaintext credentials for every host: tok's setup must keep
        // that helper from answering first or storing what tok serves.
        let store = dir.path().join("git-credentials");
        std::fs::write(
            &gitconfig,
            format!(
                "[user]\n\tname = Alice\n\temail = alice@example.com\n[credential]\n\thelper = store --file {}\n",
                store.display()
            ),
        )
        .unwrap();
        let tok = net
            .tok()
            .env("GIT_CONFIG_GLOBAL", gitconfig.to_str().unwrap())
            .env("GIT_CONFIG_NOSYSTEM", "1");
        let rig = Self {
            provider,
            tok,
            server,
            dir,
        };
        // The served repository, made locally without the server.
        let seed = rig.dir.path().join("seed");
        let bare = repos.join("repo.git");
        make_repo(&rig.tok, &seed, &bare);
        rig.git_ok(&["config", "http.receivepack", "true"], Some(&bare));
        if login {
            rig.tok.login(&rig.provider, "work");
        } else {
            // A profile without a session.
            rig.tok.login(&rig.provider, "work");
            assert!(rig.tok.run(&["logout", "-p", "work"]).ok());
        }
        let r = rig.tok.setup("git", "work", &["--host", &rig.base()]);
        assert!(r.ok(), "{r:?}");
        rig
    }

    pub(crate) fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.server.port)
    }

    pub(crate) fn url(&self) -> String {
        format!("{}/repo.git", self.base())
    }

    pub(crate) fn git_command(&self, args: &[&str], cwd: Option<&Path>) -> Command {
        git_command(&self.tok, args, cwd)
    }

    pub(crate) fn git(&self, args: &[&str], cwd: Option<&Path>) -> Run {
        let out: Output = self.git_command(args, cwd).output().unwrap();
        self.tok.record(out)
    }

    pub(crate) fn git_ok(&self, args: &[&str], cwd: Option<&Path>) -> Run {
        let r = self.git(args, cwd);
        assert!(r.ok(), "git {args:?} failed: {r:?}");
        r
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub(crate) fn clone(&self, into: &str) -> PathBuf {
        let dest = self.path(into);
        self.git_ok(&["clone", "-q", &self.url(), dest.to_str().unwrap()], None);
        dest
    }

    fn commit_and_push(&self, work: &Path, file: &str) -> Run {
        std::fs::write(work.join(file), "change\n").unwrap();
        self.git_ok(&["add", file], Some(work));
        self.git_ok(&["commit", "-q", "-m", file], Some(work));
        self.git(&["push", "-q", "origin", "main"], Some(work))
    }

    fn served_log(&self) -> String {
        let bare = self.path("repos/repo.git");
        self.git_ok(&["log", "--format=%s", "main"], Some(&bare))
            .stdout
    }
}

#[test]
fn clone_and_push_with_bearer_after_one_login() {
    clone_and_push_with_bearer_after_one_login_on(Rig::http());
}

fn clone_and_push_with_bearer_after_one_login_on(net: Rig) {
    let rig = GitRig::start_on(&net, &[], &[]);
    let work = rig.clone("work");
    assert_eq!(
        std::fs::read_to_string(work.join("README")).unwrap(),
        "hello\n"
    );
    let r = rig.commit_and_push(&work, "a.txt");
    assert!(r.ok(), "push failed: {r:?}");
    assert_eq!(rig.served_log(), "a.txt\nfirst\n");
    // git ≥ 2.46 announces capability[]=authtype and the server offers Bearer: tok answers
    // Bearer, and nothing was authenticated with Basic.
    assert!(
        rig.server.count("bearer", 200) >= 2,
        "{:?}",
        rig.server.requests()
    );
    assert_eq!(rig.server.count("basic", 200), 0);
    assert_eq!(rig.provider.refreshes(), 0, "the cached token served both");
    let at = rig.tok.print("work");
    rig.tok.assert_no_leak(&[at, rig.tok.refresh_token("work")]);
}

/// The same over HTTPS with a private CA (issue 14).
#[test]
fn clone_and_push_with_bearer_after_one_login_over_https() {
    clone_and_push_with_bearer_after_one_login_on(Rig::https());
}

#[test]
fn basic_password_when_the_server_offers_only_basic() {
    let rig = GitRig::start(&[], &["--basic-only"]);
    let work = rig.clone("work");
    assert!(rig.commit_and_push(&work, "b.txt").ok());
    assert!(rig.server.count("basic", 200) >= 2);
    assert_eq!(rig.server.count("bearer", 200), 0);
    // git approved the credential, but the `store` helper configured for all hosts was reset
    // for this URL by `tok setup git`: no token in a plaintext file.
    let stored = std::fs::read_to_string(rig.path("git-credentials")).unwrap_or_default();
    assert!(!stored.contains(&rig.tok.print("work")), "{stored}");
}

// See: issue 11 item 15 — a Basic answer was not marked ephemeral, so a plaintext `store`
// helper configured after tok's (which `tok setup git`'s `helper =` reset cannot reach) saved
// the access token. With git ≥ 2.46 tok answers Basic as `authtype=Basic` + `ephemeral=1`.
#[test]
fn a_basic_answer_is_ephemeral_so_a_later_store_helper_keeps_nothing() {
    let rig = GitRig::start(&[], &["--basic-only"]);
    let late = rig.path("late-credentials");
    let gitconfig = rig.path("gitconfig");
    let mut text = std::fs::read_to_string(&gitconfig).unwrap();
    assert!(
        text.contains("helper =\n") || text.contains("helper = \n"),
        "{text}"
    );
    text.push_str(&format!(
        "[credential \"{}\"]\n\thelper = store --file {}\n",
        rig.base(),
        late.display()
    ));
    std::fs::write(&gitconfig, text).unwrap();
    let work = rig.clone("work");
    assert!(rig.commit_and_push(&work, "e.txt").ok());
    assert!(
        rig.server.count("basic", 200) >= 2,
        "{:?}",
        rig.server.requests()
    );
    let token = rig.tok.print("work");
    let stored = std::fs::read_to_string(&late).unwrap_or_default();
    assert!(
        !stored.contains(&token),
        "the later store helper saved the access token in plain text"
    );
}

#[test]
fn expired_token_is_refreshed_between_operations() {
    expired_token_is_refreshed_between_operations_on(Rig::http());
}

fn expired_token_is_refreshed_between_operations_on(net: Rig) {
    // Tokens live long while git works (a loaded machine can take more than a short token's
    // life between the helper's answer and the server's check); only the cached token this
    // test lets expire is short.
    let rig = GitRig::start_on(&net, &[], &[]);
    let work = rig.clone("work");
    rig.provider.set_access_ttl(2);
    let first = rig
        .tok
        .run(&["print", "-p", "work", "--force-refresh"])
        .token();
    rig.provider.set_access_ttl(300);
    rig.provider.wait_expired(&first);
    let refreshes = rig.provider.refreshes();
    let r = rig.commit_and_push(&work, "c.txt");
    assert!(r.ok(), "push after expiry failed: {r:?}");
    assert!(rig.provider.refreshes() > refreshes);
    assert_eq!(rig.provider.grants_revoked(), 0);
    rig.tok.assert_no_leak(&[first]);
}

/// The same over HTTPS with a private CA (issue 14).
#[test]
fn expired_token_is_refreshed_between_operations_over_https() {
    expired_token_is_refreshed_between_operations_on(Rig::https());
}

#[test]
fn revoked_token_is_erased_and_the_next_operation_refreshes() {
    for basic_only in [false, true] {
        let revoked = tempfile::NamedTempFile::new().unwrap();
        let mut args = vec!["--revoked", revoked.path().to_str().unwrap()];
        if basic_only {
            args.push("--basic-only");
        }
        let rig = GitRig::start(&[], &args);
        let work = rig.clone("work");
        let served = rig.tok.print("work");
        let rt = rig.tok.refresh_token("work");
        // The git server stops accepting this access token; the grant lives on.
        std::fs::write(revoked.path(), tok::fingerprint(&served)).unwrap();
        let r = rig.git(&["fetch", "-q"], Some(&work));
        if basic_only {
            // git presents the revoked token, gets 401 and calls `erase`: the fetch fails...
            assert!(!r.ok(), "a revoked token was accepted: {r:?}");
            assert_eq!(rig.provider.refreshes(), 0);
            // ...and the next operation gets a fresh token, from the same session.
            let r = rig.git(&["fetch", "-q"], Some(&work));
            assert!(r.ok(), "fetch after erase failed: {r:?}");
        } else {
            // A Bearer answer is a first stage (git ≥ 2.46, `continue`, for step-up: issue
            // 21): the server's refusal comes back to tok within the fetch, which drops the
            // token as `erase` does and answers with a fresh one.
            assert!(
                r.ok(),
                "fetch with the refused token replaced failed: {r:?}"
            );
        }
        assert_eq!(rig.provider.refreshes(), 1);
        let now = rig.tok.print("work");
        assert_ne!(now, served);
        assert_eq!(rig.provider.grants_revoked(), 0);
        rig.tok.assert_no_leak(&[served, now, rt]);
    }
}

#[test]
fn erase_of_a_token_already_replaced_keeps_the_new_one() {
    let rig = GitRig::start(&[], &[]);
    let old = rig.tok.print("work");
    let new = rig
        .tok
        .run(&["print", "-p", "work", "--force-refresh"])
        .token();
    let input = format!(
        "protocol=http\nhost=127.0.0.1:{}\nusername=oauth2\npassword={old}\n",
        rig.server.port
    );
    let r = rig.tok.run_stdin(&["git-credential", "erase"], &input);
    assert!(r.ok() && r.stdout.is_empty(), "{r:?}");
    assert_eq!(
        rig.tok.print("work"),
        new,
        "the replacement was not evicted"
    );
    let input = format!(
        "protocol=http\nhost=127.0.0.1:{}\nusername=oauth2\npassword={new}\n",
        rig.server.port
    );
    assert!(rig.tok.run_stdin(&["git-credential", "erase"], &input).ok());
    let refreshes = rig.provider.refreshes();
    assert_ne!(rig.tok.print("work"), new);
    assert_eq!(rig.provider.refreshes(), refreshes + 1);
}

#[test]
fn git_credential_fill_shows_the_protocol_answers() {
    let rig = GitRig::start(&[], &[]);
    let host = format!("127.0.0.1:{}", rig.server.port);
    let fill = |input: String| {
        let c = rig.git_command(&["credential", "fill"], None);
        rig.tok.record(output_with_stdin(c, &input))
    };
    let token = rig.tok.print("work");
    // Basic: username, password, and an expiry a minute early.
    let r = fill(format!("protocol=http\nhost={host}\n"));
    assert!(r.ok(), "{r:?}");
    let exp: i64 = field(&r.stdout, "password_expiry_utc").parse().unwrap();
    let expires_at = rig.tok.file_session("work")["access"]["expires_at"]
        .as_i64()
        .unwrap();
    assert_eq!(exp, expires_at - 60);
    assert_eq!(field(&r.stdout, "username"), "oauth2");
    assert_eq!(field(&r.stdout, "password"), token);
    // Bearer, when the caller announces authtype and the server offers Bearer.
    let r = fill(format!(
        "capability[]=authtype\ncapability[]=state\nprotocol=http\nhost={host}\nwwwauth[]=Bearer realm=\"x\"\n"
    ));
    assert!(r.ok(), "{r:?}");
    assert_eq!(field(&r.stdout, "authtype"), "Bearer");
    assert_eq!(field(&r.stdout, "credential"), token);
    assert_eq!(field(&r.stdout, "ephemeral"), "1");
    assert!(field(&r.stdout, "state[]").starts_with("tok:at:"));
    assert!(!r.stdout.contains("password="), "{r:?}");
    // `capability`.
    let r = rig.tok.run(&["git-credential", "capability"]);
    assert_eq!(
        r.stdout,
        "version 0\ncapability authtype\ncapability state\n"
    );
    // `store` is accepted and ignored; unknown actions too.
    let r = rig.tok.run_stdin(
        &["git-credential", "store"],
        &format!("protocol=http\nhost={host}\nusername=x\npassword=y\n"),
    );
    assert!(r.ok() && r.stdout.is_empty(), "{r:?}");
    assert!(rig.tok.run(&["git-credential", "frobnicate"]).ok());
}

fn field<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {out:?}"))
}

#[test]
fn unknown_host_gets_nothing() {
    let rig = GitRig::start(&[], &[]);
    for input in [
        "protocol=https\nhost=git.example.org\n",
        // Same host and port as the server, other scheme.
        &format!("protocol=https\nhost=127.0.0.1:{}\n", rig.server.port),
        // No host at all.
        "protocol=https\n",
    ] {
        let r = rig.tok.run_stdin(&["git-credential", "get"], input);
        assert!(r.ok(), "{r:?}");
        assert_eq!(r.stdout, "", "{input:?}");
    }
    // Through git: no helper answers, prompts are off, so git gives up.
    let r = rig.git(
        &["clone", "-q", "http://127.0.0.1:9/other.git", "x"],
        Some(rig.dir.path()),
    );
    assert!(!r.ok());
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let rig = GitRig::start(&[], &[]);
    let r = rig
        .tok
        .setup("git", "work", &["--host", "http://git.example.com"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("plain http"), "{r:?}");
    // Even if the config is edited by hand to list it.
    let cfg = rig.tok.path("config/tok/config.toml");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("hosts = [", "hosts = [\"http://git.example.com\", ");
    std::fs::write(&cfg, text).unwrap();
    let r = rig.tok.run_stdin(
        &["git-credential", "get"],
        "protocol=http\nhost=git.example.com\n",
    );
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("plain http"), "{r:?}");
}

#[test]
fn cr_lf_nul_in_input_are_refused() {
    let rig = GitRig::start(&[], &[]);
    let host = format!("127.0.0.1:{}", rig.server.port);
    for input in [
        format!("protocol=http\nhost={host}\rpassword=x\n"),
        format!("protocol=http\nhost={host}\npath=a\0b\n"),
        format!("protocol=http\r\nhost={host}\n"),
    ] {
        let r = rig.tok.run_stdin(&["git-credential", "get"], &input);
        assert_eq!(r.code, 1, "{input:?}: {r:?}");
        assert_eq!(r.stdout, "", "{input:?}");
        assert!(r.stderr.contains("refusing git credential input"), "{r:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    }
    // git itself refuses a newline smuggled into a URL before any helper runs.
    let r = rig.git(
        &[
            "clone",
            "-q",
            &format!("http://{host}/repo.git%0ahost=evil.example"),
            "x",
        ],
        Some(rig.dir.path()),
    );
    assert!(!r.ok());
    assert_eq!(rig.server.count("bearer", 200), 0);
}

#[test]
fn no_session_non_interactive_prints_a_hint_and_nothing_else() {
    let rig = GitRig::start_with(&[], &[], false);
    let host = format!("127.0.0.1:{}", rig.server.port);
    let r = rig.tok.run_stdin(
        &["git-credential", "get"],
        &format!("protocol=http\nhost={host}\n"),
    );
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("tok login -p work"), "{r:?}");
    // GIT_TERMINAL_PROMPT=0 (the rig's git runs with it): the clone fails, with tok's hint.
    let r = rig.git(&["clone", "-q", &rig.url(), "x"], Some(rig.dir.path()));
    assert!(!r.ok());
    assert!(r.stderr.contains("GIT_TERMINAL_PROMPT=0"), "{r:?}");
    assert!(r.stderr.contains("tok login -p work"), "{r:?}");
    // credential.interactive=false does the same without GIT_TERMINAL_PROMPT.
    rig.git_ok(
        &["config", "--global", "credential.interactive", "false"],
        None,
    );
    let out = rig
        .git_command(&["clone", "-q", &rig.url(), "y"], Some(rig.dir.path()))
        .env_remove("GIT_TERMINAL_PROMPT")
        .output()
        .unwrap();
    let r = rig.tok.record(out);
    assert!(!r.ok());
    assert!(r.stderr.contains("credential.interactive=false"), "{r:?}");
    assert_eq!(rig.server.count("bearer", 200), 0);
}

#[test]
fn no_session_with_a_terminal_logs_in_interactively() {
    // `script` gives git (and so tok) a controlling terminal; $BROWSER approves the login.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let rig = GitRig::start_with(&[], &[], false);
    let dest = rig.path("work");
    let cmd = format!("git clone -q {} {}", rig.url(), dest.display());
    let mut c = rig.tok.tool("script");
    c.args(["-qec", &cmd, "/dev/null"]);
    let r = rig.tok.record(c.output().unwrap());
    assert!(r.ok(), "{r:?}");
    assert!(dest.join("README").exists(), "{r:?}");
    assert!(r.stdout.contains("logging in for git"), "{r:?}");
    assert!(rig.tok.run(&["print", "-p", "work"]).ok());
}

#[test]
fn installed_as_git_credential_tok() {
    let rig = GitRig::start(&[], &[]);
    let bin = rig.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(tok_bin(), bin.join("git-credential-tok")).unwrap();
    // `helper = tok` makes git run `git-credential-tok` from PATH.
    let url = rig.base();
    rig.git_ok(
        &[
            "config",
            "--global",
            "--replace-all",
            &format!("credential.{url}.helper"),
            "tok",
        ],
        None,
    );
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = rig
        .git_command(&["clone", "-q", &rig.url(), "w"], Some(rig.dir.path()))
        .env("PATH", &path)
        .output()
        .unwrap();
    let r = rig.tok.record(out);
    assert!(r.ok(), "{r:?}");
    let out = Command::new(bin.join("git-credential-tok"))
        .arg("capability")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "version 0\ncapability authtype\ncapability state\n"
    );
}
