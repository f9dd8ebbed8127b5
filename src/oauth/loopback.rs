//! The loopback redirect listener of the browser flow (RFC 8252 §7.3).
//!
//! The listener is bound to 127.0.0.1 on an OS-chosen port and held for the whole flow (no
//! probe-then-rebind race). Requests whose `state` does not match are answered and ignored, so a
//! forged callback cannot end the login; only the deadline or the real callback does.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
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
    pub fn wait(&self, state: &str, deadline: Instant) -> Result<Callback, OAuthError> {
        loop {
            if Instant::now() >= deadline {
                return Err(OAuthError::Expired);
            }
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if let Some(cb) = handle(stream, state) {
                        return Ok(cb);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(25)),
            }
        }
    }
}

fn handle(mut stream: TcpStream, state: &str) -> Option<Callback> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
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
