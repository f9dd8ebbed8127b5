//! Terraform's credentials helper with the real `terraform` binary: `terraform init` fetches a
//! module from a private registry over HTTPS that accepts only live provider tokens, asking
//! `terraform-credentials-tok` (linked by `tok setup terraform`) for the token; after `tok
//! logout` the same init fails; `--remove` restores the CLI configuration byte for byte.
//! See: issue 13.

use std::path::Path;
use std::process::{Command, Output};

use crate::rig_net::{TfRegistry, TlsCerts, terraform, text};
use crate::support::{Provider, Tok};

/// `terraform init` in `dir`, with tok's environment (HOME is tok's: the helper is looked up in
/// its ~/.terraform.d/plugins) and the test CA.
fn init(terraform: &Path, tok: &Tok, dir: &Path, rc: &Path, certs: &TlsCerts) -> Output {
    let _ = std::fs::remove_dir_all(dir.join(".terraform"));
    tok.tool(terraform)
        .args(["init", "-input=false", "-no-color"])
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", rc)
        .env("SSL_CERT_FILE", certs.bundle())
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .unwrap()
}

#[test]
fn terraform_init_gets_its_registry_token_from_tok_until_logout() {
    let Some(terraform) = terraform() else {
        eprintln!(
            "SKIPPED terraform_init_gets_its_registry_token_from_tok_until_logout: terraform is \
             not installed (issue 13 needs the real binary; scripts/setup installs it)"
        );
        return;
    };
    let certs = TlsCerts::generate();
    let provider = Provider::start();
    let registry = TfRegistry::start(&provider, &certs);
    let tok = Tok::new();
    tok.login(&provider, "tf");
    let host = registry.host();

    let rc = tok.path("terraformrc");
    let rc_s = rc.to_str().unwrap();
    let before =
        "# the user's own settings\nplugin_cache_dir = \"/tmp/nowhere\"\ndisable_checkpoint = true";
    std::fs::write(&rc, before).unwrap();
    let tok = tok.env("TF_CLI_CONFIG_FILE", rc_s);
    let dir = tok.path("cfg");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "module \"hello\" {{\n  source  = \"{}\"\n  version = \"1.0.0\"\n}}\n",
            registry.module_source()
        ),
    )
    .unwrap();

    // Without tok: 401.
    let o = init(&terraform, &tok, &dir, &rc, &certs);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("401"), "{}", text(&o));

    let r = tok.setup("terraform", "tf", &["--host", &host]);
    assert!(r.ok(), "{r:?}");
    let configured = std::fs::read_to_string(&rc).unwrap();
    assert!(configured.starts_with(before), "{configured}");
    assert!(
        configured.contains("credentials_helper \"tok\" {}"),
        "{configured}"
    );
    let link = tok.path(".terraform.d/plugins/terraform-credentials-tok");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // Idempotent.
    let r = tok.setup("terraform", "tf", &["--host", &host]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(std::fs::read_to_string(&rc).unwrap(), configured);
    let cfg = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert_eq!(cfg.matches(&host).count(), 1, "{cfg}");

    let o = init(&terraform, &tok, &dir, &rc, &certs);
    assert!(o.status.success(), "{}", text(&o));
    let main = std::fs::read_to_string(dir.join(".terraform/modules/hello/main.tf")).unwrap();
    assert!(main.contains("hello from the private registry (module 1.0.0)"));
    assert!(
        registry.count("bearer", 204) >= 1,
        "{:?}",
        registry.requests()
    );
    // The token terraform sent is the one tok serves, and it was asked as terraform.
    let token = tok.print("tf");
    assert!(provider.active(&token));
    let audit = std::fs::read_to_string(tok.path("state/tok/audit.jsonl")).unwrap();
    assert!(
        audit
            .lines()
            .any(|l| l.contains(r#""consumer":"terraform""#)
                && l.contains(&format!(r#""host":"{host}""#))),
        "{audit}"
    );

    // The protocol by hand: other hosts get `{}`, store is refused, forget evicts the cache.
    let r = tok.run(&["terraform-credential", "get", "elsewhere.example.com"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "{}\n"), "{r:?}");
    let r = tok.run(&[
        "terraform-credential",
        "get",
        &host.replace("127.0.0.1", "127.0.0.2"),
    ]);
    assert_eq!(r.stdout, "{}\n", "exact host and port: {r:?}");
    let r = tok.run(&["terraform-credential", "get", &host]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["token"], token.as_str());
    let r = tok.run_stdin(
        &["terraform-credential", "store", &host],
        r#"{"token":"x"}"#,
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("tok's tokens come from its own login"),
        "{r:?}"
    );
    assert!(r.stderr.contains("tok login -p tf"), "{r:?}");
    let r = tok.run(&["terraform-credential", "forget", &host]);
    assert!(r.ok() && r.stdout.is_empty(), "{r:?}");
    assert!(
        !tok.path("run/tok/tokens/tf.json").exists(),
        "the cache was evicted"
    );
    assert!(
        tok.path("data/tok/sessions/tf.json").exists(),
        "the session stays"
    );
    // The argv[0] alias is what terraform runs.
    let o = Command::new(&link)
        .args(["get", &host])
        .env_clear()
        .envs(tok.env_vars())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("{\"token\":"));

    // After logout the same init fails.
    let r = tok.run(&["logout", "-p", "tf"]);
    assert!(r.ok(), "{r:?}");
    let o = init(&terraform, &tok, &dir, &rc, &certs);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("401"), "{}", text(&o));

    // --remove: the file byte for byte, the link gone, the host out of the profile.
    let r = tok.setup("terraform", "tf", &["--host", &host, "--remove"]);
    assert!(r.ok(), "{r:?}");
    assert_eq!(std::fs::read_to_string(&rc).unwrap(), before);
    assert!(std::fs::symlink_metadata(&link).is_err());
    let cfg = std::fs::read_to_string(tok.path("config/tok/config.toml")).unwrap();
    assert!(!cfg.contains(&host), "{cfg}");
    tok.assert_no_leak(&[token]);
}

#[test]
fn setup_terraform_creates_and_deletes_a_missing_config_and_refuses_another_helper() {
    let provider = Provider::start();
    let tok = Tok::new();
    tok.login(&provider, "tf");
    let rc = tok.path(".terraformrc");
    let r = tok.setup("terraform", "tf", &["--host", "tf.example.com"]);
    assert!(r.ok(), "{r:?}");
    assert!(
        std::fs::read_to_string(&rc)
            .unwrap()
            .contains("credentials_helper \"tok\"")
    );
    let r = tok.setup("terraform", "tf", &["--host", "tf.example.com", "--remove"]);
    assert!(r.ok(), "{r:?}");
    assert!(!rc.exists(), "the file setup created is gone again");

    std::fs::write(&rc, "credentials_helper \"other\" {\n  args = []\n}\n").unwrap();
    let r = tok.setup("terraform", "tf", &["--host", "tf.example.com"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stderr.contains("credentials helper `other`"), "{r:?}");
    let r = tok.setup("terraform", "tf", &["--host", "https://tf.example.com/x"]);
    assert_eq!(r.code, 2, "{r:?}");
}
