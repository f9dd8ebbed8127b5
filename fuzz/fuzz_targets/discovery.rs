//! Discovery documents (RFC 8414, OIDC Discovery): parse, then the issuer check.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = tok::parse_metadata(data) {
        let issuer = url::Url::parse("https://id.example/").expect("static URL");
        let _ = tok::check_issuer(&issuer, &m);
    }
});
