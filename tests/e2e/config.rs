//! Config file errors and profile selection, through the CLI.

use crate::support::{Provider, Tok, logged_in};

#[test]
fn invalid_config_names_file_line_and_key() {
    let tok = Tok::new();
    let path = tok.write_config(
        "# mine\n[profiles.work]\nissuer = \"https://id.example\"\nscopes = \"openid\"\n",
    );
    let r = tok.run(&["print", "-p", "work"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stderr
            .contains(&format!("{}:4: `scopes`", path.display())),
        "{r:?}"
    );
    assert!(r.stderr.lines().count() <= 2, "one line and a hint: {r:?}");
}

#[test]
fn profile_selection_order() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "a");
    tok.login(&provider, "b");
    let r = tok.run(&["print"]);
    assert_eq!(r.code, 8, "two profiles and no default is ambiguous: {r:?}");
    assert!(r.stderr.contains("-p NAME"), "{r:?}");
    let tok = tok.env("TOK_PROFILE", "b");
    let b = tok.run(&["print"]).token();
    assert_eq!(b, tok.print("b"));
}

#[test]
fn login_keeps_the_users_comments() {
    let provider = Provider::start();
    let tok = Tok::new();
    let original = "# my settings\ndefault_profile = \"work\" # the usual\n";
    let path = tok.write_config(original);
    tok.login(&provider, "work");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(original), "{text}");
    assert!(tok.run(&["print"]).ok(), "default_profile selects work");
}

#[test]
fn files_tok_writes_are_private() {
    let (_provider, tok) = logged_in(&[]);
    tok.print("work");
    tok.run(&["print", "-p", "work", "--force-refresh"]);
    for (path, mode) in tok.files() {
        if path.is_dir() {
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", path.display());
        } else {
            assert_eq!(mode, 0o600, "{} is {mode:o}", path.display());
        }
    }
}

#[test]
fn a_failed_login_leaves_the_profile_and_session_as_they_were() {
    let (provider, tok) = logged_in(&[]);
    let path = tok.path("config/tok/config.toml");
    let before = std::fs::read_to_string(&path).unwrap();
    // Another issuer that is not there: the login fails before any approval.
    let r = tok
        .login_at("http://127.0.0.1:9", "work")
        .client("other")
        .browser()
        .timeout("2s")
        .run();
    assert_ne!(r.code, 0, "{r:?}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        before,
        "config untouched"
    );
    assert!(
        provider.active(&tok.print("work")),
        "the old session still works"
    );
}
