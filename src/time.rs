//! Wall-clock helpers. Expiry is stored as unix seconds; the clock is read in one place so
//! decisions can be tested with explicit times.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// RFC 3339 UTC rendering of unix seconds, for humans and JSON.
pub fn rfc3339(unix: i64) -> String {
    // RFC 3339 ends with year 9999; a later time (a corrupt audit line) is shown as that end.
    const LAST: i64 = 253_402_300_799;
    let t = UNIX_EPOCH + std::time::Duration::from_secs(unix.clamp(0, LAST) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Unix seconds of an RFC 3339 UTC timestamp (`2026-12-07T10:00:00Z`, fractions allowed), as
/// cloud services state expirations.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let t = humantime::parse_rfc3339(s.trim()).ok()?;
    i64::try_from(t.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()
}

/// "in 4m 10s" / "2m ago" for status output.
pub fn relative(unix: i64, now: i64) -> String {
    let d = unix - now;
    let span = humantime::format_duration(std::time::Duration::from_secs(d.unsigned_abs()));
    if d >= 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// How long ago an event at `unix` happened, as "5m ago"; an event stamped a little in the
/// future (a clock step) is "0s ago", never "in …".
pub fn ago(unix: i64, now: i64) -> String {
    let span = humantime::format_duration(std::time::Duration::from_secs(
        (now - unix).max(0).unsigned_abs(),
    ));
    format!("{span} ago")
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        // See: issue 24 (found by `audit_log`): a year past 9999 made `tok stats` panic.
        assert_eq!(super::rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(super::relative(100, 40), "in 1m");
        assert_eq!(super::relative(40, 100), "1m ago");
        // See: issue 10 — `status` said "refresh: in 0s" of a refresh that had just happened.
        assert_eq!(super::ago(100, 100), "0s ago");
        assert_eq!(super::ago(40, 100), "1m ago");
        assert_eq!(super::ago(101, 100), "0s ago");
    }
}
