//! cargo's `cargo:token-from-stdout` contract for `tok print`: the token and a newline on stdout,
//! nothing else, whatever tok says on stderr — checked directly and with the real cargo asking
//! a registry (tests/support/api-front.py) for a crate's owners.
//!
//! See: issue 3.

use std::process::Stdio;

use crate::fronts::Front;
use crate::support::{Provider, Tok, logged_in, tok_bin};

#[test]
fn print_satisfies_token_from_stdout() {
    // (Tokens of the default lifetime: still live when the provider is asked about them below,
    // however slow the machine.)
    let (provider, tok) = logged_in(&[]);
    // As cargo runs it: its registry variables set, stdin inherited (here: none), and the
    // token refreshed on this call, with -v chatter on stderr.
    for args in [
        &["print", "-p", "work", "--force-refresh"][..],
        &["-v", "print", "-p", "work", "--force-refresh"][..],
    ] {
        let out = tok
            .command(args)
            .env(
                "CARGO_REGISTRY_INDEX_URL",
                "sparse+https://crates.example.com/index/",
            )
            .env("CARGO_REGISTRY_NAME_OPT", "example")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let r = tok.record(out);
        assert!(r.ok(), "{r:?}");
        let token = r.stdout.strip_suffix('\n').expect("newline-terminated");
        assert!(
            !token.is_empty() && !token.contains(['\n', '\r', ' ']),
            "{r:?}"
        );
        assert!(provider.active(token));
    }
    assert!(provider.refreshes() >= 2);
}

#[test]
fn real_cargo_gets_its_registry_token_from_tok() {
    let provider = Provider::start();
    let registry = Front::start("api-front.py", &[&provider.issuer]);
    let tok = Tok::new();
    tok.login(&provider, "work");
    let cargo_home = tok.path("cargo-home");
    std::fs::create_dir_all(&cargo_home).unwrap();
    // The block README.md documents, with this tok binary.
    std::fs::write(
        cargo_home.join("config.toml"),
        format!(
            "[registries.example]\nindex = \"sparse+http://127.0.0.1:{}/index/\"\ncredential-provider = [\"cargo:token-from-stdout\", {:?}, \"print\", \"-p\", \"work\"]\n",
            registry.port,
            tok_bin().display().to_string()
        ),
    )
    .unwrap();
    // The toolchain's cargo itself (not the rustup proxy, which would look for toolchains
    // under tok's temporary HOME).
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = tok
        .tool(cargo)
        .args(["owner", "--list", "foo", "--registry", "example"])
        .env("CARGO_HOME", &cargo_home)
        .current_dir(tok.path(""))
        .output()
        .unwrap();
    let r = tok.record(out);
    assert!(
        r.ok(),
        "cargo owner failed: {r:?} {:?}",
        registry.requests()
    );
    assert!(r.stdout.contains("alice"), "{r:?}");
    // cargo sent the token raw in `Authorization`, and the registry found it live.
    // (At least once: under load cargo may retry a request it considers spuriously failed.)
    assert!(registry.count("raw", 200) >= 1, "{:?}", registry.requests());
    tok.assert_no_leak(&[tok.print("work")]);
}
