//! The command line people use: print formats, scoped tokens, exit codes, `--json-errors`,
//! CI logins (client credentials, refresh-token seeding), non-interactive runs, `--paste`, the
//! device-flow QR code on a terminal, and `tok profile`. See: issue 5.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{
    Login, NARROWED_PRINT, Provider, Run, Tok, logged_in, paste_callback, root, spawn_piped,
    start_service, wait_until,
};

fn json_error(r: &Run) -> serde_json::Value {
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("{\"error\""))
        .unwrap_or_default();
    serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}): {r:?}"))
}

fn configure(tok: &Tok, provider: &Provider, name: &str) {
    tok.write_config(&format!(
        "[profiles.{name}]\nissuer = \"{}\"\nclient_id = \"tok-cli\"\nscopes = [\"openid\", \"offline_access\"]\n",
        provider.issuer
    ));
}

#[test]
fn print_formats() {
    let (provider, tok) = logged_in(&[]);
    let at = tok.print("work");

    let h = tok.run(&["print", "-p", "work", "--format", "header"]);
    assert_eq!(h.stdout, format!("Authorization: Bearer {at}\n"), "{h:?}");

    let j = tok.run(&["print", "-p", "work", "--format", "json"]);
    assert!(j.ok(), "{j:?}");
    let v: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(v["access_token"], at.as_str());
    assert_eq!(v["token_type"], "Bearer");
    let exp = v["expires_in"].as_i64().unwrap();
    assert!(exp > 200 && exp <= 300, "{v}");
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'), "{v}");
    assert!(v["scope"].as_str().unwrap().contains("openid"), "{v}");

    // `env` output is meant for eval: run it through a real shell.
    let e = tok.run(&["print", "-p", "work", "--format", "env"]);
    assert!(e.stdout.starts_with("TOK_ACCESS_TOKEN="), "{e:?}");
    let mut sh = Command::new("sh")
        .args([
            "-c",
            r#"eval "$(cat)"; printf '%s|%s|%s' "$TOK_ACCESS_TOKEN" "$TOK_TOKEN_TYPE" "$TOK_EXPIRES_AT""#,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    sh.stdin
        .take()
        .unwrap()
        .write_all(e.stdout.as_bytes())
        .unwrap();
    let out = String::from_utf8(sh.wait_with_output().unwrap().stdout).unwrap();
    let parts: Vec<&str> = out.split('|').collect();
    assert_eq!(parts[0], at);
    assert_eq!(parts[1], "Bearer");
    assert_eq!(parts[2], v["expires_at"].as_str().unwrap());

    let bad = tok.run(&["print", "-p", "work", "--format", "yaml"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert_eq!(provider.refreshes(), 0, "every format came from the cache");
    tok.assert_no_leak(&[at]);
}

#[test]
fn scoped_token_is_cached_apart_and_rotation_is_kept() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login_with(&provider, "work", &["--scope", "api:read", "--browser"]);
    let default = tok.print("work");
    let rt1 = tok.refresh_token("work");
    let args = NARROWED_PRINT;
    let r = tok.run(&args);
    assert!(r.ok(), "{r:?}");
    let scoped = r.token();
    assert_ne!(scoped, default);
    let info = provider.introspect(&scoped);
    assert_eq!(info["active"], true, "{info}");
    assert_eq!(info["aud"], "https://api.test/", "{info}");
    assert_eq!(info["scope"], "api:read", "{info}");
    assert_eq!(provider.refreshes(), 1);
    // The rotated refresh token of the scoped refresh was persisted ...
    let rt2 = tok.refresh_token("work");
    assert_ne!(rt1, rt2, "the provider rotates on every refresh");
    // ... and the default token of the spent refresh token is not served again (issue 11 item
    // 18: a provider may revoke it with the rotation); the scoped one stays in its own cache.
    assert_eq!(tok.run(&args).token(), scoped);
    assert_eq!(provider.refreshes(), 1);
    let default2 = tok.print("work");
    assert_ne!(default2, default);
    assert_eq!(provider.refreshes(), 2);
    // The persisted refresh token worked (a lost rotation would be invalid_grant there).
    assert_eq!(provider.grants_revoked(), 0);
    let caches = || {
        std::fs::read_dir(tok.path("run/tok/tokens"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".json"))
            .count()
    };
    assert_eq!(
        caches(),
        1,
        "that rotation dropped the scoped token in turn"
    );
    assert_eq!(tok.print("work"), default2, "served from its cache");
    let scoped2 = tok.run(&args).token();
    assert_ne!(scoped2, scoped);
    assert_eq!(caches(), 1, "and that one dropped the default token");
    assert!(tok.run(&["logout", "-p", "work"]).ok());
    let left = std::fs::read_dir(tok.path("run/tok/tokens"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .count();
    assert_eq!(left, 0, "logout evicts scoped caches too");
    tok.assert_no_leak(&[default, default2, scoped, scoped2, rt1, rt2]);
}

#[test]
fn exit_codes_and_json_errors() {
    let provider = Provider::start();
    let tok = Tok::new();

    // 2: usage, also as JSON (flag or environment).
    let r = tok.run(&["print", "--bogus", "--json-errors"]);
    assert_eq!(r.code, 2, "{r:?}");
    let e = json_error(&r);
    assert_eq!(e["error"]["code"], "usage");
    assert_eq!(e["error"]["exit_code"], 2);
    let r = Tok::new().env("TOK_JSON_ERRORS", "1").run(&["frobnicate"]);
    assert_eq!(json_error(&r)["error"]["code"], "usage", "{r:?}");

    // 8: config.
    tok.write_config("[profiles.work\n");
    let r = tok.run(&["print", "-p", "work", "--json-errors"]);
    assert_eq!(r.code, 8, "{r:?}");
    let e = json_error(&r);
    assert_eq!(e["error"]["code"], "config");
    assert!(e["error"]["hint"].is_string(), "{e}");
    let human = tok.run(&["print", "-p", "work"]);
    assert!(
        human.stderr.starts_with("tok print: error: invalid config"),
        "{human:?}"
    );
    assert!(human.stderr.contains("  hint: "), "{human:?}");
    assert!(
        !human.stderr.contains('\x1b'),
        "no colour when piped: {human:?}"
    );

    // 3: login required (a profile without a session), never an interactive prompt.
    configure(&tok, &provider, "work");
    let r = tok.run(&["print", "-p", "work", "--json-errors"]);
    assert_eq!(r.code, 3, "{r:?}");
    let e = json_error(&r);
    assert_eq!(e["error"]["code"], "login_required");
    assert_eq!(e["error"]["hint"], "run `tok login -p work`");

    // 4: provider unavailable.
    let dead = Tok::new();
    let r = dead
        .login_at("http://127.0.0.1:9", "work")
        .json_errors()
        .expect_failure(4);
    assert_eq!(json_error(&r)["error"]["code"], "unavailable");

    // 5: something that is not an authorization server (a plain web server's 404 page).
    let served = tempfile::tempdir().unwrap();
    let (web, banner) = start_service(
        "python3 -m http.server",
        || {
            let mut c = Command::new("/usr/bin/python3");
            c.args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
                .current_dir(served.path());
            c
        },
        &tok.path("web.log"),
        1,
        Duration::from_secs(120),
    );
    let port = banner
        .split("port ")
        .nth(1)
        .and_then(|p| p.split_whitespace().next())
        .unwrap_or_else(|| panic!("{banner}"))
        .to_string();
    let r = Tok::new()
        .login_at(&format!("http://127.0.0.1:{port}"), "work")
        .json_errors()
        .expect_failure(5);
    drop(web.without_grace());
    assert_eq!(json_error(&r)["error"]["code"], "bad_response");

    // 7: denied.
    let deny = Provider::start_with(&[("TOK_TEST_DENY", "1")]);
    let r = Tok::new()
        .login_to(&deny, "work")
        .browser()
        .json_errors()
        .expect_failure(7);
    assert_eq!(json_error(&r)["error"]["code"], "denied");

    // 9: another process holds the profile lock.
    tok.login(&provider, "work");
    let holder = crate::lock::hold_lock(&tok);
    let busy = Tok::new()
        .env("XDG_RUNTIME_DIR", &tok.path("run").display().to_string())
        .env("XDG_CONFIG_HOME", &tok.path("config").display().to_string())
        .env("XDG_DATA_HOME", &tok.path("data").display().to_string())
        .env("XDG_STATE_HOME", &tok.path("state").display().to_string())
        .env("TOK_LOCK_TIMEOUT", "1");
    let r = busy.run(&["print", "-p", "work", "--force-refresh", "--json-errors"]);
    drop(holder);
    assert_eq!(r.code, 9, "{r:?}");
    assert_eq!(json_error(&r)["error"]["code"], "busy");
}

#[test]
fn unavailable_keychain_is_exit_code_6_as_json() {
    let provider = Provider::start();
    let tok = Tok::new()
        .env("TOK_STORE", "keychain")
        .without("DBUS_SESSION_BUS_ADDRESS");
    configure(&tok, &provider, "work");
    let r = tok.run(&["print", "-p", "work", "--json-errors"]);
    assert_eq!(r.code, 6, "{r:?}");
    assert_eq!(json_error(&r)["error"]["code"], "store_unavailable");
}

#[test]
fn non_interactive_login_fails_fast_with_login_required() {
    let provider = Provider::start();
    let log = tempfile::NamedTempFile::new().unwrap();
    for env in [("CI", "true"), ("TOK_NONINTERACTIVE", "1")] {
        let tok = Tok::new()
            .env(env.0, env.1)
            .env("TOK_TEST_BROWSER_LOG", &log.path().display().to_string());
        let r = tok.login_to(&provider, "work").expect_failure(3);
        assert!(r.stderr.contains("--client-credentials"), "{r:?}");
    }
    assert_eq!(
        std::fs::read_to_string(log.path()).unwrap(),
        "",
        "no browser"
    );
    assert_eq!(provider.stats()["authorizations"], 0);
    assert_eq!(provider.stats()["device_authorizations"], 0);
}

/// `tok login` of the confidential `ci-bot` client with the client-credentials grant.
fn cc_login<'a>(tok: &'a Tok, provider: &Provider) -> Login<'a> {
    tok.login_to(provider, "ci")
        .client("ci-bot")
        .client_credentials()
        .scope("api:read")
}

#[test]
fn client_credentials_login_and_print_mint_tokens() {
    let provider = Provider::start();
    let tok = Tok::new().env("TOK_CLIENT_SECRET", "ci-bot-secret");
    let r = cc_login(&tok, &provider).run();
    assert!(r.ok(), "{r:?}");
    let at = tok.print("ci");
    let info = provider.introspect(&at);
    assert_eq!(info["client_id"], "ci-bot", "{info}");
    assert_eq!(info["aud"], "https://api.test/", "{info}");
    assert_eq!(info["scope"], "api:read", "{info}");
    assert_eq!(tok.print("ci"), at, "cached");
    let forced = tok.run(&["print", "-p", "ci", "--force-refresh"]).token();
    assert_ne!(forced, at, "print mints a new token on demand");
    assert!(provider.active(&forced));
    assert_eq!(
        provider.stats()["token_success"]["client_credentials"],
        2, // login + --force-refresh
    );
    // The secret lives in the session store, never in the config file or argv.
    let cfg = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(!cfg.contains("ci-bot-secret"), "{cfg}");
    let files = tok.any_file_contains("ci-bot-secret");
    assert_eq!(files.len(), 1, "only the 0600 session file: {files:?}");
    assert!(files[0].ends_with("sessions/ci.json"));
    let mode = tok
        .files()
        .into_iter()
        .find(|(p, _)| *p == files[0])
        .unwrap()
        .1;
    assert_eq!(mode, 0o600);
    // status and profile show name the kind of session (from the state, no keychain read).
    let st = tok.run(&["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&st.stdout).unwrap();
    assert_eq!(v["profiles"][0]["grant"], "confidential", "{st:?}");
    let show = tok.run(&["profile", "show", "ci"]);
    assert!(show.stdout.contains("client credentials"), "{show:?}");

    // A narrowed client-credentials token is minted apart and leaves the default alone.
    let narrow = tok
        .run(&["print", "-p", "ci", "--scope", "api:write"])
        .token();
    assert_eq!(provider.introspect(&narrow)["scope"], "api:write");
    assert_eq!(tok.print("ci"), forced);

    // Secret on stdin; a wrong secret is a clear error.
    let tok2 = Tok::new();
    assert!(
        cc_login(&tok2, &provider)
            .stdin("ci-bot-secret\n")
            .run()
            .ok()
    );
    let cc = tok2.print("ci");
    assert!(provider.active(&cc));
    // Logout revokes the client-credentials access token (there is no refresh token).
    let out = tok2.run(&["logout", "-p", "ci"]);
    assert!(out.ok() && out.stderr.contains("revoked"), "{out:?}");
    assert!(!provider.active(&cc), "logout revoked the access token");
    let tok3 = Tok::new();
    let bad = cc_login(&tok3, &provider).stdin("wrong\n").run();
    assert_eq!(
        bad.code, 8,
        "invalid_client is a configuration problem: {bad:?}"
    );
    let none = cc_login(&Tok::new(), &provider).stdin("").run();
    assert_eq!(none.code, 2, "{none:?}");
    tok.assert_no_leak(&[at, forced, narrow, "ci-bot-secret".into()]);
    tok2.assert_no_leak(&["ci-bot-secret".into()]);
    tok3.assert_no_leak(&["wrong".into()]);
}

#[test]
fn refresh_token_stdin_seeds_a_session() {
    let provider = Provider::start();
    let laptop = Tok::new();
    laptop.login(&provider, "work");
    let rt = laptop.refresh_token("work");
    let ci = Tok::new();
    ci.login_to(&provider, "ci")
        .arg("--refresh-token-stdin")
        .stdin(&format!("{rt}\n"))
        .expect_success();
    assert_eq!(provider.refreshes(), 1, "seeding proves the token once");
    let seeded = ci.refresh_token("ci");
    assert_ne!(seeded, rt, "the rotated refresh token is the one kept");
    let at = ci.print("ci");
    assert!(provider.active(&at));
    let forced = ci.run(&["print", "-p", "ci", "--force-refresh"]);
    assert!(forced.ok(), "{forced:?}");
    // A dead refresh token: login required.
    let bad = Tok::new()
        .login_to(&provider, "ci")
        .arg("--refresh-token-stdin")
        .json_errors()
        .stdin("not-a-refresh-token\n")
        .expect_failure(3);
    assert_eq!(json_error(&bad)["error"]["code"], "login_required");
    ci.assert_no_leak(&[rt, seeded, at]);
}

/// Run `tok login --paste` (through `script` for a terminal when `tty`), feed it the URL the
/// fake browser lands on, and return the finished run.
fn paste_login(tok: &Tok, provider: &Provider, tty: bool, tamper: bool) -> Run {
    let login = tok.login_to(provider, "ssh").usual_scopes().paste();
    let mut child = spawn_piped(if tty {
        login.tty_command()
    } else {
        login.command()
    });
    // On a terminal everything arrives on script's stdout; piped, the URL is on stderr.
    let mut reader: Box<dyn BufRead> = if tty {
        Box::new(BufReader::new(child.stdout.take().unwrap()))
    } else {
        Box::new(BufReader::new(child.stderr.take().unwrap()))
    };
    let (seen, mut callback) = paste_callback(provider, &mut reader);
    assert!(callback.contains("/callback?code="), "{callback}");
    if tamper {
        callback = callback.replace("state=", "state=x");
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(callback.as_bytes()).unwrap();
    // script forwards its stdin to the terminal: keep it open until tok is done (an EOF
    // there would reach tok as end of input).
    let keep = if tty {
        Some(stdin)
    } else {
        drop(stdin);
        None
    };
    let mut rest = String::new();
    reader.read_to_string(&mut rest).unwrap();
    let mut other = String::new();
    if tty {
        // nothing else to read
    } else {
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut other)
            .unwrap();
    }
    let status = child.wait().unwrap();
    drop(keep);
    tok.record(std::process::Output {
        status,
        stdout: other.into_bytes(),
        stderr: format!("{seen}{rest}").into_bytes(),
    })
}

#[test]
fn paste_login_piped_and_on_a_terminal() {
    let provider = Provider::start();
    let log = tempfile::NamedTempFile::new().unwrap();
    let tok = Tok::new().env("TOK_TEST_BROWSER_LOG", &log.path().display().to_string());
    let r = paste_login(&tok, &provider, false, false);
    assert!(r.ok(), "{r:?}");
    assert!(r.stderr.contains("Logged in"), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(log.path()).unwrap(),
        "",
        "--paste opens no browser"
    );
    assert!(provider.active(&tok.print("ssh")));

    let tampered = paste_login(&Tok::new(), &provider, false, true);
    assert_eq!(tampered.code, 2, "{tampered:?}");
    assert!(
        tampered.stderr.contains("state does not match"),
        "{tampered:?}"
    );

    let tty = Tok::new();
    let r = paste_login(&tty, &provider, true, false);
    assert!(r.ok(), "{r:?}");
    assert!(provider.active(&tty.print("ssh")));
}

fn device_login(tok: &Tok, provider: &Provider, tty: bool) -> Run {
    let login = tok.login_to(provider, "dev").usual_scopes().device();
    if tty {
        tok.record(login.tty_command().output().unwrap())
    } else {
        login.run()
    }
}

/// Decode the QR code drawn in `out` (Unicode half blocks, light modules inked: two modules per
/// character, upper and lower) the way a phone would read it from the screen.
fn scan_qr(out: &str) -> String {
    let rows: Vec<Vec<char>> = out
        .lines()
        .skip_while(|l| !l.contains("scan this code"))
        .skip(1)
        .map(|l| l.trim_end_matches('\r'))
        .take_while(|l| !l.is_empty() && l.chars().all(|c| " █▀▄".contains(c)))
        .map(|l| l.chars().collect())
        .collect();
    assert!(rows.len() > 10, "a QR block: {out}");
    // Each module becomes SCALE x SCALE pixels; inked (lit on a dark terminal) is white.
    const SCALE: usize = 4;
    let width = rows.iter().map(Vec::len).max().unwrap();
    let lit = |x: usize, y: usize| {
        let c = rows[y / 2].get(x).copied().unwrap_or(' ');
        match (c, y % 2) {
            ('█', _) | ('▀', 0) | ('▄', 1) => 255,
            _ => 0,
        }
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(
        width * SCALE,
        rows.len() * 2 * SCALE,
        |x, y| lit(x / SCALE, y / SCALE),
    );
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in: {out}");
    grids[0].decode().expect("the QR code decodes").1
}

#[test]
fn device_flow_draws_a_qr_code_on_a_terminal_only() {
    let provider = Provider::start_with(&[("TOK_TEST_DEVICE_INTERVAL", "1")]);
    let tty = Tok::new();
    let browser_log = tty.path("browser.log");
    let tty = tty.env("TOK_TEST_BROWSER_LOG", browser_log.to_str().unwrap());
    let r = device_login(&tty, &provider, true);
    assert!(r.ok(), "{r:?}");
    assert!(r.stdout.contains("scan this code"), "{r:?}");
    // The code is a real QR code of the provider's verification_uri_complete (the URL the
    // browser was sent to), for the URI and user code tok printed.
    let scanned = scan_qr(&r.stdout);
    let opened = std::fs::read_to_string(&browser_log).unwrap();
    assert_eq!(Some(scanned.as_str()), opened.lines().next(), "{r:?}");
    let printed = |label: &str| {
        r.stdout
            .lines()
            .find_map(|l| l.trim_end().split_once(label).map(|(_, v)| v.to_string()))
            .unwrap_or_else(|| panic!("no `{label}` in {r:?}"))
    };
    let (uri, code) = (printed("open "), printed("enter the code: "));
    assert_eq!(
        scanned,
        format!(
            "{uri}?user_code={}",
            url::form_urlencoded::byte_serialize(code.as_bytes()).collect::<String>()
        )
    );
    let piped = Tok::new();
    let r = device_login(&piped, &provider, false);
    assert!(r.ok(), "{r:?}");
    assert!(!r.stderr.contains("scan this code"), "{r:?}");
    assert!(!r.stderr.contains('█') && !r.stderr.contains('▀'), "{r:?}");
}

#[test]
fn profile_list_show_remove() {
    let (provider, tok) = logged_in(&[]);
    tok.login(&provider, "play");
    let rt = tok.refresh_token("play");
    let l = tok.run(&["profile", "list"]);
    assert!(l.ok(), "{l:?}");
    assert!(
        l.stdout.contains("work") && l.stdout.contains("play"),
        "{l:?}"
    );
    assert!(l.stdout.contains("logged in"), "{l:?}");
    let j: serde_json::Value =
        serde_json::from_str(&tok.run(&["profile", "list", "--json"]).stdout).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 2);
    let s = tok.run(&["profile", "show", "play", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(v["issuer"], provider.issuer.as_str());
    assert_eq!(v["logged_in"], true);
    assert_eq!(v["session"]["store"], "file");
    let human = tok.run(&["profile", "show", "play"]);
    assert!(human.stdout.contains("issuer:"), "{human:?}");
    let r = tok.run(&["profile", "remove", "play"]);
    assert!(r.ok(), "{r:?}");
    assert!(!provider.active(&rt), "revoked");
    let cfg = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        !cfg.contains("[profiles.play]") && cfg.contains("[profiles.work]"),
        "{cfg}"
    );
    assert!(!tok.path("data/tok/sessions/play.json").exists());
    let again = tok.run(&["profile", "remove", "play"]);
    assert_eq!(again.code, 8, "{again:?}");
    assert!(
        tok.print("work").len() > 10,
        "the other profile is untouched"
    );
    tok.assert_no_leak(&[rt]);
}

#[test]
fn preset_fills_the_profile() {
    let tok = Tok::new().env("TOK_NONINTERACTIVE", "1");
    // Non-interactive: the profile is written, then the login stops before any network call.
    tok.login_profile("gh")
        .args(&["--preset", "github"])
        .client("Iv1.abc")
        .expect_failure(3);
    let cfg = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(
        cfg.contains("token_endpoint = \"https://github.com/login/oauth/access_token\""),
        "{cfg}"
    );
    assert!(cfg.contains("preset = \"github\""), "{cfg}");
    assert!(cfg.contains("flow = \"device\""), "{cfg}");
    let v: serde_json::Value =
        serde_json::from_str(&tok.run(&["profile", "show", "gh", "--json"]).stdout).unwrap();
    assert_eq!(v["git_username"], "x-access-token");
    tok.login_profile("t")
        .args(&["--preset", "gitea"])
        .client("x")
        .expect_failure(2);
}

/// `tok profile show` reports the usernames the helpers really send: the profile's own, else
/// the preset's, else the protocol's default (it used to report only the preset's).
/// See: issue 10.
#[test]
fn profile_show_reports_the_usernames_the_helpers_use() {
    let tok = Tok::new();
    tok.write_config(
        "[profiles.own]\nissuer = \"https://id.example\"\nclient_id = \"c\"\npreset = \"github\"\nusername = \"me\"\ndocker_username = \"robot\"\nregistries = [\"own.example\"]\n\n[profiles.gh]\nissuer = \"https://id.example\"\nclient_id = \"c\"\npreset = \"github\"\nregistries = [\"gh.example\"]\n\n[profiles.plain]\nissuer = \"https://id.example\"\nclient_id = \"c\"\nregistries = [\"plain.example\"]\n",
    );
    let listed = tok.run(&["docker-credential", "list"]);
    assert!(listed.ok(), "{listed:?}");
    let docker: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    for (profile, git, registry) in [
        ("own", "me", "own.example"),
        ("gh", "x-access-token", "gh.example"),
        ("plain", "oauth2", "plain.example"),
    ] {
        let show = tok.run(&["profile", "show", profile, "--json"]);
        assert!(show.ok(), "{show:?}");
        let v: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
        assert_eq!(v["git_username"], git, "{profile}: {v}");
        // What the docker helper itself answers for the profile's registry.
        assert_eq!(v["docker_username"], docker[registry], "{profile}: {v}");
        let human = tok.run(&["profile", "show", profile]);
        assert!(
            human.stdout.contains(&format!("git user:    {git}\n")),
            "{human:?}"
        );
    }
    assert_eq!(docker["own.example"], "robot");
    assert_eq!(docker["plain.example"], "oauth2accesstoken");
}

#[test]
fn completions_command_matches_committed_files() {
    let tok = Tok::new();
    for (shell, file) in [
        ("bash", "tok.bash"),
        ("zsh", "_tok"),
        ("fish", "tok.fish"),
        ("powershell", "_tok.ps1"),
        ("elvish", "tok.elv"),
    ] {
        let r = tok.run(&["completions", shell]);
        assert!(r.ok(), "{r:?}");
        let committed = std::fs::read_to_string(root().join("completions").join(file)).unwrap();
        assert_eq!(r.stdout, committed, "{shell}");
    }
}

#[test]
fn colour_only_on_a_terminal_and_never_with_no_color() {
    let tok = Tok::new().env("TERM", "xterm-256color");
    let piped = tok.run(&["print", "-p", "nope"]);
    assert_eq!(piped.code, 8);
    assert!(!piped.stderr.contains('\x1b'), "{piped:?}");
    let out = tok.tty_command(&["print", "-p", "nope"]).output().unwrap();
    let tty = tok.record(out);
    assert!(
        tty.stdout.contains("\x1b["),
        "coloured on a terminal: {tty:?}"
    );
    let out = Tok::new()
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .tty_command(&["print", "-p", "nope"])
        .output()
        .unwrap();
    let plain = tok.record(out);
    assert!(plain.stdout.contains("error:"), "{plain:?}");
    assert!(!plain.stdout.contains('\x1b'), "NO_COLOR: {plain:?}");
}

#[test]
fn concurrent_scoped_and_default_refreshes_never_lose_the_rotating_session() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login_with(&provider, "work", &["--scope", "api:read", "--browser"]);
    let scoped_args = NARROWED_PRINT;
    let default_args = ["print", "-p", "work", "--force-refresh"];
    let children: Vec<_> = (0..10)
        .map(|i| {
            tok.command(if i % 2 == 0 {
                &scoped_args[..]
            } else {
                &default_args[..]
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut scoped = vec![];
    for (i, c) in children.into_iter().enumerate() {
        let r = tok.record(c.wait_with_output().unwrap());
        assert!(r.ok(), "{r:?}");
        if i % 2 == 0 {
            scoped.push(r.token());
        }
    }
    // Waiters share a scoped refresh; only a rotating default refresh in between drops the
    // scoped token (issue 11 item 18), so there are at most one more scoped tokens than
    // default racers.
    assert!(
        crate::support::distinct(&scoped).len() <= 1 + 5,
        "scoped waiters share refreshes: {scoped:?}"
    );
    assert_eq!(
        provider.grants_revoked(),
        0,
        "no rotated refresh token was lost"
    );
    assert_eq!(
        provider.stats()["token_errors"]["invalid_grant"],
        serde_json::Value::Null
    );
    let after = tok.run(&["print", "-p", "work", "--force-refresh"]);
    assert!(after.ok(), "{after:?}");
    assert_eq!(provider.introspect(&scoped[0])["aud"], "https://api.test/");
}

#[test]
fn paste_login_times_out_when_nothing_is_pasted() {
    let provider = Provider::start();
    let tok = Tok::new();
    let login = tok
        .login_to(&provider, "ssh")
        .scope("openid")
        .paste()
        .timeout("1s")
        .command();
    let mut child = spawn_piped(login);
    // Hold stdin open without writing: only --timeout can end the wait.
    let stdin = child.stdin.take();
    let r = tok.record(child.wait_with_output().unwrap());
    drop(stdin);
    assert_eq!(r.code, 7, "{r:?}");
    assert!(r.stderr.contains("not approved in time"), "{r:?}");
}

/// The terminal (`/dev/pts/N`) of the tok process `script` (pid `script`) runs.
fn tok_terminal(script: u32) -> std::path::PathBuf {
    let bin = crate::support::tok_bin().canonicalize().unwrap();
    let parent = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let under_script = |mut pid: u32| {
        while pid > 1 {
            if pid == script {
                return true;
            }
            pid = parent(pid).unwrap_or(0);
        }
        false
    };
    let mut found = None;
    wait_until("tok runs under script", || {
        found = std::fs::read_dir("/proc").unwrap().flatten().find_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
            (exe == bin && under_script(pid))
                .then(|| std::fs::read_link(format!("/proc/{pid}/fd/0")).ok())?
        });
        found.is_some()
    });
    found.unwrap()
}

/// Whether the terminal `pts` has echo off (`stty -a` says `-echo`).
fn echo_is_off(pts: &std::path::Path) -> bool {
    let out = Command::new("stty")
        .arg("-F")
        .arg(pts)
        .arg("-a")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .any(|w| w == "-echo")
}

// See: review of issue 5 — a secret typed at a terminal is not echoed.
#[test]
fn a_secret_typed_at_a_terminal_is_not_echoed() {
    let provider = Provider::start();
    let tok = Tok::new();
    let mut child = spawn_piped(cc_login(&tok, &provider).tty_command());
    let mut out = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    // Type only once the prompt is up, as a person would (before it, the terminal still echoes).
    while !String::from_utf8_lossy(&seen).contains("client secret: ") {
        assert_eq!(
            out.read(&mut byte).unwrap(),
            1,
            "no prompt: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    // rpassword turns echo off just after it writes the prompt; a person reads the prompt
    // before typing, so wait for that moment, however long a loaded machine takes (typing into
    // the gap would be echoed by any prompt that works this way, and is not what this test is
    // about).
    let pts = tok_terminal(child.id());
    wait_until("tok turned the terminal's echo off", || echo_is_off(&pts));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"ci-bot-secret\n").unwrap();
    out.read_to_end(&mut seen).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    let screen = String::from_utf8_lossy(&seen);
    assert!(status.success(), "{screen}");
    assert!(screen.contains("Logged in"), "{screen}");
    assert!(
        !screen.contains("ci-bot-secret"),
        "the secret was echoed: {screen}"
    );
    assert!(provider.active(&tok.print("ci")));
}
