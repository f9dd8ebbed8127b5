//! cargo's `cargo:token-from-stdout` contract for `tok print`: the token and a newline on stdout,
//! nothing else, whatever tok says on stderr. (See README, "Using tok with other tools".)
//!
//! See: issue 3.

use std::process::Stdio;

use crate::support::{Provider, Tok};

#[test]
fn print_satisfies_token_from_stdout() {
    let provider = Provider::start_with(&[("TOK_TEST_AT_TTL", "2")]);
    let tok = Tok::new();
    tok.login(&provider, "work");
    // As cargo runs it: its registry variables set, stdin inherited (here: none), and the
    // token refreshed on this call (2 s tokens are under the leeway), with -v chatter on stderr.
    for args in [
        &["print", "-p", "work"][..],
        &["-v", "print", "-p", "work"][..],
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
