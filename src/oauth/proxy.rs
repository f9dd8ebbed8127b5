//! Which way a request goes: direct, or through which proxy.
//!
//! The rules, decided here for every request (the HTTP crate's own environment lookup is off,
//! so that tok can say which way it went and never sends a loopback request to a proxy):
//! 1. a loopback destination (127.0.0.0/8, ::1, `localhost`) is always reached directly: a
//!    refresh against a local issuer must not carry its refresh token to a proxy, in clear text
//!    over plain http at that;
//! 2. a profile's `proxy` key wins over the environment (`proxy = "none"`: direct);
//! 3. `NO_PROXY` / `no_proxy` (`*`, host names matching themselves and their subdomains,
//!    `.example.com`, IP addresses, IPv4 CIDR blocks, optional `:port`) go direct;
//! 4. `HTTPS_PROXY` (https URLs) or `HTTP_PROXY` (http URLs), else `ALL_PROXY`; the lower-case
//!    spelling of each wins over the upper-case one, as in curl.

use url::Url;

use crate::settings::ProxyEnv;

/// A profile's `proxy` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileProxy {
    /// `proxy = "none"`: always direct, whatever the environment says.
    None,
    /// `proxy = "http://host:port"`.
    Url(Url),
}

/// Why a request goes direct (for `-vv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direct {
    Loopback,
    NoProxy,
    ProfileNone,
    NoneSet,
}

/// The way to a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Direct(Direct),
    /// Through this proxy; `from` names where it was configured (`HTTPS_PROXY`, `profile`).
    Proxy {
        url: Url,
        from: &'static str,
    },
}

impl Route {
    /// For `-vv` and messages: "direct (loopback)", "via proxy http://host:3128 (HTTPS_PROXY)".
    /// Never the proxy's credentials.
    pub fn describe(&self) -> String {
        match self {
            Route::Direct(why) => format!(
                "direct ({})",
                match why {
                    Direct::Loopback => "loopback destination, never proxied",
                    Direct::NoProxy => "NO_PROXY",
                    Direct::ProfileNone => "profile proxy = \"none\"",
                    Direct::NoneSet => "no proxy configured",
                }
            ),
            Route::Proxy { url, from } => format!("via proxy {} ({from})", display(url)),
        }
    }
}

/// A proxy URL as shown to people: scheme, host and port, no credentials.
pub fn display(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(p) => format!("{}://{host}:{p}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// Parse a proxy setting: a URL, or `host:port` (taken as `http://`). Only http and https
/// proxies are supported. The error says what is wrong, never the value (it may hold a
/// password).
pub fn parse_proxy(value: &str) -> Result<Url, String> {
    let v = value.trim();
    let with_scheme = if v.contains("://") {
        v.to_string()
    } else {
        format!("http://{v}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| format!("is not a proxy URL ({e})"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(format!(
                "has the unsupported scheme `{other}` (tok speaks to http:// and https:// proxies)"
            ));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("names no host".into());
    }
    Ok(url)
}

/// The route to `dest`. An unparsable proxy variable is an error naming the variable.
pub fn route(
    dest: &Url,
    profile: Option<&ProfileProxy>,
    env: &ProxyEnv,
) -> Result<Route, (&'static str, String)> {
    if crate::url_policy::is_loopback(dest) {
        return Ok(Route::Direct(Direct::Loopback));
    }
    match profile {
        Some(ProfileProxy::None) => return Ok(Route::Direct(Direct::ProfileNone)),
        Some(ProfileProxy::Url(u)) => {
            return Ok(Route::Proxy {
                url: u.clone(),
                from: "profile `proxy`",
            });
        }
        None => {}
    }
    if env
        .no_proxy
        .as_deref()
        .is_some_and(|list| no_proxy_matches(list, dest))
    {
        return Ok(Route::Direct(Direct::NoProxy));
    }
    let chosen = match dest.scheme() {
        "https" => env.https.as_ref(),
        _ => env.http.as_ref(),
    }
    .or(env.all.as_ref());
    match chosen {
        None => Ok(Route::Direct(Direct::NoneSet)),
        Some((name, value)) => parse_proxy(value)
            .map(|url| Route::Proxy { url, from: name })
            .map_err(|why| (*name, why)),
    }
}

/// Whether a `NO_PROXY` list exempts `dest`.
pub fn no_proxy_matches(list: &str, dest: &Url) -> bool {
    let Some(host) = dest.host_str() else {
        return false;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let port = dest.port_or_known_default();
    list.split([',', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.to_ascii_lowercase();
            // `host:port` (not an IPv6 address): the port must match too.
            let (name, want_port) = match entry.rsplit_once(':') {
                Some((n, p)) if !n.contains(':') && p.parse::<u16>().is_ok() => {
                    (n.to_string(), p.parse::<u16>().ok())
                }
                _ => (entry.clone(), None),
            };
            if want_port.is_some() && want_port != port {
                return false;
            }
            let name = name.trim_start_matches('[').trim_end_matches(']');
            if let Some((net, bits)) = name.split_once('/') {
                return cidr_contains(net, bits, &host);
            }
            let name = name.trim_start_matches("*.").trim_start_matches('.');
            !name.is_empty() && (host == name || host.ends_with(&format!(".{name}")))
        })
}

fn cidr_contains(net: &str, bits: &str, host: &str) -> bool {
    use std::net::IpAddr;
    let (Ok(net), Ok(bits), Ok(ip)) = (
        net.parse::<IpAddr>(),
        bits.parse::<u32>(),
        host.parse::<IpAddr>(),
    ) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> ProxyEnv {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyEnv::from_lookup(move |n| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
    }
    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn loopback_is_never_proxied() {
        let e = env(&[("HTTP_PROXY", "http://p:3128"), ("ALL_PROXY", "p:1")]);
        let profile = ProfileProxy::Url(u("http://q:8080"));
        for d in [
            "http://127.0.0.1:8080/token",
            "http://127.8.9.10/",
            "https://localhost/x",
            "http://[::1]:9/",
        ] {
            assert_eq!(
                route(&u(d), Some(&profile), &e),
                Ok(Route::Direct(Direct::Loopback)),
                "{d}"
            );
        }
    }

    #[test]
    fn scheme_picks_the_variable_and_lower_case_wins() {
        let e = env(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
            ("HTTP_PROXY", "plain:3"),
        ]);
        let Ok(Route::Proxy { url, from }) = route(&u("https://id.example/t"), None, &e) else {
            panic!()
        };
        assert_eq!((url.as_str(), from), ("http://lower:2/", "https_proxy"));
        let Ok(Route::Proxy { url, from }) = route(&u("http://id.example/t"), None, &e) else {
            panic!()
        };
        assert_eq!((url.as_str(), from), ("http://plain:3/", "HTTP_PROXY"));
        let e = env(&[("ALL_PROXY", "http://all:4")]);
        assert!(matches!(
            route(&u("https://id.example/"), None, &e),
            Ok(Route::Proxy {
                from: "ALL_PROXY",
                ..
            })
        ));
        assert_eq!(
            route(&u("https://id.example/"), None, &env(&[])),
            Ok(Route::Direct(Direct::NoneSet))
        );
    }

    #[test]
    fn the_profile_wins_over_the_environment() {
        let e = env(&[("HTTPS_PROXY", "http://env:1"), ("NO_PROXY", "id.example")]);
        let p = ProfileProxy::Url(u("http://mine:2"));
        assert!(matches!(
            route(&u("https://id.example/"), Some(&p), &e),
            Ok(Route::Proxy {
                from: "profile `proxy`",
                ..
            })
        ));
        assert_eq!(
            route(&u("https://other.example/"), Some(&ProfileProxy::None), &e),
            Ok(Route::Direct(Direct::ProfileNone))
        );
    }

    #[test]
    fn no_proxy_forms() {
        let m = |list: &str, d: &str| no_proxy_matches(list, &u(d));
        assert!(m("example.com", "https://example.com/"));
        assert!(m("example.com", "https://id.example.com/"));
        assert!(m(".example.com", "https://id.example.com/"));
        assert!(m("*.example.com", "https://id.example.com/"));
        assert!(!m("example.com", "https://notexample.com/"));
        assert!(m("a.test, example.com", "https://EXAMPLE.com/"));
        assert!(m("*", "https://anything/"));
        assert!(m("10.0.0.0/8", "https://10.2.3.4/"));
        assert!(!m("10.0.0.0/8", "https://11.2.3.4/"));
        assert!(m("id.example:443", "https://id.example/"));
        assert!(!m("id.example:8443", "https://id.example/"));
        assert!(m("[fd00::1]", "https://[fd00::1]/"));
        assert!(!m("", "https://id.example/"));
    }

    #[test]
    fn a_bad_proxy_variable_is_named_without_its_value() {
        let e = env(&[("HTTPS_PROXY", "socks5://user:secret@p:1080")]);
        let Err((name, why)) = route(&u("https://id.example/"), None, &e) else {
            panic!()
        };
        assert_eq!(name, "HTTPS_PROXY");
        assert!(why.contains("socks5") && !why.contains("secret"), "{why}");
    }

    #[test]
    fn routes_are_described_without_credentials() {
        let r = Route::Proxy {
            url: u("http://user:pw@proxy.corp:3128"),
            from: "HTTPS_PROXY",
        };
        assert_eq!(
            r.describe(),
            "via proxy http://proxy.corp:3128 (HTTPS_PROXY)"
        );
    }
}
