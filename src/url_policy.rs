//! Which URLs tok talks to: `https://`, and plain `http://` only for this machine's loopback
//! addresses (RFC 8252 §8.3, RFC 9700), never with credentials in them. Loopback is also the
//! one destination that never goes through a proxy (`oauth::proxy`) and that a remote
//! discovery document may not name (`oauth::discovery`).

use url::Url;

/// Accept `https://` URLs, and `http://` only for loopback hosts (RFC 8252 §8.3, RFC 9700).
/// Errors show the text as one clean line (a config value may hold tabs and line breaks, which
/// the URL parser drops but a terminal would act on).
pub fn check_url(s: &str) -> Result<Url, String> {
    let shown = || crate::output::one_line(s);
    let url = Url::parse(s).map_err(|e| format!("is not a URL ({e}): {}", shown()))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "must use https:// (plain http is allowed only for 127.0.0.1, localhost and [::1]): {}",
                shown()
            ));
        }
        other => return Err(format!("has unsupported scheme `{other}`: {}", shown())),
    }
    if url.host().is_none() {
        return Err(format!("has no host: {}", shown()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".into());
    }
    Ok(url)
}

/// Whether the URL's host is a loopback address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_for_loopback() {
        assert!(check_url("https://id.example.com").is_ok());
        assert!(check_url("http://127.0.0.1:8080").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://[::1]:9/").is_ok());
        let e = check_url("http://id.example.com").unwrap_err();
        assert!(e.contains("must use https://"), "{e}");
        assert!(check_url("ftp://x").is_err());
    }

    /// See: issue 24 (found by the fuzz target `config`): the URL parser drops tabs and line
    /// breaks, so a scheme with a tab inside reached the message, tab and all.
    #[test]
    fn errors_show_the_value_on_one_clean_line() {
        for bad in [
            "f\ttp://x.example/",
            "http://id.exa\nmple/\x1b[2J",
            "ht\rtp:",
        ] {
            let e = check_url(bad).unwrap_err();
            assert!(!e.chars().any(char::is_control), "{e:?}");
        }
    }
}
