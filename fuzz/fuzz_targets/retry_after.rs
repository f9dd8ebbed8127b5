//! `Retry-After` and `Date` headers (RFC 9110 §10.2.3, §6.6.1), then the retry decision they
//! feed. Input lines: `Retry-After`, `Date`, then a byte picking status, attempt and jitter.
//!
//! Checks: delay-seconds are read exactly; a date is never before 1970; an HTTP-date is read
//! against the response's own `Date`; and whatever the server asks, tok never waits longer than
//! the `Retry-After` cap nor past its deadline. No leak check: headers carry no secret.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tok::{Attempt, Decision, Idempotency, Policy};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let retry_after = lines.next().unwrap_or("");
    let date_header = lines.next().unwrap_or("");
    let pick = lines.next().and_then(|l| l.bytes().next()).unwrap_or(0);

    let date = tok::parse_date(date_header);
    if let Some(d) = date {
        assert!(d >= 0, "a date before 1970");
    }
    let asked = tok::parse_retry_after(retry_after, date.or(Some(1_700_000_000)));
    if let Ok(n) = retry_after.trim().parse::<u64>() {
        assert_eq!(asked, Some(n), "delay-seconds read exactly");
    }

    let policy = Policy::with_deadline(Duration::from_secs(60));
    let status = [429u16, 503, 500, 502, 504, 400][pick as usize % 6];
    let kind = if pick & 0x40 == 0 {
        Idempotency::Once
    } else {
        Idempotency::Idempotent
    };
    let n = u32::from(pick >> 3 & 7) + 1;
    let elapsed = Duration::from_millis(u64::from(pick) * 250);
    let attempt = Attempt::Answered {
        status,
        retry_after: asked,
    };
    let jitter = f64::from(pick) / 256.0;
    if let Decision::Retry(d) = tok::retry_decision(&policy, kind, n, attempt, elapsed, jitter) {
        assert!(
            d <= policy.retry_after_cap.max(policy.max_delay),
            "waits {d:?}"
        );
        assert!(elapsed + d < policy.deadline, "waits past the deadline");
        if let Some(s) = asked {
            assert!(d >= Duration::from_secs(s), "retried before Retry-After");
        }
    }
});
