//! Which way a request goes: the proxy variables and `NO_PROXY` against a destination URL.
//! Input lines: destination, `https_proxy`, `http_proxy`, `all_proxy`, `no_proxy` (an empty
//! or missing line: unset).
//!
//! Checks: a loopback destination is never proxied; `NO_PROXY=*` or the destination's own host
//! in the list sends it direct; a proxy comes from the variable of the destination's scheme,
//! else `all_proxy`. Leak check: a proxy value's password is the random marker (spliced in
//! before the value's last `@`), and neither the route's description nor the error naming a
//! bad variable may hold it (no fixed text of tok can contain a random marker), unless the
//! parsed host or the scheme named, which are shown, hold it: the fuzzer learns the marker
//! from this check and spells it into a host, in upper case or percent-encoded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{ProxyEnv, Route};

fuzz_target!(|data: &[u8]| {
    let data = tok_fuzz::unmarked(data);
    let Ok(text) = std::str::from_utf8(&data) else {
        return;
    };
    let mut lines = text.split('\n');
    // tok sends requests to http and https URLs with a host only (`check_url`).
    let Ok(dest) = url::Url::parse(lines.next().unwrap_or("")) else {
        return;
    };
    if !matches!(dest.scheme(), "http" | "https") || dest.host_str().is_none_or(str::is_empty) {
        return;
    }
    let with_password = |v: &str| match v.rfind('@') {
        Some(i) => format!("{}:{}{}", &v[..i], tok_fuzz::marker(), &v[i..]),
        None => v.to_string(),
    };
    let mut var = |name: &'static str| {
        lines
            .next()
            .filter(|v| !v.is_empty())
            .map(|v| (name, with_password(v)))
    };
    let env = ProxyEnv {
        https: var("https_proxy"),
        http: var("http_proxy"),
        all: var("all_proxy"),
        no_proxy: var("no_proxy").map(|(_, v)| v),
    };
    let loopback = match dest.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let listed = env.no_proxy.as_deref().is_some_and(|l| {
        // A host name of dots only (`http://./`) names nothing a list entry could match.
        let host = dest.host_str().unwrap_or("").to_ascii_lowercase();
        let named = host.trim_start_matches('.').len() == host.len() && !host.is_empty();
        l.split([',', ' '])
            .map(str::trim)
            .any(|e| e == "*" || (named && e.eq_ignore_ascii_case(&host)))
    });
    match tok::proxy_route(&dest, None, &env) {
        Ok(route) => {
            let shown = route.describe();
            tok_fuzz::assert_one_line(&shown);
            if let Route::Proxy { from, url } = &route {
                // The fuzzer may have spelled the marker into the host itself (learned from
                // this very check, in another case or percent-encoded): that one is shown.
                let in_host = url
                    .host_str()
                    .is_some_and(|h| h.contains(tok_fuzz::marker()));
                assert!(
                    !shown.contains(tok_fuzz::marker()) || in_host,
                    "a proxy password shown: {shown}"
                );
                assert!(!loopback, "a loopback destination was proxied");
                assert!(!listed, "a destination NO_PROXY names was proxied");
                let expected = match dest.scheme() {
                    "https" => env.https.as_ref(),
                    _ => env.http.as_ref(),
                }
                .or(env.all.as_ref())
                .map(|(n, _)| *n);
                assert_eq!(
                    Some(*from),
                    expected,
                    "the proxy came from the wrong variable"
                );
            }
        }
        Err((name, why)) => {
            assert!(!loopback && !listed, "refused a route that needs no proxy");
            let msg = format!("{name} {why}");
            tok_fuzz::assert_one_line(&msg);
            // Only the scheme of the value is ever named; the fuzzer may have spelled the
            // marker into it.
            let in_scheme = msg
                .split('`')
                .nth(1)
                .is_some_and(|scheme| scheme.contains(tok_fuzz::marker()));
            assert!(
                !msg.contains(tok_fuzz::marker()) || in_scheme,
                "a proxy password in an error: {msg}"
            );
        }
    }
});
