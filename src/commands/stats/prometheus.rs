//! `tok stats --format prometheus`: the audit log's figures in the Prometheus text exposition
//! format, for node_exporter's textfile collector.

use std::collections::BTreeMap;

use crate::audit::{Event, Kind, Source};

/// Upper bounds of the refresh latency histogram, in seconds.
const LATENCY_BUCKETS: [f64; 9] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

type Labels = Vec<(&'static str, String)>;

/// One family's samples: series (name and labels) and value.
type Samples = Vec<(String, String)>;

/// The counts of the events, by label set.
#[derive(Default)]
struct Tally {
    refreshes: BTreeMap<Labels, u64>,
    rotations: BTreeMap<Labels, u64>,
    latencies: BTreeMap<String, Vec<u64>>,
    requests: BTreeMap<Labels, u64>,
    failures: BTreeMap<Labels, u64>,
    lock_waits: BTreeMap<Labels, u64>,
    lock_wait_ms: BTreeMap<Labels, u64>,
    logins: BTreeMap<Labels, u64>,
    logouts: BTreeMap<Labels, u64>,
}

impl Tally {
    fn count(&mut self, e: &Event) {
        let p = || vec![("profile", e.profile.clone())];
        let code = || e.error.clone().unwrap_or_else(|| "error".into());
        match e.event {
            Kind::Login => *self.logins.entry(p()).or_default() += 1,
            Kind::Logout => *self.logouts.entry(p()).or_default() += 1,
            // A newer tok's event: no family to count it in.
            Kind::Other => {}
            Kind::Refresh => {
                let outcome = if e.ok { "ok".to_string() } else { code() };
                let mut l = p();
                l.push(("outcome", outcome));
                *self.refreshes.entry(l).or_default() += 1;
                if e.ok {
                    *self.rotations.entry(p()).or_default() += u64::from(e.rotated == Some(true));
                    self.latencies
                        .entry(e.profile.clone())
                        .or_default()
                        .extend(e.latency_ms);
                }
            }
            Kind::Request => {
                let consumer = e.consumer.clone().unwrap_or_default().as_str().to_string();
                let mut l = p();
                l.push(("consumer", consumer));
                if let Some(ms) = e.lock_wait_ms {
                    *self.lock_waits.entry(p()).or_default() += 1;
                    *self.lock_wait_ms.entry(p()).or_default() += ms;
                }
                if e.ok {
                    let source = e.source.map_or("unknown", Source::as_str);
                    l.push(("source", source.to_string()));
                    *self.requests.entry(l).or_default() += 1;
                } else {
                    l.push(("error", code()));
                    *self.failures.entry(l).or_default() += 1;
                }
            }
        }
    }
}

/// The figures of `events` (for `profile`, from `since` on) in the Prometheus text exposition
/// format: `# HELP` and `# TYPE` before each family, base units (seconds), `_total` counters.
/// Counters count what the audit log still holds, so they drop when the log rotates — which
/// Prometheus treats as a counter reset. `expiries`: the current access token's expiry (unix
/// seconds) by profile.
pub fn prometheus(
    events: &[Event],
    profile: Option<&str>,
    since: Option<i64>,
    expiries: &BTreeMap<String, i64>,
) -> String {
    let mut t = Tally::default();
    for e in events {
        if profile.is_none_or(|p| p == e.profile) && since.is_none_or(|s| e.ts >= s) {
            t.count(e);
        }
    }
    let expiry = expiries
        .iter()
        .filter(|(p, _)| profile.is_none_or(|want| want == p.as_str()))
        .map(|(p, at)| (vec![("profile", p.clone())], at.to_string()));
    let expiry = samples("tok_access_token_expiry_timestamp_seconds", expiry);
    let mut out = String::new();
    for (name, kind, help, samples) in families(&t, expiry) {
        if samples.is_empty() {
            continue;
        }
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (series, value) in samples {
            out.push_str(&format!("{series} {value}\n"));
        }
    }
    out
}

/// Each family: name, type, help and samples. A linear table, one entry per family.
fn families(
    t: &Tally,
    expiry: Samples,
) -> [(&'static str, &'static str, &'static str, Samples); 10] {
    [
        (
            "tok_refreshes_total",
            "counter",
            "Refresh attempts by profile and outcome (ok, or the error code).",
            counter("tok_refreshes_total", &t.refreshes),
        ),
        (
            "tok_refresh_duration_seconds",
            "histogram",
            "Latency of successful refreshes, from request to answer.",
            histogram("tok_refresh_duration_seconds", &t.latencies),
        ),
        (
            "tok_refresh_token_rotations_total",
            "counter",
            "Successful refreshes that returned a new refresh token.",
            counter("tok_refresh_token_rotations_total", &t.rotations),
        ),
        (
            "tok_requests_total",
            "counter",
            "Access tokens served by profile, consumer and source (cache, peer, store, refreshed).",
            counter("tok_requests_total", &t.requests),
        ),
        (
            "tok_request_failures_total",
            "counter",
            "Requests that got no token, by profile, consumer and error (exit-code name).",
            counter("tok_request_failures_total", &t.failures),
        ),
        (
            "tok_lock_waits_total",
            "counter",
            "Requests that waited for another tok process holding the profile lock.",
            counter("tok_lock_waits_total", &t.lock_waits),
        ),
        (
            "tok_lock_wait_seconds_total",
            "counter",
            "Time requests spent waiting for profile locks.",
            samples(
                "tok_lock_wait_seconds_total",
                t.lock_wait_ms
                    .iter()
                    .map(|(l, ms)| (l.clone(), seconds(*ms))),
            ),
        ),
        (
            "tok_access_token_expiry_timestamp_seconds",
            "gauge",
            "When the current access token of each profile expires, in unix seconds.",
            expiry,
        ),
        (
            "tok_logins_total",
            "counter",
            "Logins that stored a new session.",
            counter("tok_logins_total", &t.logins),
        ),
        (
            "tok_logouts_total",
            "counter",
            "Sessions forgotten (and maybe revoked) by logout.",
            counter("tok_logouts_total", &t.logouts),
        ),
    ]
}

/// Milliseconds as seconds, summed in whole milliseconds first: float sums print as
/// 0.33999999999999997.
fn seconds(ms: u64) -> String {
    format!("{}", ms as f64 / 1000.0)
}

/// `name{k="v",…}`.
fn series(name: &str, labels: &[(&str, String)]) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let inner = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect::<Vec<_>>()
        .join(",");
    format!("{name}{{{inner}}}")
}

fn samples(name: &str, values: impl Iterator<Item = (Labels, String)>) -> Samples {
    values.map(|(l, v)| (series(name, &l), v)).collect()
}

fn counter(name: &str, m: &BTreeMap<Labels, u64>) -> Samples {
    samples(name, m.iter().map(|(l, v)| (l.clone(), v.to_string())))
}

/// A histogram's `_bucket`, `_sum` and `_count` series, by profile.
fn histogram(name: &str, latencies: &BTreeMap<String, Vec<u64>>) -> Samples {
    let mut out = vec![];
    for (p, ms) in latencies {
        let secs: Vec<f64> = ms.iter().map(|m| *m as f64 / 1000.0).collect();
        let bucket = format!("{name}_bucket");
        for le in LATENCY_BUCKETS {
            let n = secs.iter().filter(|s| **s <= le).count();
            let l = [("profile", p.clone()), ("le", le.to_string())];
            out.push((series(&bucket, &l), n.to_string()));
        }
        let l = [("profile", p.clone()), ("le", "+Inf".to_string())];
        out.push((series(&bucket, &l), secs.len().to_string()));
        let l = [("profile", p.clone())];
        let sum = seconds(ms.iter().sum::<u64>());
        out.push((series(&format!("{name}_sum"), &l), sum));
        out.push((series(&format!("{name}_count"), &l), secs.len().to_string()));
    }
    out
}

/// A label value in the text format: backslash, double quote and line feed escaped.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
