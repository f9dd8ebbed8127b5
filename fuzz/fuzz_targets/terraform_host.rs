//! The host Terraform asks its credentials helper about, against a configured host. A match
//! must mean the same text as Terraform forms it (ASCII lowercase, `:443` dropped), never a
//! spelling a URL parser rewrites (`0x7f.1`, `127.1`, `%2e`, a tab); a configured host that
//! normalises must match itself and normalise to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{normalize_terraform_host, terraform_host_matches};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is a configured entry, the rest what Terraform asks about.
    let (configured, asked) = text.split_once('\n').unwrap_or((text, text));
    if let Ok(host) = normalize_terraform_host(configured) {
        assert_eq!(
            normalize_terraform_host(&host).as_deref(),
            Ok(host.as_str())
        );
        assert!(terraform_host_matches(&host, &host), "{host:?}");
        if terraform_host_matches(&host, asked) {
            let lower = asked.to_ascii_lowercase();
            let formed = lower.strip_suffix(":443").unwrap_or(&lower);
            assert_eq!(formed, host, "{asked:?} matched {host:?}");
        }
    }
});
