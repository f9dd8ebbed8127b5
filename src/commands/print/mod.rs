//! `tok print`: a valid access token on stdout and nothing else (in the `--format` asked for).

use crate::audit::{Consumer, Requester};
use crate::cli::{PrintArgs, PrintFormat};
use crate::error::{Code, Hinted};
use crate::session::{self, CachedToken, Narrow, TokenKind, Want};
use crate::time::now;

use super::Env;

mod render;
mod token_file;

use render::render;

pub fn run(env: &Env, args: PrintArgs) -> anyhow::Result<()> {
    if args.format != PrintFormat::Dpop
        && (args.method.is_some() || args.url.is_some() || args.nonce.is_some())
    {
        return Err(Hinted::new(
            Code::Usage,
            "--method, --url and --nonce describe a DPoP proof and need --format dpop",
            Some("add `--format dpop`, or drop them".into()),
        )
        .into());
    }
    let config = env.config()?;
    let name = config.select(args.profile.profile.as_deref())?;
    let profile = config.profile(&name)?;
    let want = Want {
        min_ttl: args.min_ttl,
        force_refresh: args.force_refresh,
        token: args.token.into(),
    };
    let narrow = narrow(&args.scopes, args.audience.as_deref());
    if let Some(file) = &args.output {
        return token_file::run(env, &profile, &args, file, &narrow);
    }
    let who = Requester::new(Consumer::PRINT);
    let served = served(env, &profile, want, &narrow, &args.step_up, &who)?;
    if args.format == PrintFormat::Dpop {
        if want.token == TokenKind::Id {
            return Err(Hinted::new(
                Code::Usage,
                "--format dpop proves possession of an access token, not of an ID token",
                Some("drop `--token id`, or use another --format".into()),
            )
            .into());
        }
        return print_dpop(env, &profile, &served.token, &args);
    }
    if served.token.is_dpop() && want.token == TokenKind::Access {
        env.ctx.printer.warn(format!(
            "the access token of profile `{name}` is DPoP-bound: each request also needs a proof \
             (use `tok print -p {name} --format dpop --method METHOD --url URL`)"
        ));
    }
    // The boundary: the token leaves tok here, on stdout only.
    env.ctx
        .printer
        .stdout(&render(args.format, &served.token, want.token, now()))?;
    Ok(())
}

/// RFC 9449 §7.1: the `Authorization: DPoP` header and a proof (with `ath`) for one request.
fn print_dpop(
    env: &Env,
    profile: &crate::config::Profile,
    token: &CachedToken,
    args: &PrintArgs,
) -> anyhow::Result<()> {
    let name = &profile.name;
    let usage = |m: String, h: &str| Hinted::new(Code::Usage, m, Some(h.to_string()));
    let (Some(method), Some(url)) = (&args.method, &args.url) else {
        return Err(usage(
            "--format dpop needs --method and --url".into(),
            "name the request the proof is for",
        )
        .into());
    };
    let method = method.trim().to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(usage(
            format!("invalid --method {:?}", crate::oauth::sanitize(&method)),
            "pass an HTTP method such as GET or POST",
        )
        .into());
    }
    let url = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
        .ok_or_else(|| {
            usage(
                "invalid --url: not an http(s) URL".into(),
                "pass the full URL of the request, e.g. https://api.example.com/items",
            )
        })?;
    let nonce = args.nonce.as_deref().filter(|n| !n.is_empty());
    if nonce.is_some_and(|n| n.chars().any(char::is_control)) {
        return Err(usage(
            "invalid --nonce".into(),
            "pass the DPoP-Nonce header value as is",
        )
        .into());
    }
    let not_bound = || {
        Hinted::new(
            Code::LoginRequired,
            format!("the session of profile `{name}` is not DPoP-bound"),
            Some(format!("run `tok login -p {name} --dpop`")),
        )
    };
    if !token.is_dpop() {
        return Err(not_bound().into());
    }
    let key = session::dpop_key(&env.ctx, profile)?.ok_or_else(not_bound)?;
    let proof = key.proof(&method, &url, Some(&token.access_token), nonce, now())?;
    env.ctx.printer.verbose(format!(
        "DPoP proof for {method} {} with key {}",
        crate::oauth::endpoint_name(&url),
        key.thumbprint()
    ));
    // The boundary: the token leaves tok here, on stdout only.
    env.ctx.printer.stdout(&format!(
        "Authorization: DPoP {}\nDPoP: {proof}\n",
        token.access_token.expose()
    ))?;
    Ok(())
}

/// The token `print` and `exec` serve: the everyday (or narrowed) one, or with `--acr-values`
/// or `--max-age` a stepped-up one (see [`crate::commands::stepup`]).
pub fn served(
    env: &Env,
    profile: &crate::config::Profile,
    want: Want,
    narrow: &Narrow,
    step: &crate::cli::StepUpArgs,
    who: &Requester,
) -> anyhow::Result<session::Served> {
    let step = session::StepUp::new(step.acr_values.as_deref(), step.max_age.map(i64::from));
    match step {
        None => crate::commands::request::token(&env.ctx, profile, want, narrow, who),
        Some(step) => {
            let forbidden = crate::commands::stepup::prompt_forbidden(&env.ctx.settings);
            crate::commands::stepup::token(env, profile, want, narrow, &step, who, forbidden)
        }
    }
}

/// `--scope` (sorted, deduplicated, so that the same set shares a cache) and `--audience`.
pub fn narrow(scopes: &[String], audience: Option<&str>) -> Narrow {
    let mut s: Vec<&str> = scopes.iter().flat_map(|s| s.split_whitespace()).collect();
    s.sort_unstable();
    s.dedup();
    Narrow {
        scope: (!s.is_empty()).then(|| s.join(" ")),
        audience: audience.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::shell_quote;

    #[test]
    fn quoting_survives_eval() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }

    #[test]
    fn narrow_normalises() {
        let a = narrow(&["b a".into(), "a".into()], None);
        assert_eq!(a.scope.as_deref(), Some("a b"));
        assert_eq!(
            a.cache_key("p"),
            narrow(&["a".into(), "b".into()], None).cache_key("p")
        );
        assert_eq!(narrow(&[], None).cache_key("p"), "p");
        assert_ne!(narrow(&[], Some("https://x/")).cache_key("p"), "p");
    }
}
