//! Which way a request goes: the proxy variables and `NO_PROXY` against a destination URL.
//! Input lines: destination, `https_proxy`, `http_proxy`, `all_proxy`, `no_proxy` (an empty
//! or missing line: unset).
//!
//! Checks: a loopback destination is never proxied; `NO_PROXY=*` or the destination's own host
//! in the list sends it direct; a proxy comes from the variable of the destination's scheme,
//! else `all_proxy`. Leak check: a proxy value's password is the random marker (spliced in
//! before the value's last `@`), and neither the route's description nor the error naming a
//! bad variable may hold it; no fixed text of tok can contain a random marker.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{ProxyEnv, Route};

fuzz_target!(|data: &[u8]| {
    let data = tok_fuzz::unmarked(data);
    let Ok(text) = std::str::from_utf8(&data) else {
        return;
    };
    let mut lines = text.split('\n');
    let Ok(dest) = url::Url::parse(lines.next().unwrap_or("")) else {
        return;
    };
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
        let host = dest.host_str().unwrap_or("").to_ascii_lowercase();
        l.split([',', ' '])
            .map(str::trim)
            .any(|e| e == "*" || (!host.is_empty() && e.eq_ignore_ascii_case(&host)))
    });
    match tok::proxy_route(&dest, None, &env) {
        Ok(route) => {
            let shown = route.describe();
            tok_fuzz::assert_one_line(&shown);
            assert!(
                !shown.contains(tok_fuzz::marker()),
                "a proxy password shown: {shown}"
            );
            if let Route::Proxy { from, .. } = &route {
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
            assert!(
                !msg.contains(tok_fuzz::marker()),
                "a proxy password in an error: {msg}"
            );
        }
    }
});
