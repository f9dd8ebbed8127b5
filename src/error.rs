//! Exit codes and the mapping from typed errors to them.
//!
//! Core modules return thiserror enums whose variants are decisions; `main` walks the anyhow
//! chain, finds the first typed error and turns it into an exit code and a hint.

use serde::Serialize;

/// tok's exit codes. The table is documented in README.md and the man page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// 1: anything not listed below.
    Failure,
    /// 2: the command line was wrong.
    Usage,
    /// 3: no session, or the refresh token was rejected: `tok login` is needed.
    LoginRequired,
    /// 4: the provider or the network is unavailable (connection errors, timeouts, 429, 5xx).
    Unavailable,
    /// 5: the provider answered something tok cannot use (malformed JSON, HTML, missing fields).
    BadResponse,
    /// 6: the keychain or store could not be used (locked, absent, too slow).
    StoreUnavailable,
    /// 7: the user denied, cancelled, or let a login time out.
    Denied,
    /// 8: the configuration file or a profile is invalid.
    Config,
    /// 9: another tok process held the profile's lock for too long.
    Busy,
}

impl Code {
    pub fn exit_code(self) -> u8 {
        match self {
            Code::Failure => 1,
            Code::Usage => 2,
            Code::LoginRequired => 3,
            Code::Unavailable => 4,
            Code::BadResponse => 5,
            Code::StoreUnavailable => 6,
            Code::Denied => 7,
            Code::Config => 8,
            Code::Busy => 9,
        }
    }

    /// The snake_case name, as in JSON output and the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Code::Failure => "failure",
            Code::Usage => "usage",
            Code::LoginRequired => "login_required",
            Code::Unavailable => "unavailable",
            Code::BadResponse => "bad_response",
            Code::StoreUnavailable => "store_unavailable",
            Code::Denied => "denied",
            Code::Config => "config",
            Code::Busy => "busy",
        }
    }

    /// Every code with its number and meaning, for `--help`, README and tests.
    pub const ALL: [Code; 9] = [
        Code::Failure,
        Code::Usage,
        Code::LoginRequired,
        Code::Unavailable,
        Code::BadResponse,
        Code::StoreUnavailable,
        Code::Denied,
        Code::Config,
        Code::Busy,
    ];
}

/// Implemented by every typed error that maps to an exit code.
pub trait Classify {
    fn code(&self) -> Code;
    /// What the user should do about it, when tok knows.
    fn hint(&self) -> Option<String> {
        None
    }
}

/// The first classified error in the chain decides the exit code and the hint.
pub fn classify(err: &anyhow::Error) -> (Code, Option<String>) {
    for cause in err.chain() {
        if let Some(c) = as_classified(cause) {
            return (c.code(), c.hint());
        }
    }
    (Code::Failure, None)
}

fn as_classified<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a dyn Classify> {
    if let Some(e) = e.downcast_ref::<crate::oauth::OAuthError>() {
        return Some(e);
    }
    if let Some(e) = e.downcast_ref::<crate::store::StoreError>() {
        return Some(e);
    }
    if let Some(e) = e.downcast_ref::<crate::config::ConfigError>() {
        return Some(e);
    }
    if let Some(e) = e.downcast_ref::<crate::session::SessionError>() {
        return Some(e);
    }
    if let Some(e) = e.downcast_ref::<Hinted>() {
        return Some(e);
    }
    None
}

/// A plain error with an explicit code and hint, for command-level decisions.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Hinted {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

impl Hinted {
    pub fn new(code: Code, message: impl Into<String>, hint: Option<String>) -> Self {
        Self {
            code,
            message: message.into(),
            hint,
        }
    }
}

impl Classify for Hinted {
    fn code(&self) -> Code {
        self.code
    }
    fn hint(&self) -> Option<String> {
        self.hint.clone()
    }
}
