//! The OAuth 2.0 client: discovery, the device and browser grants, refresh and revocation.
//!
//! It knows nothing of where tokens live. Every request goes through [`http`], the only file that
//! names the HTTP crate.

pub mod browser;
pub mod device;
pub mod discovery;
pub mod dpop;
pub mod http;
pub mod loopback;
pub mod pkce;
pub mod retry;
pub mod revoke;
pub mod token;

/// What went wrong talking to the authorization server. Variants are decisions for the caller.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// `invalid_grant`: the refresh token, code or device code is dead. Log in again.
    #[error("{endpoint} rejected the grant (invalid_grant{})", desc(.description))]
    InvalidGrant {
        endpoint: String,
        description: Option<String>,
    },
    /// RFC 8628 §3.5 `authorization_pending`: keep polling.
    #[error("authorization pending")]
    Pending,
    /// RFC 8628 §3.5 `slow_down`: keep polling, 5 s slower.
    #[error("slow down")]
    SlowDown,
    /// The user (or the server on their behalf) refused.
    #[error("the authorization was denied (access_denied{})", desc(.description))]
    AccessDenied { description: Option<String> },
    /// RFC 8628 `expired_token`, or our own deadline on a login.
    #[error("the login expired before it was approved")]
    Expired,
    /// Any other OAuth error code.
    #[error("{endpoint} answered {status} {error}{}", desc(.description))]
    Protocol {
        endpoint: String,
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// Network failure, timeout, 429 or 5xx: the server may work later.
    #[error("{endpoint} is unavailable: {detail}")]
    Unavailable { endpoint: String, detail: String },
    /// The request was sent but no complete answer came back (timeout, reset). The server may
    /// have processed it — for a refresh, possibly spent a rotating refresh token — so it is
    /// never retried.
    #[error("{endpoint} did not answer in full ({detail}); the request may have been processed")]
    Interrupted { endpoint: String, detail: String },
    /// The server answered something that is not a usable OAuth response.
    #[error("{endpoint} sent an unusable response (HTTP {status}, {content_type}): {what}")]
    BadResponse {
        endpoint: String,
        status: u16,
        content_type: String,
        what: String,
    },
    /// Discovery failed or the metadata lacks what we need.
    #[error("{0}")]
    Discovery(String),
    /// The login could not proceed (loopback listener, state mismatch, missing endpoint).
    #[error("{0}")]
    Login(String),
}

fn desc(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

/// The longest text [`sanitize`] returns, in characters (plus an ellipsis).
pub const SANITIZED_MAX: usize = 200;

/// Keep a server-provided description printable: one line, no control characters, no Unicode
/// format characters (a U+202E in an `error_description` would reverse what the terminal shows),
/// bounded, and never repeating a token this process holds (a hostile server may echo the
/// refresh token it was sent, into logs and CI output).
pub fn sanitize(s: &str) -> String {
    // Bound the work first: the redaction below hashes every window of this text.
    let head: String = s.chars().take(4 * SANITIZED_MAX).collect();
    let redacted = crate::secret::redact_held(&head);
    let mut clean = String::new();
    let mut n = 0;
    for c in redacted.chars().filter(|c| !is_format(*c)) {
        if n == SANITIZED_MAX {
            clean.push('…');
            break;
        }
        clean.push(if c.is_control() { ' ' } else { c });
        n += 1;
    }
    if n < SANITIZED_MAX && s.chars().count() > head.chars().count() {
        clean.push('…');
    }
    clean.trim().to_string()
}

/// Unicode general category Cf (format characters), Unicode 15.1: invisible characters that
/// change how the text around them is shown (bidirectional overrides and isolates, zero-width
/// joiners and spaces, tag characters). The standard library has no category lookup and the
/// list is short and stable.
fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn format_characters_are_stripped() {
        // U+202E turns "gnp.exe" into "exe.png" on screen; U+200B and U+2066 hide or reorder.
        let s = sanitize("bad\u{202e}gnp.exe\u{200b}x\u{2066}y\u{feff}z\u{e0041}");
        assert_eq!(s, "badgnp.exexyz");
    }

    #[test]
    fn controls_become_spaces_and_length_is_capped() {
        assert_eq!(sanitize("a\nb\x1b[31mc"), "a b [31mc");
        let long = sanitize(&"x".repeat(100_000));
        assert!(
            long.chars().count() <= super::SANITIZED_MAX + 1,
            "{}",
            long.len()
        );
        assert!(long.ends_with('…'));
    }

    #[test]
    fn a_held_token_is_never_repeated() {
        let rt = crate::secret::RefreshToken::new("rt-0123456789-held-by-tok");
        let s = sanitize("the token rt-0123456789-held-by-tok is reused");
        assert_eq!(s, "the token [a token tok holds] is reused");
        drop(rt);
        // Short values are not treated as tokens: they would blank ordinary words.
        let _c = crate::secret::Ephemeral::new("abc");
        assert_eq!(sanitize("abc"), "abc");
    }
}
