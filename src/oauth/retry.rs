//! When to send a request again: bounded exponential backoff with jitter, `Retry-After` honoured
//! up to a cap, and one overall deadline.
//!
//! The decision is pure ([`decide`]) so the rules are tested without a network or a clock.
//!
//! What may be retried depends on the request ([`Idempotency`]). A token request (refresh, code
//! exchange, device poll) is retried **only when the server provably did not process it**: the
//! connection was never made (refused, DNS failure, connect timeout), or the server said so with
//! 429, or with a 503 that carries `Retry-After` (a bare 503 may be a proxy's answer after the
//! request reached the server). After a timeout or a reset while the response was in flight, a rotating server may
//! already have spent the refresh token, and presenting it again to a server with reuse detection
//! revokes the whole grant (see PROTOCOLS.md, "tok's own refresh rule"). Definitive answers
//! (`invalid_grant`, `invalid_client`, any 4xx other than 429) are never retried.

use std::time::Duration;

/// First backoff step; doubled on every attempt.
pub const BASE_DELAY: Duration = Duration::from_millis(250);
/// The largest backoff step (before jitter).
pub const MAX_DELAY: Duration = Duration::from_secs(8);
/// The longest `Retry-After` tok waits for; a server asking more gets an error instead.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(30);
/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 6;

/// Whether sending a request twice is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// GET of a document: retry any transient failure, including 5xx and timeouts.
    Idempotent,
    /// A request that spends something (a refresh token, a code): retry only when it provably
    /// was not processed.
    Once,
}

/// How an attempt ended, as far as the retry decision is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The connection was never established: refused, DNS failure, connect timeout.
    NotSent,
    /// The request was sent but the response did not arrive in full (timeout, reset).
    InFlight,
    /// A complete response with this status and `Retry-After` (seconds), if any.
    Answered {
        status: u16,
        retry_after: Option<u64>,
    },
}

/// The retry parameters. [`Policy::with_deadline`] is what tok uses.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub deadline: Duration,
    pub base: Duration,
    pub max_delay: Duration,
    pub retry_after_cap: Duration,
    pub max_attempts: u32,
}

impl Policy {
    /// tok's rules within `deadline` (`TOK_HTTP_DEADLINE`, see [`crate::settings`]).
    pub fn with_deadline(deadline: Duration) -> Self {
        Self {
            deadline,
            base: BASE_DELAY,
            max_delay: MAX_DELAY,
            retry_after_cap: RETRY_AFTER_CAP,
            max_attempts: MAX_ATTEMPTS,
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Done: return this attempt's result (success or a definitive error).
    Stop,
    /// Wait this long, then send again.
    Retry(Duration),
    /// Retrying would be allowed but not within the deadline (or attempts): give up now.
    GiveUp,
}

/// Whether an attempt may be repeated at all.
pub fn retryable(kind: Idempotency, attempt: Attempt) -> bool {
    match (attempt, kind) {
        (Attempt::NotSent, _) => true,
        (Attempt::InFlight, Idempotency::Idempotent) => true,
        (Attempt::InFlight, Idempotency::Once) => false,
        (Attempt::Answered { status: 429, .. }, _) => true,
        // A bare 503 may come from a proxy (Envoy, Istio, nginx) after the request reached the
        // server; only with Retry-After is it the server's own "not processed, come back".
        (Attempt::Answered { status: 503, .. }, Idempotency::Idempotent) => true,
        (
            Attempt::Answered {
                status: 503,
                retry_after,
            },
            Idempotency::Once,
        ) => retry_after.is_some(),
        (Attempt::Answered { status, .. }, Idempotency::Idempotent) => {
            matches!(status, 500 | 502 | 504)
        }
        (Attempt::Answered { .. }, Idempotency::Once) => false,
    }
}

/// The decision after attempt number `n` (1-based), `elapsed` into the deadline. `jitter` is a
/// uniform sample in [0, 1): the delay is drawn from [½·step, step] ("equal jitter"), so racing
/// clients spread out yet none retries at once.
pub fn decide(
    policy: &Policy,
    kind: Idempotency,
    n: u32,
    attempt: Attempt,
    elapsed: Duration,
    jitter: f64,
) -> Decision {
    if !retryable(kind, attempt) {
        return Decision::Stop;
    }
    if n >= policy.max_attempts {
        return Decision::GiveUp;
    }
    let step = policy
        .base
        .saturating_mul(1u32 << (n - 1).min(16))
        .min(policy.max_delay);
    let mut delay = step.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
    if let Attempt::Answered {
        retry_after: Some(secs),
        ..
    } = attempt
    {
        let asked = Duration::from_secs(secs);
        if asked > policy.retry_after_cap {
            return Decision::GiveUp;
        }
        delay = delay.max(asked);
    }
    if elapsed + delay >= policy.deadline {
        return Decision::GiveUp;
    }
    Decision::Retry(delay)
}

/// A uniform sample in [0, 1) from the OS RNG (0.5 if it is unavailable).
pub fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// A `Date` header (RFC 9110 §6.6.1) as unix seconds; RFC 3339 is accepted too. `None` for
/// anything else, or a date before 1970.
pub fn parse_date(d: &str) -> Option<i64> {
    humantime::parse_rfc3339_weak(d)
        .ok()
        .or_else(|| httpdate::parse_http_date(d).ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date read against the response's
/// own `Date` (so the client's clock does not matter).
pub fn parse_retry_after(v: &str, date: Option<i64>) -> Option<u64> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(secs);
    }
    let at = httpdate::parse_http_date(v)
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    let base = date.unwrap_or_else(crate::time::now);
    Some((at - base).max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Idempotency::*;

    fn policy() -> Policy {
        Policy {
            deadline: Duration::from_secs(60),
            base: BASE_DELAY,
            max_delay: MAX_DELAY,
            retry_after_cap: RETRY_AFTER_CAP,
            max_attempts: MAX_ATTEMPTS,
        }
    }
    fn answered(status: u16) -> Attempt {
        Attempt::Answered {
            status,
            retry_after: None,
        }
    }
    const ZERO: Duration = Duration::ZERO;

    #[test]
    fn token_requests_retry_only_what_was_not_processed() {
        let with_retry_after = |status| Attempt::Answered {
            status,
            retry_after: Some(1),
        };
        for a in [
            Attempt::NotSent,
            answered(429),
            with_retry_after(429),
            with_retry_after(503),
        ] {
            assert!(retryable(Once, a), "{a:?}");
        }
        for a in [
            Attempt::InFlight,
            // A proxy (Envoy, Istio, nginx) answers a bare 503 after the request reached the
            // server, which may have rotated the refresh token: see issue 11 item 9.
            answered(503),
            answered(200),
            answered(400),
            answered(401),
            answered(500),
            answered(502),
            answered(504),
        ] {
            assert!(!retryable(Once, a), "{a:?}");
        }
    }

    #[test]
    fn documents_retry_transient_failures() {
        for a in [
            Attempt::InFlight,
            answered(500),
            answered(502),
            answered(503),
            answered(504),
        ] {
            assert!(retryable(Idempotent, a), "{a:?}");
        }
        assert!(!retryable(Idempotent, answered(404)));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = policy();
        let d = |n, j| decide(&p, Once, n, Attempt::NotSent, ZERO, j);
        assert_eq!(d(1, 0.0), Decision::Retry(Duration::from_millis(125)));
        assert_eq!(d(1, 0.5), Decision::Retry(Duration::from_micros(187_500)));
        assert_eq!(d(3, 0.0), Decision::Retry(Duration::from_millis(500)));
        let p = Policy {
            max_attempts: 100,
            ..p
        };
        assert_eq!(
            decide(&p, Once, 20, Attempt::NotSent, ZERO, 0.0),
            Decision::Retry(Duration::from_secs(4))
        );
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = policy();
        let ra = |s| Attempt::Answered {
            status: 429,
            retry_after: Some(s),
        };
        assert_eq!(
            decide(&p, Once, 1, ra(2), ZERO, 0.0),
            Decision::Retry(Duration::from_secs(2))
        );
        assert_eq!(decide(&p, Once, 1, ra(31), ZERO, 0.0), Decision::GiveUp);
    }

    #[test]
    fn the_deadline_and_attempt_count_bound_everything() {
        let p = policy();
        assert_eq!(
            decide(&p, Once, 1, Attempt::NotSent, Duration::from_secs(60), 0.0),
            Decision::GiveUp
        );
        assert_eq!(
            decide(&p, Once, MAX_ATTEMPTS, Attempt::NotSent, ZERO, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn definitive_answers_stop_at_once() {
        let p = policy();
        assert_eq!(
            decide(&p, Once, 1, answered(400), ZERO, 0.0),
            Decision::Stop
        );
        assert_eq!(
            decide(&p, Idempotent, 1, answered(200), ZERO, 0.0),
            Decision::Stop
        );
    }
}
