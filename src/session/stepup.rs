//! Step-up (RFC 9470): a token obtained by a login that met `acr_values` (and `max_age`), kept
//! apart from the profile's everyday tokens in a token cache of its own (`{profile}+acr-…`, as
//! a narrowed token is), never refreshed and never stored: when it expires, or its sign-in grows
//! older than `max_age`, it no longer answers and another step-up login is needed. The everyday
//! session is not touched by a step-up, and a new login or a logout of the profile drops every
//! stepped-up token with the profile's other caches.

use crate::config::Profile;
use crate::oauth::{
    IdClaims as Claims, IdRequested as Requested, OAuthError, TokenResponse, check_authentication,
    decode_unverified,
};
use crate::secret;

use super::Ctx;
use super::files::{read_cache_key, write_cache};
use super::model::{CachedToken, Narrow, Served, Source, Want};

/// What an interactive flow that saved nothing obtained (`session::run_flow`).
pub struct Flowed {
    pub resp: TokenResponse,
    /// The nonce the code flow sent, for the ID token.
    pub nonce: Option<String>,
    pub sent_at: i64,
}

/// The authentication a stepped-up token must come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepUp {
    /// Space-separated, in the order given (a preference), duplicates dropped.
    pub acr_values: String,
    /// Seconds: the sign-in must be no older (OIDC Core §3.1.2.1).
    pub max_age: Option<i64>,
}

impl StepUp {
    /// `None` when `acr_values` names no value and there is no `max_age`: nothing to step up to.
    pub fn new(acr_values: Option<&str>, max_age: Option<i64>) -> Option<Self> {
        let mut values: Vec<&str> = vec![];
        for v in acr_values.unwrap_or("").split_ascii_whitespace() {
            if !values.contains(&v) {
                values.push(v);
            }
        }
        (!values.is_empty() || max_age.is_some()).then(|| StepUp {
            acr_values: values.join(" "),
            max_age,
        })
    }

    fn requested(&self) -> Requested<'_> {
        Requested {
            acr_values: (!self.acr_values.is_empty()).then_some(self.acr_values.as_str()),
            max_age: self.max_age,
        }
    }

    /// The token-cache key: apart from the everyday token and from every narrowed one.
    pub fn cache_key(&self, profile: &str, narrow: &Narrow) -> String {
        let h = secret::fingerprint(&format!(
            "{}\n{}\n{}\n{}",
            self.acr_values,
            self.max_age.map(|a| a.to_string()).unwrap_or_default(),
            narrow.scope.as_deref().unwrap_or(""),
            narrow.audience.as_deref().unwrap_or("")
        ));
        format!("{profile}+acr-{}", &h[..8])
    }

    /// The profile a step-up login runs as: the requested authentication in its `auth_params`
    /// (so the ID token is held to it), the narrowed scope and audience, `openid` (the ID token
    /// shows the authentication) and no `offline_access` (nothing is refreshed or kept).
    pub fn login_profile(&self, profile: &Profile, narrow: &Narrow) -> Profile {
        let mut p = profile.clone();
        p.auth_params
            .retain(|(k, _)| k != "acr_values" && k != "max_age");
        if !self.acr_values.is_empty() {
            p.auth_params
                .push(("acr_values".into(), self.acr_values.clone()));
        }
        if let Some(a) = self.max_age {
            p.auth_params.push(("max_age".into(), a.to_string()));
        }
        if let Some(s) = &narrow.scope {
            p.scopes = s.split_whitespace().map(str::to_string).collect();
        }
        p.scopes.retain(|s| s != "offline_access");
        if !p.scopes.iter().any(|s| s == "openid") {
            p.scopes.insert(0, "openid".into());
        }
        if narrow.audience.is_some() {
            p.audience.clone_from(&narrow.audience);
        }
        p
    }

    /// The command that obtains such a token, for a user to run in a terminal.
    pub fn command(&self, profile: &str, narrow: &Narrow) -> String {
        let q = |s: &str| {
            let plain = !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.:/=+@,".contains(c));
            if plain {
                s.to_string()
            } else {
                crate::output::shell_quote(s)
            }
        };
        let mut c = format!("tok print -p {}", q(profile));
        if !self.acr_values.is_empty() {
            c += &format!(" --acr-values {}", q(&self.acr_values));
        }
        if let Some(a) = self.max_age {
            c += &format!(" --max-age {a}");
        }
        for s in narrow.scope.iter() {
            c += &format!(" --scope {}", q(s));
        }
        if let Some(a) = &narrow.audience {
            c += &format!(" --audience {}", q(a));
        }
        c + " >/dev/null"
    }
}

/// Whether `t` (its ID token validated when it was obtained) still meets `step` at `now`.
fn meets(t: &CachedToken, step: &StepUp, now: i64) -> bool {
    let Some(id) = &t.id_token else {
        return false;
    };
    decode_unverified::<Claims>(id.expose())
        .is_ok_and(|c| check_authentication(&c, &step.requested(), now).is_ok())
}

/// A stepped-up token that still meets `step` and lives `want.min_ttl` (capped as for any
/// token), from its cache; `None` when there is none.
pub fn held(
    ctx: &Ctx,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
    step: &StepUp,
) -> Option<Served> {
    let key = step.cache_key(&profile.name, narrow);
    let now = ctx.now();
    let t = read_cache_key(&ctx.paths, profile, &key)?;
    let (min_ttl, _) = super::serve::cap_min_ttl(want.min_ttl, t.lifetime_kind(want.token));
    if !t.fresh_kind(want.token, now, min_ttl) {
        ctx.printer
            .verbose(format!("the stepped-up token in cache `{key}` is expiring"));
        return None;
    }
    if !meets(&t, step, now) {
        ctx.printer.verbose(format!(
            "the stepped-up token in cache `{key}` no longer meets the request (max_age)"
        ));
        return None;
    }
    ctx.printer.verbose(format!(
        "stepped-up token {} from cache `{key}`",
        t.access_token.fingerprint()
    ));
    Some(Served {
        token: t.serving(want.token),
        source: Source::Cache,
    })
}

/// Keep what a step-up login (`flowed`, run as [`StepUp::login_profile`]) obtained, once its
/// ID token shows it met `step` (`acr`, `auth_time`): the access and ID tokens in the step-up
/// cache. A refresh token, if one came, is not kept.
pub fn keep(
    ctx: &Ctx,
    profile: &Profile,
    want: Want,
    narrow: &Narrow,
    step: &StepUp,
    mut flowed: Flowed,
) -> Result<Served, OAuthError> {
    let as_profile = step.login_profile(profile, narrow);
    let resp = &mut flowed.resp;
    super::idtoken::validate(ctx, &as_profile, resp, flowed.nonce.as_deref(), false, None)?;
    resp.refresh_token = None;
    let scope = as_profile.scope_string();
    let token = CachedToken::from_response(&as_profile, resp, flowed.sent_at, scope.as_deref());
    let key = step.cache_key(&profile.name, narrow);
    write_cache(&ctx.paths, &ctx.printer, &key, &token);
    Ok(Served {
        token: token.serving(want.token),
        source: Source::Refreshed,
    })
}

/// A client refused the token with `fingerprint`: if it is a stepped-up token of `profile`,
/// forget it (its cache file) and say so; the everyday session is not touched.
pub fn forget(ctx: &Ctx, profile: &Profile, fingerprint: Option<&str>) -> bool {
    let Some(fp) = fingerprint else {
        return false;
    };
    let default = ctx.paths.token_cache(&profile.name);
    let Some(entries) = default.parent().and_then(|d| std::fs::read_dir(d).ok()) else {
        return false;
    };
    let prefix = format!("{}+acr-", profile.name);
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(key) = name
            .to_str()
            .filter(|n| n.starts_with(&prefix))
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        if read_cache_key(&ctx.paths, profile, key)
            .is_some_and(|t| t.access_token.fingerprint() == fp)
        {
            let _ = crate::paths::remove_optional(&e.path());
            ctx.printer.verbose(format!(
                "forgot the rejected stepped-up token (cache `{key}`)"
            ));
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached token with an ID token of these claims (unsigned: `meets` reads a token that
    /// was validated when it was obtained).
    fn token(claims: serde_json::Value) -> CachedToken {
        use base64::Engine as _;
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let mut c = json_claims();
        c.as_object_mut()
            .unwrap()
            .extend(claims.as_object().unwrap().clone());
        let jwt = format!(
            "{}.{}.{}",
            b64(br#"{"alg":"RS256"}"#),
            b64(c.to_string().as_bytes()),
            b64(b"sig")
        );
        CachedToken {
            access_token: crate::secret::AccessToken::new("at"),
            token_type: crate::oauth::TokenType::Bearer,
            expires_at: Some(2_000),
            scope: None,
            obtained_at: 1_000,
            issuer: "https://i".into(),
            client_id: "c".into(),
            id_token: Some(crate::secret::IdToken::new(jwt)),
            id_expires_at: Some(2_000),
            id_obtained_at: Some(1_000),
        }
    }

    fn json_claims() -> serde_json::Value {
        serde_json::json!({"iss": "https://i", "sub": "s", "aud": "c", "exp": 2_000, "iat": 1_000})
    }

    /// See: issue 21. A stepped-up token answers only while it meets the request: its `acr`,
    /// and a sign-in no older than `max_age` (plus the leeway) at the time it is served.
    #[test]
    fn a_held_token_must_still_meet_the_request_when_served() {
        let mfa = StepUp::new(Some("urn:mfa"), Some(300)).unwrap();
        let t = token(serde_json::json!({"acr": "urn:mfa", "auth_time": 1_000}));
        assert!(meets(&t, &mfa, 1_000));
        assert!(meets(&t, &mfa, 1_000 + 300 + crate::oauth::ID_TOKEN_LEEWAY));
        assert!(
            !meets(&t, &mfa, 1_000 + 301 + crate::oauth::ID_TOKEN_LEEWAY),
            "the sign-in grew too old"
        );
        let pwd = token(serde_json::json!({"acr": "urn:pwd", "auth_time": 1_000}));
        assert!(!meets(&pwd, &mfa, 1_000));
        let no_id = CachedToken {
            id_token: None,
            ..t.clone()
        };
        assert!(!meets(&no_id, &mfa, 1_000), "nothing shows the sign-in");
        // Without max_age, the acr alone.
        let any_age = StepUp::new(Some("urn:mfa"), None).unwrap();
        assert!(meets(&t, &any_age, 1_000_000));
    }

    /// The step-up login asks for the ID token that shows the sign-in (`openid`), no refresh
    /// token (`offline_access`), and the challenge's authentication instead of the profile's.
    #[test]
    fn the_step_up_login_runs_as_a_profile_asking_for_the_challenge() {
        let text = "[profiles.w]\nissuer = \"https://id.example\"\nclient_id = \"c\"\nscopes = [\"offline_access\", \"api\"]\nauth_params = { acr_values = \"urn:pwd\", prompt = \"login\" }\n";
        let config = crate::config::Config {
            path: "c.toml".into(),
            file: crate::config::parse(text, std::path::Path::new("c.toml")).unwrap(),
            text: String::new(),
        };
        let profile = config.profile("w").unwrap();
        let step = StepUp::new(Some("urn:mfa"), Some(60)).unwrap();
        let p = step.login_profile(&profile, &Narrow::default());
        assert_eq!(p.scopes, ["openid", "api"]);
        let mut params = p.auth_params.clone();
        params.sort();
        let want: Vec<(String, String)> = [
            ("acr_values", "urn:mfa"),
            ("max_age", "60"),
            ("prompt", "login"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(params, want);
        assert_eq!(p.name, "w");
        let narrowed = Narrow {
            scope: Some("repo".into()),
            audience: Some("https://api".into()),
        };
        let p = step.login_profile(&profile, &narrowed);
        assert_eq!(p.scopes, ["openid", "repo"]);
        assert_eq!(p.audience.as_deref(), Some("https://api"));
    }

    #[test]
    fn a_step_up_is_normalised_and_cached_apart() {
        assert_eq!(StepUp::new(Some("  "), None), None);
        let a = StepUp::new(Some("urn:mfa  urn:hwk urn:mfa"), Some(300)).unwrap();
        assert_eq!(a.acr_values, "urn:mfa urn:hwk");
        let plain = Narrow::default();
        let key = a.cache_key("work", &plain);
        assert!(key.starts_with("work+acr-"), "{key}");
        assert_ne!(key, plain.cache_key("work"));
        // Another max_age, another scope: another cache.
        let b = StepUp::new(Some("urn:mfa urn:hwk"), Some(60)).unwrap();
        assert_ne!(b.cache_key("work", &plain), key);
        let scoped = Narrow {
            scope: Some("api:read".into()),
            audience: None,
        };
        assert_ne!(a.cache_key("work", &scoped), key);
        assert_ne!(a.cache_key("work", &scoped), scoped.cache_key("work"));
        assert_eq!(
            a.command("work", &scoped),
            "tok print -p work --acr-values 'urn:mfa urn:hwk' --max-age 300 --scope api:read >/dev/null"
        );
    }
}
