//! A resource server's `WWW-Authenticate` header as git hands it to `tok git-credential get`
//! (`wwwauth[]`): any bytes a server sends.
//!
//! Checks: no panic; every challenge has a scheme of token characters; parameter names are
//! lowercase and unique within a challenge; a challenge written back (names, quoted values
//! with escapes) parses to the same challenges; `bearer` agrees with the parse.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn write(chs: &[tok::Challenge]) -> String {
    let quote = |v: &str| format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
    chs.iter()
        .map(|c| match (&c.token68, c.params.is_empty()) {
            (Some(t), _) => format!("{} {t}", c.scheme),
            (None, true) => c.scheme.clone(),
            (None, false) => {
                let ps: Vec<String> = c
                    .params
                    .iter()
                    .map(|(k, v)| format!("{k}={}", quote(v)))
                    .collect();
                format!("{} {}", c.scheme, ps.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(chs) = tok::parse_www_authenticate(text) else {
        return;
    };
    for c in &chs {
        assert!(!c.scheme.is_empty());
        let mut names: Vec<&str> = c.params.iter().map(|(k, _)| k.as_str()).collect();
        assert!(names.iter().all(|n| *n == n.to_ascii_lowercase()));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), c.params.len(), "a parameter twice");
    }
    // Values that came from lossy UTF-8 cannot round-trip byte for byte; the rest must.
    if !chs
        .iter()
        .any(|c| c.params.iter().any(|(_, v)| v.contains('\u{fffd}')))
    {
        let again = tok::parse_www_authenticate(&write(&chs)).expect("tok reads what it wrote");
        assert_eq!(again, chs);
    }
    let first = chs.iter().find(|c| c.scheme.eq_ignore_ascii_case("bearer"));
    assert_eq!(tok::bearer_challenge([text]).is_some(), first.is_some());
});
