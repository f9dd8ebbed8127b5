//! The loopback redirect listener of the browser flow (RFC 8252 §7.3).
//!
//! The listener is bound to 127.0.0.1 on an OS-chosen port and held for the whole flow (no
//! probe-then-rebind race). Requests whose `state` does not match are answered and ignored, so a
//! forged callback cannot end the login; only the deadline or the real callback does.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use super::OAuthError;
use crate::secret::Ephemeral;

/// What the callback said, once its `state` matched.
#[derive(Debug)]
pub enum Callback {
    Code {
        code: Ephemeral,
        iss: Option<String>,
    },
    Error {
        error: String,
        description: Option<String>,
    },
}

/// How one incoming request is treated.
#[derive(Debug)]
pub enum Outcome {
    /// The real callback.
    Done(Callback),
    /// Not ours (other path, missing or wrong state): answer and keep waiting.
    Ignore(&'static str),
}

/// Decide about one request target (`/callback?code=…&state=…`). Pure, for tests and fuzzing.
pub fn parse_callback(target: &str, expected_state: &str) -> Outcome {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/callback" {
        return Outcome::Ignore("not found");
    }
    let mut state = None;
    let mut code = None;
    let mut iss = None;
    let mut error = None;
    let mut description = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match k.as_ref() {
            "state" => &mut state,
            "code" => &mut code,
            "iss" => &mut iss,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_some() {
            return Outcome::Ignore("duplicate parameter");
        }
        *slot = Some(v.into_owned());
    }
    if state.as_deref() != Some(expected_state) {
        return Outcome::Ignore("state does not match this login");
    }
    match (code, error) {
        (_, Some(error)) => Outcome::Done(Callback::Error {
            error: super::sanitize(&error),
            description: description.map(|d| super::sanitize(&d)),
        }),
        (Some(code), None) if !code.is_empty() => Outcome::Done(Callback::Code {
            code: Ephemeral::new(code),
            iss,
        }),
        _ => Outcome::Ignore("no code"),
    }
}

pub struct Listener {
    listener: TcpListener,
    addr: SocketAddr,
}

impl Listener {
    /// Bind 127.0.0.1:0 and keep it.
    pub fn bind() -> Result<Self, OAuthError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| {
            OAuthError::Login(format!(
                "cannot listen on 127.0.0.1 for the browser redirect: {e}"
            ))
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| OAuthError::Login(e.to_string()))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| OAuthError::Login(e.to_string()))?;
        Ok(Self { listener, addr })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}/callback", self.addr.port())
    }

    /// Serve requests until the callback with `state` arrives or `deadline` passes.
    ///
    /// Each connection is read on its own thread (at most [`MAX_CONNECTIONS`] at once, each
    /// bounded by [`READ_TIMEOUT`]), so a local process that connects and sends nothing cannot
    /// hold up the real callback.
    pub fn wait(&self, state: &str, deadline: Instant) -> Result<Callback, OAuthError> {
        let (tx, rx) = mpsc::channel();
        let busy = Arc::new(AtomicUsize::new(0));
        loop {
            if let Ok(cb) = rx.try_recv() {
                return Ok(cb);
            }
            if Instant::now() >= deadline {
                return Err(OAuthError::Expired);
            }
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if busy.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                        // Too many open requests: drop this one (the browser would retry).
                        busy.fetch_sub(1, Ordering::SeqCst);
                        continue;
                    }
                    let (tx, busy, state) = (tx.clone(), busy.clone(), state.to_string());
                    std::thread::spawn(move || {
                        if let Some(cb) = handle(stream, &state) {
                            let _ = tx.send(cb);
                        }
                        busy.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(25)),
            }
        }
    }
}

/// Requests read at the same time by the loopback listener.
pub const MAX_CONNECTIONS: usize = 16;
/// How long one connection may take to send its request line and headers.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

fn handle(mut stream: TcpStream, state: &str) -> Option<Callback> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    let target = loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => break req.path.map(str::to_string),
            Ok(httparse::Status::Partial) if buf.len() < 16 * 1024 => continue,
            _ => {
                respond(
                    &mut stream,
                    400,
                    "Bad request",
                    "tok could not read this request.",
                );
                return None;
            }
        }
    }?;
    match parse_callback(&target, state) {
        Outcome::Done(cb) => {
            match &cb {
                Callback::Code { .. } => respond(
                    &mut stream,
                    200,
                    "Signed in",
                    "tok received the authorization. You may close this tab and return to the terminal.",
                ),
                Callback::Error { error, .. } => respond(
                    &mut stream,
                    200,
                    "Sign-in failed",
                    &format!(
                        "The provider answered `{}`. Return to the terminal for details.",
                        html_escape(error)
                    ),
                ),
            }
            Some(cb)
        }
        Outcome::Ignore(why) => {
            let status = if why == "not found" { 404 } else { 400 };
            respond(
                &mut stream,
                status,
                "Not this login",
                &format!("tok ignored this request: {why}."),
            );
            None
        }
    }
}

fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>tok: {title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_state_and_reads_code() {
        match parse_callback("/callback?code=abc&state=s1&iss=https%3A%2F%2Fid", "s1") {
            Outcome::Done(Callback::Code { code, iss }) => {
                assert_eq!(code.expose(), "abc");
                assert_eq!(iss.as_deref(), Some("https://id"));
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn forged_or_foreign_requests_are_ignored() {
        assert!(matches!(
            parse_callback("/callback?code=abc&state=evil", "s1"),
            Outcome::Ignore(_)
        ));
        assert!(matches!(
            parse_callback("/callback?code=abc", "s1"),
            Outcome::Ignore(_)
        ));
        assert!(matches!(
            parse_callback("/favicon.ico", "s1"),
            Outcome::Ignore("not found")
        ));
        assert!(matches!(
            parse_callback("/callback?state=s1&state=s1&code=x", "s1"),
            Outcome::Ignore(_)
        ));
    }

    #[test]
    fn error_callback() {
        assert!(matches!(
            parse_callback("/callback?error=access_denied&state=s1", "s1"),
            Outcome::Done(Callback::Error { ref error, .. }) if error == "access_denied"
        ));
    }

    #[test]
    fn a_silent_connection_does_not_hold_up_the_callback() {
        // See: issue 4. A local process connects and never sends a byte.
        let l = Listener::bind().unwrap();
        let addr = l.addr;
        let silent = TcpStream::connect(addr).unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            let mut s = TcpStream::connect(addr).unwrap();
            write!(
                s,
                "GET /callback?code=good&state=right HTTP/1.1\r\nhost: x\r\n\r\n"
            )
            .unwrap();
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            out
        });
        // A deadline shorter than READ_TIMEOUT: a listener that waits for the silent
        // connection first would expire before it reads the callback.
        let cb = l
            .wait("right", Instant::now() + READ_TIMEOUT / 2)
            .expect("the callback is read while the silent connection is still open");
        assert!(matches!(cb, Callback::Code { ref code, .. } if code.expose() == "good"));
        assert!(t.join().unwrap().starts_with("HTTP/1.1 200"));
        drop(silent);
    }

    #[test]
    fn only_loopback_is_bound() {
        let l = Listener::bind().unwrap();
        assert_eq!(l.addr.ip(), std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
        // Not reachable through IPv6 loopback or any other local address.
        assert!(TcpStream::connect(("::1", l.addr.port())).is_err());
        if let Ok(other) = std::net::UdpSocket::bind("0.0.0.0:0")
            .and_then(|u| u.connect("192.0.2.1:9").map(|_| u))
            .and_then(|u| u.local_addr())
            && !other.ip().is_loopback()
        {
            assert!(TcpStream::connect((other.ip(), l.addr.port())).is_err());
        }
    }

    #[test]
    fn forged_callback_does_not_end_the_wait() {
        let l = Listener::bind().unwrap();
        let port = l.redirect_uri();
        assert!(port.starts_with("http://127.0.0.1:"));
        let addr = l.addr;
        let t = std::thread::spawn(move || {
            let send = |q: &str| {
                let mut s = TcpStream::connect(addr).unwrap();
                write!(s, "GET /callback?{q} HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
                let mut out = String::new();
                let _ = s.read_to_string(&mut out);
                out
            };
            let forged = send("code=evil&state=wrong");
            assert!(forged.starts_with("HTTP/1.1 400"), "{forged}");
            let real = send("code=good&state=right");
            assert!(
                real.starts_with("HTTP/1.1 200") && real.contains("close this tab"),
                "{real}"
            );
        });
        let cb = l
            .wait("right", Instant::now() + Duration::from_secs(10))
            .unwrap();
        assert!(matches!(cb, Callback::Code { ref code, .. } if code.expose() == "good"));
        t.join().unwrap();
    }

    #[test]
    fn times_out() {
        let l = Listener::bind().unwrap();
        assert!(matches!(
            l.wait("s", Instant::now() + Duration::from_millis(100)),
            Err(OAuthError::Expired)
        ));
    }
}
