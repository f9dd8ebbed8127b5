//! A login by resource URL's untrusted inputs (issue 21): a `WWW-Authenticate` header (RFC 9110
//! §11.6.1), a protected resource's RFC 9728 metadata and its `resource` check, and an RFC 7591
//! registration response. Input lines: the header, the resource URL, then the body (metadata,
//! and the same bytes as a registration answer).
//!
//! Checks: the header parser never panics and every challenge it finds has a scheme; metadata
//! accepted for a URL found at its path-inserted well-known URL names exactly that URL, and for
//! the root form one on the same origin; an accepted registration has a non-empty client id.
//! The registration answer carries a secret (`registration_access_token`): its copy of the body
//! has the random leak marker spliced in (at an offset the body's first two bytes choose), and
//! neither an error nor the accepted registration's `Debug` may hold it, unless a field shown on
//! purpose does (`error`, `error_description`, `client_id`, `registration_client_uri`,
//! `token_endpoint_auth_method`). Errors are one line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::ResourceFound;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let header = parts.next().unwrap_or("");
    let url = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("");

    for c in tok::challenges(header) {
        assert!(!c.scheme.is_empty(), "a challenge without a scheme");
    }
    let _ = tok::resource_metadata(&[header.to_string()]);

    let Ok(url) = Url::parse(url) else { return };
    let at = Url::parse("https://rs.example/.well-known/oauth-protected-resource").unwrap();
    for how in [
        ResourceFound::PathInserted,
        ResourceFound::Root,
        ResourceFound::Challenge,
    ] {
        if let Ok(p) = tok::parse_resource_metadata(&url, how, &at, body.as_bytes()) {
            assert!(!p.authorization_servers.is_empty());
            let stated = Url::parse(&p.resource).expect("an accepted resource is a URL");
            match how {
                ResourceFound::PathInserted => assert_eq!(stated, url),
                _ => assert_eq!(stated.origin(), url.origin()),
            }
        }
    }

    let registration = tok_fuzz::splice(body.as_bytes());
    let shown = [
        "error",
        "error_description",
        "client_id",
        "registration_client_uri",
        "token_endpoint_auth_method",
    ];
    for status in [201u16, 400] {
        let resp = tok_fuzz::response(status, "application/json", &registration);
        match tok::parse_registration(&at, &resp) {
            Ok(r) => {
                assert!(status == 201 && !r.client_id.trim().is_empty());
                tok_fuzz::assert_no_leak(&format!("{r:?}"), &registration, &shown);
            }
            Err(e) => {
                let msg = e.to_string();
                tok_fuzz::assert_one_line(&msg);
                tok_fuzz::assert_no_leak(&msg, &registration, &shown);
            }
        }
    }
});
