//! `tok print --output FILE [--watch]`: the token in a file instead of on stdout, written
//! atomically, and with `--watch` kept fresh for programs that read a token file (sidecars,
//! systemd services, Kubernetes-style token files; Vault Agent's file sinks are the model).
//!
//! The watcher asks the session for a token exactly as `print` does — so several watchers and
//! ordinary `print`s of one profile still share one refresh per expiry — then sleeps until the
//! token is due ([`margin`]) and asks again.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::audit::{Consumer, Requester};
use crate::cli::{PrintArgs, PrintFormat};
use crate::config::Profile;
use crate::error::{Code, Hinted, classify};
use crate::output::one_line;
use crate::session::{CachedToken, Narrow, TokenKind, Want};
use crate::signals::stop;
use crate::time::now;

use super::render::render;
use crate::commands::Env;

/// The longest pause between two attempts while the provider is unavailable.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How often a sleeping watcher looks at its stop flag.
const TICK: Duration = Duration::from_millis(100);
/// How long a watcher sleeps when its token has no known expiry (it asks again, cheaply).
const NO_EXPIRY_RECHECK: i64 = 3600;

pub fn run(
    env: &Env,
    profile: &Profile,
    args: &PrintArgs,
    file: &Path,
    narrow: &Narrow,
) -> anyhow::Result<()> {
    if args.format == PrintFormat::Dpop {
        return Err(Hinted::new(
            Code::Usage,
            "--format dpop cannot go to a file: a DPoP proof is good for one request only",
            Some("use --format token, json or header with --output".into()),
        )
        .into());
    }
    if args.watch {
        if args.step_up.acr_values.is_some() || args.step_up.max_age.is_some() {
            return Err(Hinted::new(
                Code::Usage,
                "--watch cannot keep a stepped-up token fresh: it is never refreshed, and each one needs a sign-in",
                Some("drop --watch, or --acr-values and --max-age".into()),
            )
            .into());
        }
        return watch(env, profile, args, file, narrow);
    }
    let want = Want {
        min_ttl: args.min_ttl,
        force_refresh: args.force_refresh,
        token: args.token.into(),
    };
    let who = Requester::new(Consumer::PRINT);
    let served = super::served(env, profile, want, narrow, &args.step_up, &who)?;
    write(file, args.format, &served.token, args.token.into())?;
    env.ctx.printer.verbose(format!(
        "wrote access token {} to {}",
        served.token.access_token.fingerprint(),
        file.display()
    ));
    Ok(())
}

/// When to rewrite: the number of seconds before expiry at which a token is replaced — the
/// larger of `min_ttl` and a third of the token's `lifetime` — and whether `min_ttl` had to be
/// set aside because it is not shorter than the lifetime (every token would be due at once, and
/// the watcher would refresh without end).
pub fn margin(min_ttl: i64, lifetime: Option<i64>) -> (i64, bool) {
    match lifetime {
        None => (min_ttl.max(0), false),
        Some(l) if l <= 0 => (0, false),
        Some(l) if min_ttl >= l => (l / 3, true),
        Some(l) => (min_ttl.max(l / 3), false),
    }
}

/// The next pause after `failures` failed attempts (1, 2, 4 … 60 s), shortened while the token
/// in the file is still valid so that a short outage is ridden out before readers see it expire:
/// at most half of what is left of it (not under half a second).
pub fn backoff(failures: u32, left: Option<Duration>) -> Duration {
    let step = Duration::from_secs(1u64 << failures.saturating_sub(1).min(6)).min(MAX_BACKOFF);
    match left {
        Some(l) if !l.is_zero() => step.min((l / 2).max(Duration::from_millis(500))),
        _ => step,
    }
}

fn watch(
    env: &Env,
    profile: &Profile,
    args: &PrintArgs,
    file: &Path,
    narrow: &Narrow,
) -> anyhow::Result<()> {
    stop::install();
    let p = &env.ctx.printer;
    let shown = file.display();
    let name = &profile.name;
    // Until the first token tells its lifetime, any valid token will do.
    let mut due_at_margin = 0;
    let mut warned = false;
    let mut force = args.force_refresh;
    let mut written: Option<CachedToken> = None;
    let mut failures = 0u32;
    loop {
        if stop::requested() {
            return stopped(env, file, written.as_ref());
        }
        // "Refresh unless more than the margin is left."
        let want = Want {
            min_ttl: due_at_margin + 1,
            force_refresh: force,
            token: args.token.into(),
        };
        let who = Requester::new(Consumer::PRINT);
        let served = match crate::commands::request::token(&env.ctx, profile, want, narrow, &who) {
            Ok(s) => s,
            Err(e) => {
                if !transient(classify(&e).0) {
                    return Err(e.context(format!("stopped keeping {shown} fresh")));
                }
                failures += 1;
                if wait_out(p, name, file, written.as_ref(), failures, &e) {
                    return stopped(env, file, written.as_ref());
                }
                continue;
            }
        };
        force = false;
        failures = 0;
        let token = served.token;
        let (m, too_long) = margin(
            args.min_ttl,
            token.expires_at.map(|e| e - token.obtained_at),
        );
        if too_long && !warned {
            warned = true;
            warn_min_ttl(p, args.min_ttl, &token, file);
        }
        if m != due_at_margin && !token.fresh_for(now(), m + 1) {
            // Served under the old margin, and already due under the new one: ask again.
            due_at_margin = m;
            continue;
        }
        due_at_margin = m;
        let is_new = written
            .as_ref()
            .is_none_or(|w| w.access_token.fingerprint() != token.access_token.fingerprint());
        let wake = token
            .expires_at
            .map_or(now() + NO_EXPIRY_RECHECK, |e| e - m);
        if is_new {
            write(file, args.format, &token, args.token.into())?;
            p.info(format!(
                "tok print: wrote {shown} (access token {}, {}; next rewrite in {} s)",
                token.access_token.fingerprint(),
                expiry(&token),
                (wake - now()).max(0)
            ));
            written = Some(token);
        }
        let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(wake).unwrap_or(0));
        // At least a second between two requests, whatever the provider's clock says.
        if sleep_until(at.max(SystemTime::now() + Duration::from_secs(1))) {
            return stopped(env, file, written.as_ref());
        }
    }
}

/// `--min-ttl` as long as the token lives would make every token due at once.
fn warn_min_ttl(p: &crate::output::Printer, min_ttl: i64, token: &CachedToken, file: &Path) {
    p.warn(format!(
        "--min-ttl {} s is not shorter than the token's lifetime ({} s): rewriting {} \
         when a third of it is left instead",
        min_ttl,
        token.expires_at.map_or(0, |e| e - token.obtained_at),
        file.display()
    ));
}

/// `expires …` of `token`, for the watcher's log lines.
fn expiry(token: &CachedToken) -> String {
    token.expires_at.map_or("no expiry given".into(), |e| {
        format!("expires {}", crate::time::rfc3339(e))
    })
}

/// After the `failures`-th failure `e` in a row: say so, and wait before the next attempt
/// (backing off, but trying again while the written token still lives). Returns whether a
/// stop was requested meanwhile.
fn wait_out(
    p: &crate::output::Printer,
    name: &str,
    file: &Path,
    written: Option<&CachedToken>,
    failures: u32,
    e: &anyhow::Error,
) -> bool {
    let shown = file.display();
    let left = written.and_then(time_left);
    let wait = backoff(failures, left);
    let state = match (written, left) {
        (None, _) => format!("{shown} is not written yet"),
        (Some(_), Some(l)) => format!("the token in {shown} is still valid for {} s", l.as_secs()),
        (Some(_), None) => format!("the token in {shown} has expired"),
    };
    p.info(format!(
        "tok print: could not get a token for profile `{name}` ({}); {state}; trying again in {:.1} s",
        one_line(&format!("{e:#}")),
        wait.as_secs_f64()
    ));
    sleep_until(SystemTime::now() + wait)
}

/// Failures a watcher waits out: the provider or the network, a provider misbehaving, a
/// keychain that is locked for a while, another tok holding the lock.
fn transient(code: Code) -> bool {
    match code {
        Code::Unavailable | Code::BadResponse | Code::StoreUnavailable | Code::Busy => true,
        // A refused certificate is not transient: it needs a person (and a CA file).
        Code::Failure
        | Code::Usage
        | Code::LoginRequired
        | Code::Denied
        | Code::Config
        | Code::Tls => false,
    }
}

fn time_left(t: &CachedToken) -> Option<Duration> {
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(t.expires_at?).ok()?);
    at.duration_since(SystemTime::now()).ok()
}

/// Sleep until `at`, or until a stop is requested: returns whether it was.
fn sleep_until(at: SystemTime) -> bool {
    loop {
        if stop::requested() {
            return true;
        }
        match at.duration_since(SystemTime::now()) {
            Ok(d) if !d.is_zero() => std::thread::sleep(d.min(TICK)),
            _ => return false,
        }
    }
}

fn stopped(env: &Env, file: &Path, written: Option<&CachedToken>) -> anyhow::Result<()> {
    let left = written
        .and_then(time_left)
        .map_or("no valid token".into(), |l| {
            format!("a token valid for {} s more", l.as_secs())
        });
    env.ctx.printer.info(format!(
        "tok print: stopped; {} holds {left}",
        file.display()
    ));
    Ok(())
}

/// Write `token` in `format` to `path` atomically, with the writer of `paths.rs`: a 0600
/// temporary file in the same directory (so the rename cannot cross file systems), flushed to
/// disk, then renamed over `path`. Readers see the old content or the new, never a torn one;
/// the file is never readable by others, not even for a moment.
pub fn write(
    path: &Path,
    format: PrintFormat,
    token: &CachedToken,
    kind: TokenKind,
) -> anyhow::Result<()> {
    let mut text = zeroize::Zeroizing::new(render(format, token, kind, now()));
    // A token file holds exactly the token, as Kubernetes' projected token files do: its
    // readers (azure-identity's AZURE_FEDERATED_TOKEN_FILE, the AWS SDKs'
    // AWS_WEB_IDENTITY_TOKEN_FILE) send the contents verbatim, and a JWT with a newline after
    // its signature is refused.
    if format == PrintFormat::Token && text.ends_with('\n') {
        text.pop();
    }
    anyhow::ensure!(path.file_name().is_some(), "--output names no file");
    crate::paths::write_user_file_atomic(path, text.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_the_larger_of_min_ttl_and_a_third_of_the_lifetime() {
        assert_eq!(margin(60, Some(3600)), (1200, false));
        assert_eq!(margin(1800, Some(3600)), (1800, false));
        assert_eq!(margin(5, Some(20)), (6, false));
        // A --min-ttl as long as the lifetime would make every token due at once.
        assert_eq!(margin(60, Some(20)), (6, true));
        assert_eq!(margin(20, Some(20)), (6, true));
        assert_eq!(margin(60, None), (60, false));
        assert_eq!(margin(60, Some(0)), (0, false));
    }

    #[test]
    fn backoff_doubles_and_stays_inside_the_token_lifetime() {
        let s = Duration::from_secs;
        assert_eq!(backoff(1, None), s(1));
        assert_eq!(backoff(2, None), s(2));
        assert_eq!(backoff(4, None), s(8));
        assert_eq!(backoff(40, None), s(60));
        assert_eq!(backoff(4, Some(s(6))), s(3));
        assert_eq!(backoff(1, Some(s(6))), s(1));
        assert_eq!(
            backoff(9, Some(Duration::from_millis(300))),
            Duration::from_millis(500)
        );
    }

    #[test]
    fn the_file_is_private_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let mut t = CachedToken {
            access_token: crate::secret::AccessToken::new("at-one"),
            token_type: crate::oauth::TokenType::Bearer,
            expires_at: Some(now() + 60),
            scope: None,
            obtained_at: now(),
            issuer: "https://i".into(),
            client_id: "c".into(),
            id_token: None,
            id_expires_at: None,
            id_obtained_at: None,
        };
        write(&path, PrintFormat::Token, &t, TokenKind::Access).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "at-one",
            "the token alone, no newline"
        );
        t.access_token = crate::secret::AccessToken::new("at-two");
        write(&path, PrintFormat::Header, &t, TokenKind::Access).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "Authorization: Bearer at-two\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        assert!(
            write(
                &dir.path().join("missing/token"),
                PrintFormat::Token,
                &t,
                TokenKind::Access
            )
            .is_err()
        );
    }
}
