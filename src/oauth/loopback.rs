//! The loopback listener of the browser flow (RFC 8252 §7.3): the one-time start link, the
//! redirect callback, and the pages the browser ends on.
//!
//! The listener is bound to the redirect URI's loopback address(es) — by default 127.0.0.1 on an
//! OS-chosen port — and held for the whole flow (no probe-then-rebind race); other local users can see the port, so everything here assumes
//! they will talk to it:
//! - The browser is started on `/start/<random>`, which redirects to the authorization URL
//!   exactly once: a browser's argv is readable by every user (`/proc/*/cmdline`), and the
//!   authorization URL's `state` and `code_challenge` would let one of them deliver their own
//!   code first (login CSRF). A second fetch gets an error page and tok warns.
//! - Each connection has one deadline for its whole request line and headers, and the slots for
//!   connections still sending them are reclaimed from the oldest: slow or silent connections
//!   cannot keep the real callback out.
//! - Requests whose `state` does not match are answered and ignored, so a forged callback cannot
//!   end the login; only the deadline or the real callback does.
//! - The callback is answered, once the login's outcome is known, with a redirect to `/done` or
//!   `/failed`, so no code or state stays in the address bar or the history.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::OAuthError;
use super::redirect::RedirectUri;
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

/// What [`Listener::wait_event`] returns.
#[derive(Debug)]
pub enum Waited {
    Callback(Callback),
    /// The browser opened the start link after the pushed request it leads to expired
    /// (RFC 9126 `expires_in`): the browser waits for [`Listener::restart`] with a new one.
    LinkExpired,
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
    parse_callback_at(target, "/callback", expected_state)
}

/// [`parse_callback`] for a redirect URI whose path is `callback_path`.
pub fn parse_callback_at(target: &str, callback_path: &str, expected_state: &str) -> Outcome {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != callback_path {
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

/// What the browser's closing pages say: which login this was.
#[derive(Debug, Clone)]
pub struct Pages {
    pub profile: String,
    pub issuer: String,
}

/// Connections still sending their request line and headers, at most this many at once; a new
/// one beyond it closes the oldest (a slow or silent one), never itself.
pub const MAX_READING: usize = 64;
/// How long one connection may take to send its whole request line and headers.
pub const HEADER_DEADLINE: Duration = Duration::from_secs(3);
/// How long the listener outlives the login, at most, for the browser to fetch `/done` or
/// `/failed` (it stops as soon as the page is served). A browser on a loaded machine was seen
/// taking more than 3 s, and then showed no page at all.
/// (Unit tests that never fetch the page need not wait that long.)
const LINGER: Duration = if cfg!(test) {
    Duration::from_millis(300)
} else {
    Duration::from_secs(10)
};

type Warn = Box<dyn Fn(String) + Send + Sync>;

pub struct Listener {
    /// Kept across waits, so nothing sent between two of them is lost.
    events: Mutex<Option<mpsc::Receiver<Waited>>>,
    port: u16,
    redirect: RedirectUri,
    shared: Arc<Shared>,
    servers: Vec<std::thread::JoinHandle<()>>,
}

struct Shared {
    pages: Pages,
    /// The redirect URI's path: where the callback arrives.
    callback_path: String,
    warn: Warn,
    stop: AtomicBool,
    next_id: AtomicU64,
    /// Connections still reading headers, oldest first (a clone of each, to shut it down).
    reading: Mutex<VecDeque<(u64, TcpStream)>>,
    flow: Mutex<Flow>,
    changed: Condvar,
}

#[derive(Default)]
struct Flow {
    /// `/start/<this>` and where it leads; taken by the first fetch.
    start: Option<(String, Option<String>)>,
    state: Option<String>,
    callbacks: Option<mpsc::Sender<Waited>>,
    /// When the URL behind the start link stops working (a pushed request's expiry).
    start_expires: Option<Instant>,
    /// The new URL for a browser that found the start link expired.
    restarted: Option<String>,
    /// Set by [`Listener::finish`]: whether the login succeeded.
    outcome: Option<bool>,
    /// A closing page was served.
    page_served: bool,
}

impl Listener {
    /// Bind the redirect URI's address(es) and port (any free one for port 0), keep them, and
    /// serve them on threads until dropped. `warn` is told about what the user should know (the
    /// start link fetched twice).
    pub fn bind(
        pages: Pages,
        redirect: &RedirectUri,
        warn: impl Fn(String) + Send + Sync + 'static,
    ) -> Result<Self, OAuthError> {
        let (listeners, port) = redirect.bind()?;
        let shared = Arc::new(Shared {
            pages,
            callback_path: redirect.path.clone(),
            warn: Box::new(warn),
            stop: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
            reading: Mutex::new(VecDeque::new()),
            flow: Mutex::new(Flow::default()),
            changed: Condvar::new(),
        });
        let mut servers = Vec::with_capacity(listeners.len());
        for listener in listeners {
            listener
                .set_nonblocking(true)
                .map_err(|e| OAuthError::Login(e.to_string()))?;
            let s = shared.clone();
            servers.push(std::thread::spawn(move || serve(listener, s)));
        }
        Ok(Self {
            events: Mutex::new(None),
            port,
            redirect: redirect.clone(),
            shared,
            servers,
        })
    }

    pub fn redirect_uri(&self) -> String {
        self.redirect.with_port(self.port)
    }

    /// A one-time link on this listener that redirects to `authorization_url`, for the
    /// browser's argv; `state` is the one the callback must carry.
    pub fn start_link(&self, authorization_url: &str, state: &str) -> String {
        let token = super::pkce::random_urlsafe(16);
        let mut flow = self.shared.lock_flow();
        flow.start = Some((token.clone(), Some(authorization_url.to_string())));
        flow.state = Some(state.to_string());
        format!("{}/start/{token}", self.redirect.origin(self.port))
    }

    /// Wait until the callback with `state` arrives or `deadline` passes.
    #[cfg(test)]
    pub fn wait(&self, state: &str, deadline: Instant) -> Result<Callback, OAuthError> {
        loop {
            if let Waited::Callback(cb) = self.wait_event(state, deadline)? {
                return Ok(cb);
            }
        }
    }

    /// [`Listener::wait`], also returning when the browser needs a new start URL.
    pub fn wait_event(&self, state: &str, deadline: Instant) -> Result<Waited, OAuthError> {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        if events.is_none() {
            let (tx, rx) = mpsc::channel();
            let mut flow = self.shared.lock_flow();
            flow.state = Some(state.to_string());
            flow.callbacks = Some(tx);
            *events = Some(rx);
        }
        events
            .as_ref()
            .expect("set above")
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|_| OAuthError::Expired)
    }

    /// The URL behind the start link stops working at `expires` (a pushed request's expiry);
    /// a browser opening the link later makes [`Listener::wait_event`] return
    /// [`Waited::LinkExpired`].
    pub fn expires(&self, expires: Instant) {
        self.shared.lock_flow().start_expires = Some(expires);
    }

    /// Send the browser that found the start link expired on to `url`, valid until `expires`.
    pub fn restart(&self, url: &str, expires: Option<Instant>) {
        let mut flow = self.shared.lock_flow();
        flow.restarted = Some(url.to_string());
        flow.start_expires = expires;
        self.shared.changed.notify_all();
    }

    /// Tell the browser how the login ended: its callback request, held until now, is
    /// redirected to `/done` or `/failed`. The listener then lingers briefly (on drop) so the
    /// browser can fetch that page.
    pub fn finish(&self, ok: bool) {
        let mut flow = self.shared.lock_flow();
        if flow.outcome.is_none() {
            flow.outcome = Some(ok);
        }
        self.shared.changed.notify_all();
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        {
            let mut flow = self.shared.lock_flow();
            if flow.outcome.is_none() {
                flow.outcome = Some(false);
                self.shared.changed.notify_all();
            }
            // A callback was answered: give the browser a moment to fetch its page.
            if flow
                .callbacks
                .as_ref()
                .is_some_and(|_| flow.state.is_none())
            {
                let until = Instant::now() + LINGER;
                while !flow.page_served && Instant::now() < until {
                    let left = until.saturating_duration_since(Instant::now());
                    flow = match self.shared.changed.wait_timeout(flow, left) {
                        Ok((f, _)) => f,
                        Err(e) => e.into_inner().0,
                    };
                }
            }
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        for t in self.servers.drain(..) {
            let _ = t.join();
        }
    }
}

impl Shared {
    fn lock_flow(&self) -> std::sync::MutexGuard<'_, Flow> {
        self.flow.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn serve(listener: TcpListener, shared: Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
                if let Ok(clone) = stream.try_clone() {
                    let mut reading = shared.reading.lock().unwrap_or_else(|e| e.into_inner());
                    if reading.len() >= MAX_READING
                        && let Some((_, oldest)) = reading.pop_front()
                    {
                        // Still sending headers after everything newer: the least likely to be
                        // the browser.
                        let _ = oldest.shutdown(Shutdown::Both);
                    }
                    reading.push_back((id, clone));
                }
                let shared = shared.clone();
                std::thread::spawn(move || handle(stream, id, &shared));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Read one request's target within [`HEADER_DEADLINE`] in total.
fn read_target(stream: &mut TcpStream) -> Option<String> {
    let deadline = Instant::now() + HEADER_DEADLINE;
    let _ = stream.set_nonblocking(false);
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => return req.path.map(str::to_string),
            Ok(httparse::Status::Partial) if buf.len() < 16 * 1024 => continue,
            _ => {
                respond(
                    stream,
                    400,
                    "Bad request",
                    "tok could not read this request.",
                );
                return None;
            }
        }
    }
}

/// The start link was opened after its URL expired: ask the login for a new one and wait for
/// it (`None`: none came).
fn fresh_start(shared: &Shared, mut flow: std::sync::MutexGuard<'_, Flow>) -> Option<String> {
    let tx = flow.callbacks.clone()?;
    flow.restarted = None;
    tx.send(Waited::LinkExpired).ok()?;
    let until = Instant::now() + Duration::from_secs(60);
    while flow.restarted.is_none() && flow.outcome.is_none() && Instant::now() < until {
        let left = until.saturating_duration_since(Instant::now());
        flow = match shared.changed.wait_timeout(flow, left) {
            Ok((f, _)) => f,
            Err(e) => e.into_inner().0,
        };
    }
    flow.restarted.take()
}

fn handle(mut stream: TcpStream, id: u64, shared: &Shared) {
    let target = read_target(&mut stream);
    shared
        .reading
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(i, _)| *i != id);
    let Some(target) = target else { return };
    let path = target.split('?').next().unwrap_or("");
    let Pages { profile, issuer } = &shared.pages;
    let (profile, issuer) = (html_escape(profile), html_escape(issuer));
    if let Some(token) = path.strip_prefix("/start/") {
        let mut flow = shared.lock_flow();
        match &mut flow.start {
            Some((t, url)) if t == token => match url.take() {
                Some(url) => {
                    let url = if flow.start_expires.is_some_and(|e| Instant::now() >= e) {
                        fresh_start(shared, flow)
                    } else {
                        drop(flow);
                        Some(url)
                    };
                    match url {
                        Some(url) => redirect(&mut stream, &url),
                        None => respond(
                            &mut stream,
                            410,
                            "Link expired",
                            "This sign-in link expired before it was opened. Return to the terminal and run the login again.",
                        ),
                    }
                }
                None => {
                    drop(flow);
                    (shared.warn)(
                        "the sign-in start link was used twice: the second request was refused. If you did not open it twice, another program on this machine may be trying to take over this login; check that the page you approve shows your own account".into(),
                    );
                    respond(
                        &mut stream,
                        410,
                        "Link already used",
                        "This sign-in link works once and was already used. Return to the terminal; if you did not open it yourself, cancel the login (Ctrl-C) and run it again.",
                    );
                }
            },
            _ => {
                drop(flow);
                respond(
                    &mut stream,
                    404,
                    "Not this login",
                    "tok ignored this request: not found.",
                );
            }
        }
        return;
    }
    if path == "/done" || path == "/failed" {
        let ok = path == "/done";
        if ok {
            respond(
                &mut stream,
                200,
                "Signed in",
                &format!(
                    "tok signed in profile <b>{profile}</b> at <b>{issuer}</b>. You may close this tab and return to the terminal."
                ),
            );
        } else {
            respond(
                &mut stream,
                200,
                "Sign-in failed",
                &format!(
                    "tok could not sign in profile <b>{profile}</b> at <b>{issuer}</b>. The terminal says why. To try again, run <code>tok login -p {profile}</code> there."
                ),
            );
        }
        // Only now may the process end: an exit while the page was being written left the
        // browser with no page at all.
        let mut flow = shared.lock_flow();
        flow.page_served = true;
        shared.changed.notify_all();
        return;
    }
    let state = shared.lock_flow().state.clone().unwrap_or_default();
    match parse_callback_at(&target, &shared.callback_path, &state) {
        Outcome::Done(cb) => {
            let mut flow = shared.lock_flow();
            let Some(tx) = flow.callbacks.clone().filter(|_| flow.state.is_some()) else {
                drop(flow);
                respond(
                    &mut stream,
                    400,
                    "Not this login",
                    "tok ignored this request: the login already has its callback.",
                );
                return;
            };
            // One callback per login: a replay of it is ignored.
            flow.state = None;
            let _ = tx.send(Waited::Callback(cb));
            // Hold the browser's request until the login's outcome is known, then send it to
            // the page that tells it.
            let until = Instant::now() + Duration::from_secs(300);
            while flow.outcome.is_none() && Instant::now() < until {
                let left = until.saturating_duration_since(Instant::now());
                flow = match shared.changed.wait_timeout(flow, left) {
                    Ok((f, _)) => f,
                    Err(e) => e.into_inner().0,
                };
            }
            let page = if flow.outcome == Some(true) {
                "/done"
            } else {
                "/failed"
            };
            drop(flow);
            redirect(&mut stream, page);
        }
        Outcome::Ignore(why) => {
            let status = if why == "not found" { 404 } else { 400 };
            respond(
                &mut stream,
                status,
                "Not this login",
                &format!("tok ignored this request: {why}."),
            );
        }
    }
}

fn redirect(stream: &mut TcpStream, location: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 303 See Other\r\nlocation: {location}\r\ncontent-length: 0\r\ncache-control: no-store\r\nreferrer-policy: no-referrer\r\nconnection: close\r\n\r\n"
    );
    let _ = stream.flush();
}

fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>tok: {title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        410 => "Gone",
        _ => "Bad Request",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\ncache-control: no-store\r\nreferrer-policy: no-referrer\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, SocketAddr};

    impl Listener {
        fn addr(&self) -> SocketAddr {
            (Ipv4Addr::LOCALHOST, self.port).into()
        }
    }

    fn pages() -> Pages {
        Pages {
            profile: "work".into(),
            issuer: "https://id.example".into(),
        }
    }

    fn get(addr: SocketAddr, target: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn the_start_link_works_once_and_warns_on_reuse() {
        let warned = Arc::new(Mutex::new(Vec::new()));
        let w = warned.clone();
        let l = Listener::bind(pages(), &RedirectUri::default(), move |m| {
            w.lock().unwrap().push(m)
        })
        .unwrap();
        let link = l.start_link("https://id.example/auth?state=s1&code_challenge=c", "s1");
        assert!(
            !link.contains("state") && !link.contains("challenge"),
            "{link}"
        );
        let path = link.split_once(&l.addr().port().to_string()).unwrap().1;
        assert!(path.starts_with("/start/"), "{path}");
        let first = get(l.addr(), path);
        assert!(first.starts_with("HTTP/1.1 303"), "{first}");
        assert!(
            first.contains("location: https://id.example/auth?state=s1&code_challenge=c\r\n"),
            "{first}"
        );
        assert!(warned.lock().unwrap().is_empty());
        let second = get(l.addr(), path);
        assert!(second.starts_with("HTTP/1.1 410"), "{second}");
        assert!(!second.contains("code_challenge"), "{second}");
        assert!(warned.lock().unwrap()[0].contains("used twice"));
        // A guessed link is not found, and not counted as a reuse.
        assert!(get(l.addr(), "/start/guess").starts_with("HTTP/1.1 404"));
        assert_eq!(warned.lock().unwrap().len(), 1);
    }

    #[test]
    fn more_slow_drip_connections_than_slots_do_not_keep_the_callback_out() {
        let l = Listener::bind(pages(), &RedirectUri::default(), |_| {}).unwrap();
        let addr = l.addr();
        let stop = Arc::new(AtomicBool::new(false));
        let drippers: Vec<_> = (0..MAX_READING + 16)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let _ = s.write_all(b"G");
                    while !stop.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(200));
                        if s.write_all(b"E").is_err() {
                            return true;
                        }
                    }
                    false
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200));
        l.start_link("https://id.example/auth", "right");
        let t = std::thread::spawn(move || get(addr, "/callback?code=good&state=right"));
        let cb = l
            .wait("right", Instant::now() + Duration::from_secs(10))
            .expect("the callback gets in behind the drippers");
        assert!(matches!(cb, Callback::Code { ref code, .. } if code.expose() == "good"));
        l.finish(true);
        assert!(t.join().unwrap().starts_with("HTTP/1.1 303"));
        // Every dripper was cut at its header deadline (or evicted), none waited for.
        std::thread::sleep(HEADER_DEADLINE + Duration::from_millis(500));
        stop.store(true, Ordering::SeqCst);
        let cut = drippers
            .into_iter()
            .map(|d| d.join().unwrap())
            .filter(|cut| *cut)
            .count();
        assert_eq!(cut, MAX_READING + 16);
    }

    #[test]
    fn the_callback_ends_on_a_clean_page_naming_the_login() {
        for (ok, page, says) in [
            (true, "/done", "Signed in"),
            (false, "/failed", "tok login -p work"),
        ] {
            let l = Listener::bind(pages(), &RedirectUri::default(), |_| {}).unwrap();
            let addr = l.addr();
            // The login's state is known before any callback can arrive (as with a browser,
            // started on the start link).
            l.start_link("https://id.example/auth", "right");
            let t = std::thread::spawn(move || get(addr, "/callback?code=good&state=right"));
            l.wait("right", Instant::now() + Duration::from_secs(10))
                .unwrap();
            l.finish(ok);
            let answer = t.join().unwrap();
            assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
            assert!(
                answer.contains(&format!("location: {page}\r\n")),
                "{answer}"
            );
            let shown = get(addr, page);
            assert!(
                shown.contains(says) && shown.contains("https://id.example"),
                "{shown}"
            );
            assert!(shown.contains("<b>work</b>"), "{shown}");
            assert!(!shown.contains("good"), "{shown}");
            drop(l);
        }
    }

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
        let l = Listener::bind(pages(), &RedirectUri::default(), |_| {}).unwrap();
        let addr = l.addr();
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
        // A deadline shorter than HEADER_DEADLINE: a listener that waits for the silent
        // connection first would expire before it reads the callback.
        let cb = l
            .wait("right", Instant::now() + HEADER_DEADLINE / 2)
            .expect("the callback is read while the silent connection is still open");
        assert!(matches!(cb, Callback::Code { ref code, .. } if code.expose() == "good"));
        l.finish(true);
        assert!(t.join().unwrap().starts_with("HTTP/1.1 303"));
        drop(silent);
    }

    #[test]
    fn only_loopback_is_bound() {
        let l = Listener::bind(pages(), &RedirectUri::default(), |_| {}).unwrap();
        assert_eq!(l.addr().ip(), std::net::IpAddr::V4(Ipv4Addr::LOCALHOST));
        // Not reachable through IPv6 loopback or any other local address.
        assert!(TcpStream::connect(("::1", l.addr().port())).is_err());
        if let Ok(other) = std::net::UdpSocket::bind("0.0.0.0:0")
            .and_then(|u| u.connect("192.0.2.1:9").map(|_| u))
            .and_then(|u| u.local_addr())
            && !other.ip().is_loopback()
        {
            assert!(TcpStream::connect((other.ip(), l.addr().port())).is_err());
        }
    }

    #[test]
    fn forged_callback_does_not_end_the_wait() {
        let l = Listener::bind(pages(), &RedirectUri::default(), |_| {}).unwrap();
        let port = l.redirect_uri();
        assert!(port.starts_with("http://127.0.0.1:"));
        let addr = l.addr();
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
                real.starts_with("HTTP/1.1 303") && real.contains("location: /done"),
                "{real}"
            );
        });
        let cb = l
            .wait("right", Instant::now() + Duration::from_secs(10))
            .unwrap();
        assert!(matches!(cb, Callback::Code { ref code, .. } if code.expose() == "good"));
        l.finish(true);
        t.join().unwrap();
    }

    #[test]
    fn times_out() {
        let l = Listener::bind(pages(), &RedirectUri::default(), |_| {}).unwrap();
        assert!(matches!(
            l.wait("s", Instant::now() + Duration::from_millis(100)),
            Err(OAuthError::Expired)
        ));
    }
}
