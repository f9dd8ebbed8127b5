//! The loopback redirect URI of the browser flow (RFC 8252 §7.3), as the profile's
//! `redirect_uri` or `--redirect-uri` give it: `http://127.0.0.1:PORT/PATH`,
//! `http://localhost:PORT/PATH` or `http://[::1]:PORT/PATH`. A port of 0, or none, means any
//! free port (what RFC 8252 asks servers to accept); a fixed port is for servers that match the
//! registered URI exactly, and is never silently replaced by another one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};

use url::{Host, Url};

use super::OAuthError;

/// The loopback host of a redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopbackHost {
    V4,
    V6,
    /// `localhost`: tok listens on every loopback address it resolves to.
    Localhost,
}

/// A validated loopback redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    pub host: LoopbackHost,
    /// 0: any free port.
    pub port: u16,
    /// Starts with `/`.
    pub path: String,
}

impl Default for RedirectUri {
    /// `http://127.0.0.1:<any>/callback`, tok's redirect URI when none is configured.
    fn default() -> Self {
        Self {
            host: LoopbackHost::V4,
            port: 0,
            path: "/callback".into(),
        }
    }
}

impl std::str::FromStr for RedirectUri {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let hint =
            "use http://127.0.0.1:PORT/PATH, http://localhost:PORT/PATH or http://[::1]:PORT/PATH";
        let url = Url::parse(s).map_err(|e| format!("{s:?} is not a URL ({e}); {hint}"))?;
        if url.scheme() != "http" {
            return Err(format!(
                "{s:?} is not an http:// loopback URI (the browser redirect is received on this machine); {hint}"
            ));
        }
        let host = match url.host() {
            Some(Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => LoopbackHost::V4,
            Some(Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => LoopbackHost::V6,
            Some(Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => LoopbackHost::Localhost,
            _ => return Err(format!("{s:?} is not on a loopback host; {hint}")),
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("{s:?} holds a user name or password; {hint}"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("{s:?} has a query or fragment; {hint}"));
        }
        Ok(Self {
            host,
            port: url.port().unwrap_or(0),
            path: url.path().to_string(),
        })
    }
}

impl RedirectUri {
    /// The URI sent to the server once the listener's `port` is known.
    pub fn with_port(&self, port: u16) -> String {
        format!("{}{}", self.origin(port), self.path)
    }

    /// `http://HOST:PORT`, the listener's origin.
    pub fn origin(&self, port: u16) -> String {
        let host = match self.host {
            LoopbackHost::V4 => "127.0.0.1",
            LoopbackHost::V6 => "[::1]",
            LoopbackHost::Localhost => "localhost",
        };
        format!("http://{host}:{port}")
    }

    /// The addresses to listen on for `port`.
    fn addrs(&self, port: u16) -> Result<Vec<SocketAddr>, OAuthError> {
        Ok(match self.host {
            LoopbackHost::V4 => vec![(Ipv4Addr::LOCALHOST, port).into()],
            LoopbackHost::V6 => vec![(Ipv6Addr::LOCALHOST, port).into()],
            LoopbackHost::Localhost => {
                let mut ips: Vec<IpAddr> = ("localhost", port)
                    .to_socket_addrs()
                    .map_err(|e| OAuthError::Login(format!("cannot resolve localhost: {e}")))?
                    .map(|a| a.ip())
                    .filter(IpAddr::is_loopback)
                    .collect();
                ips.sort();
                ips.dedup();
                if ips.is_empty() {
                    return Err(OAuthError::Login(
                        "localhost resolves to no loopback address; use http://127.0.0.1:PORT/PATH as the redirect URI".into(),
                    ));
                }
                ips.into_iter().map(|ip| (ip, port).into()).collect()
            }
        })
    }

    /// Listen on the URI's addresses, on its port (or, for port 0, on one free port shared by
    /// all of them), and return the listeners and the port. A fixed port that is taken fails at
    /// once: another port would not be the URI the server knows.
    pub fn bind(&self) -> Result<(Vec<TcpListener>, u16), OAuthError> {
        let addrs = self.addrs(self.port)?;
        // Port 0 with several addresses: the first picks the port, the others must get it too;
        // another program may hold it on one of them, so try a few.
        let tries = if self.port == 0 && addrs.len() > 1 {
            8
        } else {
            1
        };
        let mut last = None;
        for _ in 0..tries {
            match self.bind_all(&addrs) {
                Ok(bound) => return Ok(bound),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("tried at least once"))
    }

    fn bind_all(&self, addrs: &[SocketAddr]) -> Result<(Vec<TcpListener>, u16), OAuthError> {
        let mut listeners: Vec<TcpListener> = Vec::with_capacity(addrs.len());
        let mut port = self.port;
        for addr in addrs {
            let addr = SocketAddr::new(addr.ip(), port);
            let l = match TcpListener::bind(addr) {
                Ok(l) => l,
                // `localhost` may name an address family this machine has turned off (::1
                // without IPv6): the others still serve it.
                Err(e)
                    if e.kind() == std::io::ErrorKind::AddrNotAvailable
                        && self.host == LoopbackHost::Localhost
                        && addrs.len() > 1 =>
                {
                    continue;
                }
                Err(e) => return Err(self.bind_error(addr, e)),
            };
            if port == 0 {
                port = l
                    .local_addr()
                    .map_err(|e| OAuthError::Login(e.to_string()))?
                    .port();
            }
            listeners.push(l);
        }
        if listeners.is_empty() {
            return Err(OAuthError::Login(
                "cannot listen on any address localhost resolves to; use http://127.0.0.1:PORT/PATH as the redirect URI".into(),
            ));
        }
        Ok((listeners, port))
    }

    fn bind_error(&self, addr: SocketAddr, e: std::io::Error) -> OAuthError {
        if e.kind() == std::io::ErrorKind::AddrInUse && self.port != 0 {
            OAuthError::PortInUse {
                addr: addr.to_string(),
                port: self.port,
            }
        } else {
            OAuthError::Login(format!(
                "cannot listen on {addr} for the browser redirect: {e}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<RedirectUri, String> {
        s.parse()
    }

    #[test]
    fn the_three_loopback_forms_parse() {
        let r = parse("http://127.0.0.1:8400/cb").unwrap();
        assert_eq!(
            (r.host, r.port, r.path.as_str()),
            (LoopbackHost::V4, 8400, "/cb")
        );
        let r = parse("http://localhost/oauth/callback").unwrap();
        assert_eq!((r.host, r.port), (LoopbackHost::Localhost, 0));
        assert_eq!(r.with_port(5), "http://localhost:5/oauth/callback");
        let r = parse("http://[::1]:0/callback").unwrap();
        assert_eq!((r.host, r.port), (LoopbackHost::V6, 0));
        assert_eq!(r.with_port(7), "http://[::1]:7/callback");
        assert_eq!(
            RedirectUri::default().with_port(9),
            "http://127.0.0.1:9/callback"
        );
    }

    #[test]
    fn other_uris_are_refused() {
        for bad in [
            "https://127.0.0.1:8400/cb",
            "http://example.com:8400/cb",
            "http://127.0.0.2:8400/cb",
            "http://0.0.0.0:8400/cb",
            "http://u:p@127.0.0.1:8400/cb",
            "http://127.0.0.1:8400/cb?x=1",
            "http://127.0.0.1:8400/cb#f",
            "127.0.0.1:8400",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_taken_fixed_port_fails_naming_it() {
        let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = held.local_addr().unwrap().port();
        let r = parse(&format!("http://127.0.0.1:{port}/callback")).unwrap();
        match r.bind() {
            Err(OAuthError::PortInUse { port: p, .. }) => assert_eq!(p, port),
            other => panic!("{:?}", other.map(|(_, p)| p)),
        }
        drop(held);
        let (listeners, p) = r.bind().unwrap();
        assert_eq!((listeners.len(), p), (1, port));
    }

    #[test]
    fn localhost_listens_on_its_loopback_addresses_on_one_port() {
        let r = parse("http://localhost/callback").unwrap();
        let (listeners, port) = r.bind().unwrap();
        assert_ne!(port, 0);
        assert!(!listeners.is_empty());
        for l in &listeners {
            let a = l.local_addr().unwrap();
            assert!(a.ip().is_loopback() && a.port() == port, "{a}");
        }
    }
}
