//! Discovery documents (RFC 8414, OIDC Discovery): parse, then the issuer check, exact and as a
//! login makes it (modulo one trailing slash).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::IssuerMatch;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = tok::parse_metadata(data) {
        for how in [IssuerMatch::Exact, IssuerMatch::ModuloSlash] {
            let _ = tok::check_issuer("https://id.example/", &m, how);
        }
    }
});
