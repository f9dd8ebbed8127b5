//! `tok setup git|docker|kubectl`: only tok's keys change, re-running changes nothing, and
//! `--remove` gives the user's files back.
//!
//! See: issue 3.

use crate::support::{Provider, Tok, logged_in, tok_bin};

const GITCONFIG: &str = "\
# my git config
[user]
\tname = Alice
\temail = alice@example.com
[credential]
\thelper = store
[credential \"https://other.example.com\"]
\tusername = bob
";

fn git_list(tok: &Tok) -> Vec<String> {
    let out = tok
        .tool("git")
        .args(["config", "--global", "--list"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn setup_git_keeps_the_users_config_is_idempotent_and_undoes() {
    let provider = Provider::start();
    let dir = tempfile::tempdir().unwrap();
    let gitconfig = dir.path().join("gitconfig");
    std::fs::write(&gitconfig, GITCONFIG).unwrap();
    let tok = Tok::new().env("GIT_CONFIG_GLOBAL", gitconfig.to_str().unwrap());
    tok.login(&provider, "work");
    let cfg = tok.path("config/tok/config.toml");
    let mut toml = std::fs::read_to_string(&cfg).unwrap();
    toml.insert_str(0, "# my tok config\n");
    std::fs::write(&cfg, &toml).unwrap();
    let before = git_list(&tok);

    let args = [
        "setup",
        "git",
        "-p",
        "work",
        "--host",
        "https://git.example.com/team/",
    ];
    let r = tok.run(&args);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.stdout, "", "setup talks to humans on stderr");
    let after = git_list(&tok);
    let helper = format!(
        "credential.https://git.example.com/team.helper=!'{}' git-credential",
        tok_bin().canonicalize().unwrap().display()
    );
    let added: Vec<&String> = after.iter().filter(|l| !before.contains(l)).collect();
    assert_eq!(
        added,
        [
            "credential.https://git.example.com/team.helper=",
            helper.as_str(),
            "credential.https://git.example.com/team.usehttppath=true"
        ]
    );
    assert!(before.iter().all(|l| after.contains(l)), "{after:?}");
    let text = std::fs::read_to_string(&gitconfig).unwrap();
    assert!(text.starts_with(GITCONFIG), "{text}");
    let toml_after = std::fs::read_to_string(&cfg).unwrap();
    assert!(toml_after.starts_with("# my tok config\n"));
    assert!(
        toml_after.contains("hosts = [\"https://git.example.com/team\"]"),
        "{toml_after}"
    );

    // Idempotent: the same files after a second run (also when spelled differently).
    let r = tok.setup(
        "git",
        "work",
        &["--host", "https://GIT.example.com:443/team"],
    );
    assert!(r.ok(), "{r:?}");
    assert_eq!(std::fs::read_to_string(&gitconfig).unwrap(), text);
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), toml_after);

    // The helper answers for that prefix (git sends the path: useHttpPath).
    let r = tok.run_stdin(
        &["git-credential", "get"],
        "protocol=https\nhost=git.example.com\npath=team/repo.git\n",
    );
    assert!(r.stdout.starts_with("username=oauth2\npassword="), "{r:?}");

    let r = tok.setup(
        "git",
        "work",
        &["--host", "https://git.example.com/team", "--remove"],
    );
    assert!(r.ok(), "{r:?}");
    assert_eq!(std::fs::read_to_string(&gitconfig).unwrap(), GITCONFIG);
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), toml);
}

#[test]
fn setup_git_refuses_bad_hosts_and_unknown_profiles() {
    let tok = Tok::new().env("GIT_CONFIG_GLOBAL", "/nonexistent/gitconfig");
    let r = tok.setup("git", "work", &["--host", "http://git.example.com"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("plain http"), "{r:?}");
    let r = tok.setup("git", "nope", &["--host", "git.example.com"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stderr.contains("tok login -p nope"), "{r:?}");
}

const DOCKER_CONFIG: &str = r#"{
  "auths": {
    "registry.example.com": {
      "auth": "dXNlcjpwYXNz"
    }
  },
  "credHelpers": {
    "gcr.io": "gcloud"
  },
  "psFormat": "table {{.ID}}",
  "currentContext": "default"
}
"#;

#[test]
fn setup_docker_keeps_other_keys_is_idempotent_and_undoes() {
    let provider = Provider::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(&path, DOCKER_CONFIG).unwrap();
    let tok = Tok::new().env("DOCKER_CONFIG", dir.path().to_str().unwrap());
    tok.login(&provider, "work");
    let r = tok.setup(
        "docker",
        "work",
        &["--registry", "https://Reg.example.com:5000/"],
    );
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stderr.contains("docker-credential-tok"),
        "PATH hint: {r:?}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["auths", "credHelpers", "psFormat", "currentContext"]);
    assert_eq!(
        v["credHelpers"],
        serde_json::json!({"gcr.io": "gcloud", "reg.example.com:5000": "tok"})
    );
    assert_eq!(v["auths"]["registry.example.com"]["auth"], "dXNlcjpwYXNz");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let r = tok.setup("docker", "work", &["--registry", "reg.example.com:5000"]);
    assert!(r.ok());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "idempotent");
    let r = tok.run(&["docker-credential", "list"]);
    assert_eq!(
        r.stdout,
        "{\"reg.example.com:5000\":\"oauth2accesstoken\"}\n"
    );

    let r = tok.setup(
        "docker",
        "work",
        &["--registry", "reg.example.com:5000", "--remove"],
    );
    assert!(r.ok(), "{r:?}");
    // The same document, in docker's own layout (tab-indented members; each value keeps the
    // text it had): every key in its place, every value as it was.
    let back = std::fs::read_to_string(&path).unwrap();
    assert!(
        back.starts_with("{\n\t\"auths\": {\n    \"registry"),
        "{back}"
    );
    let back: serde_json::Value = serde_json::from_str(&back).unwrap();
    let before: serde_json::Value = serde_json::from_str(DOCKER_CONFIG).unwrap();
    assert_eq!(back, before);
    let keys: Vec<&String> = back.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["auths", "credHelpers", "psFormat", "currentContext"]);
    assert_eq!(tok.run(&["docker-credential", "list"]).stdout, "{}\n");
}

#[test]
fn setup_docker_creates_the_config_and_refuses_a_broken_one() {
    let provider = Provider::start();
    let dir = tempfile::tempdir().unwrap();
    let tok = Tok::new().env("DOCKER_CONFIG", dir.path().join("new").to_str().unwrap());
    tok.login(&provider, "work");
    let r = tok.setup("docker", "work", &["--registry", "reg.example.com"]);
    assert!(r.ok(), "{r:?}");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("new/config.json")).unwrap())
            .unwrap();
    assert_eq!(
        v,
        serde_json::json!({"credHelpers": {"reg.example.com": "tok"}})
    );
    std::fs::write(dir.path().join("new/config.json"), "{ not json").unwrap();
    let r = tok.setup("docker", "work", &["--registry", "reg2.example.com"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(r.stderr.lines().count(), 2, "one line and a hint: {r:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("new/config.json")).unwrap(),
        "{ not json"
    );
}

#[test]
fn setup_kubectl_prints_the_exec_block() {
    let (_provider, tok) = logged_in(&[]);
    let r = tok.run(&["setup", "kubectl", "-p", "work"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(
        r.stdout,
        format!(
            "users:\n- name: \"work\"\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: \"{}\"\n      args: [\"kubectl-credential\", \"-p\", \"work\"]\n      interactiveMode: Never\n      provideClusterInfo: false\n",
            tok_bin().canonicalize().unwrap().display()
        )
    );
}

/// `tok setup git` then `--remove`, through the real git, on configs shaped as people write
/// them: the file comes back byte for byte. See: issue 24 (the round trip of git's config).
#[test]
fn setup_git_then_remove_gives_each_config_back_byte_for_byte() {
    let provider = Provider::start();
    let dir = tempfile::tempdir().unwrap();
    let gitconfig = dir.path().join("gitconfig");
    let tok = Tok::new().env("GIT_CONFIG_GLOBAL", gitconfig.to_str().unwrap());
    tok.login(&provider, "work");
    let configs = [
        "",
        "[user]\n\tname = Alice",
        "# top\n[user]\n\tname = Alice\n; trailing comment\n",
        "[credential]\n\thelper = cache --timeout=3600\n[url \"git@github.com:\"]\n\tinsteadOf = https://github.com/\n",
        "[include]\n\tpath = ~/.gitconfig.local\n[core]\n  autocrlf = input\r\n  editor = vim\r\n",
        "[credential \"https://other.example.com\"]\n\tusername = bob\n[alias]\n\tco = checkout\n",
        // The same URL's section, with a key of the user's: it stays, with its comment.
        "[credential \"https://git.example.com/team\"]\n\t# mine\n\tusername = alice\n[alias]\n\tst = status\n",
    ];
    for original in configs {
        std::fs::write(&gitconfig, original).unwrap();
        let r = tok.setup("git", "work", &["--host", "https://git.example.com/team"]);
        assert!(r.ok(), "{r:?}");
        let added = std::fs::read_to_string(&gitconfig).unwrap();
        assert!(added.contains("git-credential"), "{added:?}");
        let r = tok.setup(
            "git",
            "work",
            &["--host", "https://git.example.com/team", "--remove"],
        );
        assert!(r.ok(), "{r:?}");
        // git itself ends a last line that had no line break when it writes the file: the one
        // byte tok cannot keep (it edits through git).
        let expected = if original.is_empty() || original.ends_with('\n') {
            original.to_string()
        } else {
            format!("{original}\n")
        };
        assert_eq!(
            std::fs::read_to_string(&gitconfig).unwrap(),
            expected,
            "after {added:?}"
        );
    }
}
