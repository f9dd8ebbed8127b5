//! Discovery documents (RFC 8414, OIDC Discovery): parse, then the issuer check, exact and as a
//! login makes it (modulo one trailing slash). Errors are one line. No leak check: a discovery
//! document is public, and the issuer it names is shown on purpose.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::IssuerMatch;

fuzz_target!(|data: &[u8]| {
    match tok::parse_metadata(data) {
        Ok(m) => {
            for how in [IssuerMatch::Exact, IssuerMatch::ModuloSlash] {
                if let Err(e) = tok::check_issuer("https://id.example/", &m, how) {
                    tok_fuzz::assert_one_line(&e.to_string());
                }
            }
        }
        Err(e) => tok_fuzz::assert_one_line(&e.to_string()),
    }
});
