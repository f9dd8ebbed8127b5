//! `tok stats`: the service-level indicators of one user's machine, computed from the audit log:
//! refresh success rate and latency, failures by error code, rotations, cache hit rate and
//! requests per consumer — as a table, JSON, or Prometheus metrics ([`prometheus`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::audit::{self, Event, Kind};
use crate::cli::{StatsArgs, StatsFormat};
use crate::config::validate_name;
use crate::time::{now, rfc3339};

use super::Env;

mod prometheus;

pub use prometheus::prometheus;

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    pub p50: Option<u64>,
    pub p95: Option<u64>,
    pub max: Option<u64>,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct RefreshStats {
    pub attempts: u64,
    pub ok: u64,
    pub failed: u64,
    /// `ok / attempts`; absent when there was no attempt.
    pub success_rate: Option<f64>,
    /// Of successful refreshes (a refused connection fails in no time and says nothing about
    /// the provider's speed).
    pub latency_ms: Latency,
    /// Successful refreshes that returned a new refresh token.
    pub rotated: u64,
    /// Failed attempts by error code (`invalid_grant`, `unavailable`, …).
    pub errors: BTreeMap<String, u64>,
    /// Attempts by grant: `refresh_token`, or a workload identity exchange's method
    /// (`token-exchange`, `jwt-bearer`, `client-assertion`).
    pub by_grant: BTreeMap<String, u64>,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct RequestStats {
    pub total: u64,
    pub ok: u64,
    pub failed: u64,
    /// Served from the token cache / all served; absent when nothing was served.
    pub cache_hit_rate: Option<f64>,
    pub by_source: BTreeMap<String, u64>,
    pub by_consumer: BTreeMap<String, u64>,
    /// Failed requests by exit-code name (`login_required`, `unavailable`, …).
    pub errors: BTreeMap<String, u64>,
}

#[derive(Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub profile: Option<String>,
    /// RFC 3339 start of the window, when `--since` was given.
    pub since: Option<String>,
    pub events: u64,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    pub profiles: BTreeSet<String>,
    pub logins: u64,
    pub logouts: u64,
    /// Logouts that revoked the session at the provider.
    pub revocations: u64,
    pub refresh: RefreshStats,
    pub requests: RequestStats,
}

/// The `q`-quantile of sorted values, nearest-rank method (`q` in 0..=1).
pub fn percentile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 1000.0)
}

/// Aggregate `events` for `profile` (all when `None`) from unix second `since` on.
pub fn compute(events: &[Event], profile: Option<&str>, since: Option<i64>) -> Stats {
    let mut s = Stats {
        profile: profile.map(str::to_string),
        since: since.map(rfc3339),
        ..Default::default()
    };
    let mut latencies = vec![];
    let mut first = None;
    let mut last = None;
    for e in events {
        if profile.is_some_and(|p| p != e.profile) || since.is_some_and(|t| e.ts < t) {
            continue;
        }
        s.events += 1;
        first = Some(first.map_or(e.ts, |f: i64| f.min(e.ts)));
        last = Some(last.map_or(e.ts, |l: i64| l.max(e.ts)));
        s.profiles.insert(e.profile.clone());
        let code = || e.error.clone().unwrap_or_else(|| "error".into());
        match e.event {
            Kind::Login => s.logins += 1,
            // A newer tok's event: counted among the events only.
            Kind::Other => {}
            Kind::Logout => {
                s.logouts += 1;
                s.revocations += u64::from(e.revoked == Some(true));
            }
            Kind::Refresh => {
                let r = &mut s.refresh;
                r.attempts += 1;
                let grant = e.grant.as_deref().unwrap_or("refresh_token");
                *r.by_grant.entry(grant.to_string()).or_default() += 1;
                if e.ok {
                    r.ok += 1;
                    r.rotated += u64::from(e.rotated == Some(true));
                    latencies.extend(e.latency_ms);
                } else {
                    r.failed += 1;
                    *r.errors.entry(code()).or_default() += 1;
                }
            }
            Kind::Request => {
                let r = &mut s.requests;
                r.total += 1;
                let consumer = e.consumer.clone().unwrap_or_default().as_str().to_string();
                *r.by_consumer.entry(consumer).or_default() += 1;
                match (e.ok, e.source) {
                    (true, Some(src)) => {
                        r.ok += 1;
                        *r.by_source.entry(src.as_str().into()).or_default() += 1;
                    }
                    (true, None) => r.ok += 1,
                    (false, _) => {
                        r.failed += 1;
                        *r.errors.entry(code()).or_default() += 1;
                    }
                }
            }
        }
    }
    latencies.sort_unstable();
    s.refresh.latency_ms = Latency {
        p50: percentile(&latencies, 0.50),
        p95: percentile(&latencies, 0.95),
        max: latencies.last().copied(),
    };
    s.refresh.success_rate = rate(s.refresh.ok, s.refresh.attempts);
    let hits = s.requests.by_source.get("cache").copied().unwrap_or(0);
    s.requests.cache_hit_rate = rate(hits, s.requests.ok);
    s.first_event = first.map(rfc3339);
    s.last_event = last.map(rfc3339);
    s
}

pub fn run(env: &Env, args: StatsArgs) -> anyhow::Result<()> {
    if let Some(p) = &args.profile {
        validate_name(p)?;
    }
    let since = args
        .since
        .map(|d| now() - i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2));
    // Only to learn whether `audit = false` is set (for the message below); stats need no
    // valid config.
    let config = env.config();
    let audit_on = config
        .as_ref()
        .map_or(true, |c| c.file.audit.unwrap_or(true));
    let events = audit::read(&env.ctx.paths);
    let p = &env.ctx.printer;
    let format = args.format.unwrap_or(if args.json {
        StatsFormat::Json
    } else {
        StatsFormat::Text
    });
    if format == StatsFormat::Prometheus {
        // The expiry of each profile's current access token, from the profile state (no
        // secret, no keychain): the configured profiles and those in the log.
        let names: BTreeSet<String> = config
            .iter()
            .flat_map(|c| c.file.profiles.keys().cloned())
            .chain(events.iter().map(|e| e.profile.clone()))
            .filter(|n| args.profile.as_ref().is_none_or(|p| p == n) && validate_name(n).is_ok())
            .collect();
        let expiries: BTreeMap<String, i64> = names
            .into_iter()
            .filter_map(|n| {
                let at = crate::session::read_state(&env.ctx.paths, &n).access_expires_at?;
                Some((n, at))
            })
            .collect();
        p.stdout(&prometheus(
            &events,
            args.profile.as_deref(),
            since,
            &expiries,
        ))?;
        return Ok(());
    }
    let stats = compute(&events, args.profile.as_deref(), since);
    if format == StatsFormat::Json {
        p.stdout(&format!("{}\n", serde_json::to_string_pretty(&stats)?))?;
        return Ok(());
    }
    if stats.events == 0 {
        p.info(format!(
            "No events in the audit log ({}){}.",
            audit::log_path(&env.ctx.paths).display(),
            if audit_on {
                ""
            } else {
                "; it is turned off by `audit = false`"
            }
        ));
        return Ok(());
    }
    p.stdout(&human(&stats))?;
    Ok(())
}

fn pct(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn counts(m: &BTreeMap<String, u64>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn human(s: &Stats) -> String {
    let ms = |v: Option<u64>| v.map_or("-".into(), |v| format!("{v} ms"));
    let r = &s.refresh;
    let q = &s.requests;
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<18} {v}\n"));
    line(
        "window:",
        format!(
            "{} .. {} ({} events)",
            s.since
                .clone()
                .or(s.first_event.clone())
                .unwrap_or_default(),
            s.last_event.clone().unwrap_or_default(),
            s.events
        ),
    );
    line(
        "profiles:",
        s.profiles.iter().cloned().collect::<Vec<_>>().join(", "),
    );
    line(
        "logins:",
        format!(
            "{}; logouts {} ({} revoked)",
            s.logins, s.logouts, s.revocations
        ),
    );
    line(
        "refreshes:",
        format!(
            "{} ok of {} ({} success)",
            r.ok,
            r.attempts,
            pct(r.success_rate)
        ),
    );
    line(
        "refresh latency:",
        format!(
            "p50 {}, p95 {}, max {}",
            ms(r.latency_ms.p50),
            ms(r.latency_ms.p95),
            ms(r.latency_ms.max)
        ),
    );
    line("refresh failures:", counts(&r.errors));
    line("by grant:", counts(&r.by_grant));
    line("rotations:", r.rotated.to_string());
    line("requests:", format!("{} ({} failed)", q.total, q.failed));
    line("cache hit rate:", pct(q.cache_hit_rate));
    line("served from:", counts(&q.by_source));
    line("by consumer:", counts(&q.by_consumer));
    line("request failures:", counts(&q.errors));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Consumer, Source};

    fn ev(ts: i64, event: Kind, profile: &str, ok: bool) -> Event {
        Event {
            ts,
            event,
            profile: profile.into(),
            ok,
            error: None,
            latency_ms: None,
            rotated: None,
            source: None,
            consumer: None,
            host: None,
            token_fp: None,
            store: None,
            revoked: None,
            grant: None,
            lock_wait_ms: None,
            pid: 1,
        }
    }

    /// Issue 18 item 8: what a newer tok names (consumer, grant, source, event) is counted
    /// under its name, or as `other`.
    #[test]
    fn a_newer_toks_names_are_counted() {
        let mut r = ev(1, Kind::Request, "w", true);
        r.consumer = Some(Consumer::new("aws"));
        r.source = Some(Source::Other);
        let mut x = ev(2, Kind::Refresh, "w", true);
        x.grant = Some("ciba".into());
        let s = compute(&[r, x, ev(3, Kind::Other, "w", true)], None, None);
        assert_eq!(s.events, 3);
        assert_eq!(s.requests.by_consumer["aws"], 1);
        assert_eq!(s.requests.by_source["other"], 1);
        assert_eq!(s.refresh.by_grant["ciba"], 1);
    }

    #[test]
    fn exchanges_count_as_refreshes_by_grant() {
        let mut x = ev(1, Kind::Refresh, "ci", true);
        x.grant = Some("token-exchange".into());
        let mut y = ev(2, Kind::Refresh, "ci", false);
        y.grant = Some("jwt-bearer".into());
        y.error = Some("invalid_grant".into());
        let s = compute(&[x, y, ev(3, Kind::Refresh, "w", true)], None, None);
        assert_eq!(s.refresh.attempts, 3);
        assert_eq!(s.refresh.by_grant["token-exchange"], 1);
        assert_eq!(s.refresh.by_grant["jwt-bearer"], 1);
        assert_eq!(s.refresh.by_grant["refresh_token"], 1);
        assert_eq!(s.refresh.errors["invalid_grant"], 1);
    }

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<u64> = (1..=20).collect();
        assert_eq!(percentile(&v, 0.5), Some(10));
        assert_eq!(percentile(&v, 0.95), Some(19));
        assert_eq!(percentile(&[7], 0.95), Some(7));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn aggregates_by_profile_and_window() {
        let mut evs = vec![ev(100, Kind::Login, "a", true)];
        for (i, ms) in [10u64, 20, 30, 40].iter().enumerate() {
            let mut e = ev(200 + i as i64, Kind::Refresh, "a", true);
            e.latency_ms = Some(*ms);
            e.rotated = Some(i % 2 == 0);
            evs.push(e);
        }
        let mut bad = ev(300, Kind::Refresh, "a", false);
        bad.error = Some("invalid_grant".into());
        bad.latency_ms = Some(1);
        evs.push(bad);
        for (src, c) in [
            (Some(Source::Cache), Consumer::PRINT),
            (Some(Source::Cache), crate::helpers::GIT.consumer.clone()),
            (Some(Source::Refreshed), Consumer::PRINT),
            (None, crate::helpers::DOCKER.consumer.clone()),
        ] {
            let mut e = ev(400, Kind::Request, "a", src.is_some());
            e.source = src;
            e.consumer = Some(c);
            if src.is_none() {
                e.error = Some("login_required".into());
            }
            evs.push(e);
        }
        evs.push(ev(500, Kind::Refresh, "b", true));
        let s = compute(&evs, Some("a"), None);
        assert_eq!(s.events, 10);
        assert_eq!(s.logins, 1);
        assert_eq!(s.refresh.attempts, 5);
        assert_eq!(s.refresh.ok, 4);
        assert_eq!(s.refresh.success_rate, Some(0.8));
        assert_eq!(
            s.refresh.latency_ms,
            Latency {
                p50: Some(20),
                p95: Some(40),
                max: Some(40)
            }
        );
        assert_eq!(s.refresh.rotated, 2);
        assert_eq!(s.refresh.errors["invalid_grant"], 1);
        assert_eq!(s.requests.total, 4);
        assert_eq!(s.requests.failed, 1);
        assert_eq!(s.requests.cache_hit_rate, Some(0.667));
        assert_eq!(s.requests.by_consumer["print"], 2);
        assert_eq!(s.requests.errors["login_required"], 1);
        let all = compute(&evs, None, Some(300));
        assert_eq!(all.events, 6);
        assert_eq!(all.refresh.attempts, 2);
        assert_eq!(all.profiles.len(), 2);
    }

    #[test]
    fn prometheus_text_has_help_type_base_units_and_totals() {
        let mut evs = vec![];
        for (ms, rotated) in [(40u64, true), (300, false)] {
            let mut e = ev(200, Kind::Refresh, "w\"x", true);
            e.latency_ms = Some(ms);
            e.rotated = Some(rotated);
            evs.push(e);
        }
        let mut bad = ev(201, Kind::Refresh, "w\"x", false);
        bad.error = Some("unavailable".into());
        evs.push(bad);
        let mut r = ev(202, Kind::Request, "w\"x", true);
        r.source = Some(Source::Cache);
        r.consumer = Some(crate::helpers::TERRAFORM.consumer.clone());
        r.lock_wait_ms = Some(1500);
        evs.push(r);
        let mut f = ev(203, Kind::Request, "w\"x", false);
        f.error = Some("login_required".into());
        evs.push(f);
        evs.push(ev(100, Kind::Refresh, "other", true));
        let expiries = BTreeMap::from([("w\"x".to_string(), 1_700_000_000)]);
        let text = prometheus(&evs, Some("w\"x"), None, &expiries);
        let p = r#"profile="w\"x""#;
        for line in [
            "# HELP tok_refreshes_total Refresh attempts by profile and outcome (ok, or the error code).".to_string(),
            "# TYPE tok_refreshes_total counter".into(),
            format!("tok_refreshes_total{{{p},outcome=\"ok\"}} 2"),
            format!("tok_refreshes_total{{{p},outcome=\"unavailable\"}} 1"),
            "# TYPE tok_refresh_duration_seconds histogram".into(),
            format!("tok_refresh_duration_seconds_bucket{{{p},le=\"0.05\"}} 1"),
            format!("tok_refresh_duration_seconds_bucket{{{p},le=\"0.25\"}} 1"),
            format!("tok_refresh_duration_seconds_bucket{{{p},le=\"0.5\"}} 2"),
            format!("tok_refresh_duration_seconds_bucket{{{p},le=\"+Inf\"}} 2"),
            format!("tok_refresh_duration_seconds_sum{{{p}}} 0.34"),
            format!("tok_refresh_duration_seconds_count{{{p}}} 2"),
            format!("tok_refresh_token_rotations_total{{{p}}} 1"),
            format!("tok_requests_total{{{p},consumer=\"terraform\",source=\"cache\"}} 1"),
            format!("tok_request_failures_total{{{p},consumer=\"print\",error=\"login_required\"}} 1"),
            format!("tok_lock_waits_total{{{p}}} 1"),
            format!("tok_lock_wait_seconds_total{{{p}}} 1.5"),
            format!("tok_access_token_expiry_timestamp_seconds{{{p}}} 1700000000"),
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        assert!(!text.contains(r#"profile="other""#), "{text}");
    }
}
