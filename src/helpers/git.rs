//! git's credential helper protocol (git-credential(1), "CUSTOM HELPERS"): `key=value` lines on
//! stdin up to a blank line, the answer on stdout.
//!
//! tok owns the session, so it answers `get` with a fresh access token and never hands git its
//! refresh token (git would pass it to every other helper's `store`, plaintext files included).
//! Values with NUL, CR or LF are refused on input and on output (credential-injection CVEs).

use std::io::{BufRead, Write};

use super::{
    Demand, GIT, Helper, HostPattern, Location, Outcome, TokenError, Tokens, reported_expiry,
};
use crate::config::Config;
use crate::oauth::bearer_challenge;
use crate::secret::fingerprint;

/// The `state[]` prefix identifying a token tok served (followed by its fingerprint).
const STATE_PREFIX: &str = "tok:at:";
/// Input larger than this is not a credential description.
const MAX_INPUT: u64 = 64 * 1024;

/// What git asks the helper to do: the first argument, with the aliases git and gitoxide
/// accept (`fill`, `approve`, `reject`, as in `git credential fill`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Get,
    Store,
    Erase,
    /// Which capabilities the helper speaks (git ≥ 2.46).
    Capability,
}

impl TryFrom<&str> for Action {
    /// The action git named, which helpers ignore (git's protocol, for forward compatibility).
    type Error = String;

    fn try_from(s: &str) -> Result<Self, String> {
        Ok(match s {
            "get" | "fill" => Action::Get,
            "store" | "approve" => Action::Store,
            "erase" | "reject" => Action::Erase,
            "capability" => Action::Capability,
            other => return Err(other.to_string()),
        })
    }
}

/// One git host of one profile, with how to answer for it.
#[derive(Debug, Clone)]
pub struct GitTarget {
    pub profile: String,
    pub pattern: HostPattern,
    pub username: String,
    pub bearer: Option<bool>,
}

/// Every git host of every profile. Invalid entries are skipped and described in the second
/// list, so that one bad entry does not stop git from reaching the others.
pub fn git_targets(config: &Config) -> (Vec<GitTarget>, Vec<String>) {
    let mut targets = vec![];
    let mut problems = vec![];
    for e in GIT.entries(config) {
        match HostPattern::parse(e.value) {
            Ok(pattern) => targets.push(GitTarget {
                profile: e.profile.clone(),
                pattern,
                username: GIT.username(e.config).expect("git has a default username"),
                bearer: e.config.git_bearer,
            }),
            Err(m) => problems.push(GIT.problem(e.profile, &m)),
        }
    }
    (targets, problems)
}

/// The target that serves `loc`: the longest matching entry wins; among equals, the first
/// profile in name order.
pub fn best_git_target<'a>(targets: &'a [GitTarget], loc: &Location) -> Option<&'a GitTarget> {
    let mut best: Option<(&GitTarget, usize)> = None;
    for t in targets {
        if let Some(s) = t.pattern.score(loc)
            && best.is_none_or(|(_, b)| s > b)
        {
            best = Some((t, s));
        }
    }
    best.map(|(t, _)| t)
}

/// What git told the helper. Secrets in the input (a password git echoes back on `erase`) are
/// reduced to their fingerprint at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Request {
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub username: Option<String>,
    /// Fingerprint of `password` or `credential`, if git sent one.
    pub secret_fingerprint: Option<String>,
    pub capabilities: Vec<String>,
    pub wwwauth: Vec<String>,
    pub state: Vec<String>,
}

impl Request {
    pub fn has_capability(&self, c: &str) -> bool {
        self.capabilities.iter().any(|x| x == c)
    }

    /// Whether the server offered Bearer in a `WWW-Authenticate` header.
    pub fn server_offers_bearer(&self) -> bool {
        self.wwwauth.iter().any(|h| {
            h.split_whitespace()
                .next()
                .is_some_and(|s| s.eq_ignore_ascii_case("bearer"))
        })
    }

    pub fn location(&self) -> Option<Location> {
        Location::from_git(
            self.protocol.as_deref()?,
            self.host.as_deref()?,
            self.path.as_deref(),
        )
    }

    /// The fingerprint of the token tok served, from `state[]` or the echoed secret.
    pub fn served_fingerprint(&self) -> Option<String> {
        self.state
            .iter()
            .find_map(|s| s.strip_prefix(STATE_PREFIX).map(str::to_string))
            .or_else(|| self.secret_fingerprint.clone())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("refusing git credential input: the value of `{0}` contains a NUL or CR character")]
    ControlCharacter(String),
    #[error("refusing git credential input: line without `=`")]
    NoEquals,
    #[error("refusing git credential input: not UTF-8")]
    NotUtf8,
    #[error("refusing git credential input: more than 64 KiB")]
    TooLong,
    #[error("refusing to write a git credential value containing NUL, CR or LF (`{0}`)")]
    BadOutput(&'static str),
    /// Reading git's input or writing the answer failed. Not a `source`: a closed pipe here is
    /// reported like any other failure, not taken for a reader that went away.
    #[error("cannot read git's input: {0}")]
    Io(std::io::Error),
}

/// Parse git's input, up to a blank line or EOF.
pub fn parse(input: impl BufRead) -> Result<Request, GitError> {
    let mut input = input.take(MAX_INPUT + 1);
    let mut req = Request::default();
    let mut total = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input.read_until(b'\n', &mut line).map_err(GitError::Io)?;
        total += n as u64;
        if total > MAX_INPUT {
            return Err(GitError::TooLong);
        }
        if n == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.is_empty() {
            break;
        }
        let text = std::str::from_utf8(&line).map_err(|_| GitError::NotUtf8)?;
        let (key, value) = text.split_once('=').ok_or(GitError::NoEquals)?;
        if value.contains(['\0', '\r']) || key.contains(['\0', '\r']) {
            let shown = key.replace(|c: char| c.is_control(), "?");
            return Err(GitError::ControlCharacter(shown));
        }
        let v = value.to_string();
        match key {
            "protocol" => req.protocol = Some(v),
            "host" => req.host = Some(v),
            "path" => req.path = Some(v),
            "username" => req.username = Some(v),
            "password" | "credential" => req.secret_fingerprint = Some(fingerprint(value)),
            "capability[]" => req.capabilities.push(v),
            "wwwauth[]" => req.wwwauth.push(v),
            "state[]" => req.state.push(v),
            _ => {}
        }
    }
    Ok(req)
}

/// What `get` answers. No `Debug`: it holds the raw token.
pub struct Answer<'a> {
    /// git announced `capability[]=authtype` (2.46+): the answer goes in `authtype` and
    /// `credential`, marked `ephemeral` so that no other helper stores it (Basic too).
    pub authtype: bool,
    /// Bearer rather than Basic (only with `authtype`).
    pub bearer: bool,
    pub state: bool,
    /// `continue=1` (git ≥ 2.46, with `state`): if the server refuses this token, git asks
    /// again with its new challenge (a step-up) instead of giving up.
    pub first_stage: bool,
    pub username: &'a str,
    pub token: &'a str,
    pub expiry: Option<i64>,
}

/// Write an answer. Capability keys come first, and only those git announced.
pub fn write_answer(out: &mut impl Write, a: &Answer) -> Result<(), GitError> {
    let mut lines: Vec<(&'static str, String)> = vec![];
    if a.authtype {
        lines.push(("capability[]", "authtype".into()));
    }
    if a.state {
        lines.push(("capability[]", "state".into()));
    }
    if a.authtype {
        // `ephemeral` exists only beside `credential`: git ignores it on username/password,
        // and passes those to every other helper's `store` (plaintext `credential-store`).
        let (scheme, credential) = if a.bearer {
            ("Bearer", a.token.to_string())
        } else {
            use base64::Engine as _;
            // RFC 7617: no colon in the user-id; no line breaks hidden inside the encoding.
            if a.username.contains([':', '\0', '\r', '\n']) {
                return Err(GitError::BadOutput("username"));
            }
            let pair = zeroize::Zeroizing::new(format!("{}:{}", a.username, a.token));
            (
                "Basic",
                base64::engine::general_purpose::STANDARD.encode(pair.as_bytes()),
            )
        };
        lines.push(("authtype", scheme.into()));
        lines.push(("credential", credential));
        lines.push(("ephemeral", "1".into()));
    } else {
        lines.push(("username", a.username.into()));
        lines.push(("password", a.token.into()));
    }
    if let Some(e) = a.expiry {
        lines.push(("password_expiry_utc", e.to_string()));
    }
    if a.state {
        lines.push(("state[]", format!("{STATE_PREFIX}{}", fingerprint(a.token))));
    }
    if a.first_stage {
        lines.push(("continue", "1".into()));
    }
    let mut buf = String::new();
    for (k, v) in &lines {
        if v.contains(['\0', '\r', '\n']) {
            return Err(GitError::BadOutput(k));
        }
        buf.push_str(k);
        buf.push('=');
        buf.push_str(v);
        buf.push('\n');
    }
    out.write_all(buf.as_bytes())
        .and_then(|()| out.flush())
        .map_err(GitError::Io)
}

/// git's helper: the hosts every profile serves.
pub struct Git {
    pub targets: Vec<GitTarget>,
}

impl Helper for Git {
    type Action = Action;

    fn uses_tokens(action: Action) -> bool {
        matches!(action, Action::Get | Action::Erase)
    }

    /// Actions tok does not know are ignored, as git expects of helpers.
    fn unknown(_action: &str, _out: &mut impl Write) -> Result<Outcome, super::Error> {
        Ok(Outcome::Ignored)
    }

    /// Read git's request from `input` (not for `capability`), answer on `out`.
    fn serve(
        &self,
        action: Action,
        input: impl BufRead,
        out: &mut impl Write,
        tokens: &mut impl Tokens,
        now: i64,
    ) -> Result<Outcome, super::Error> {
        if action == Action::Capability {
            write_capabilities(out)?;
            return Ok(Outcome::Ignored);
        }
        let req = parse(input)?;
        match action {
            Action::Get => get(&req, out, &self.targets, tokens, now),
            Action::Erase => erase(&req, &self.targets, tokens),
            // tok is the storage: what git asks to store is the token tok served (or another
            // helper's), never kept.
            Action::Store | Action::Capability => Ok(Outcome::Ignored),
        }
    }
}

/// `get`: answer with a fresh token for a host a profile serves.
pub fn get(
    req: &Request,
    out: &mut impl Write,
    targets: &[GitTarget],
    tokens: &mut impl Tokens,
    now: i64,
) -> Result<Outcome, super::Error> {
    let Some(loc) = req.location() else {
        return Ok(Outcome::NotOurs);
    };
    if loc.is_cleartext_remote() {
        // Worth a warning only when a profile serves that host (over https).
        if targets.iter().any(|t| t.pattern.host == loc.host) {
            return Ok(Outcome::Cleartext {
                host: loc.host.clone(),
            });
        }
        return Ok(Outcome::NotOurs);
    }
    let Some(target) = best_git_target(targets, &loc) else {
        return Ok(Outcome::NotOurs);
    };
    let ch = Challenged::read(req);
    if ch.drop {
        // The server refused the token tok served (or says it is invalid): forget it, as
        // `erase` does, and answer with the next one.
        tokens.reject(&target.profile, req.served_fingerprint().as_deref())?;
    }
    let got = if ch.demand.is_none() {
        tokens.get(&target.profile, &loc.host)
    } else {
        tokens.get_for(&target.profile, &loc.host, &ch.demand)
    };
    let token = match got {
        Ok(t) => t,
        Err(err @ TokenError::LoginRequired(_)) => {
            return Ok(Outcome::LoginRequired {
                profile: target.profile.clone(),
                err,
            });
        }
        Err(err) => return Err(err.into()),
    };
    let bearer = req.has_capability("authtype")
        && target.bearer.unwrap_or_else(|| req.server_offers_bearer());
    let answer = Answer {
        authtype: req.has_capability("authtype"),
        bearer,
        state: req.has_capability("state"),
        first_stage: bearer && req.has_capability("state") && ch.first_stage,
        username: req
            .username
            .as_deref()
            .filter(|u| !u.is_empty())
            .unwrap_or(&target.username),
        // The boundary: the token leaves tok here, on git's stdout.
        token: token.access_token.expose(),
        expiry: token.expires_at.map(|e| reported_expiry(e, now)),
    };
    write_answer(out, &answer)?;
    Ok(Outcome::Answered {
        profile: target.profile.clone(),
    })
}

/// What git's `wwwauth[]` lines (the server's `WWW-Authenticate` headers) make of a `get`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Challenged {
    /// Forget the token served before: the challenge says `invalid_token`, or tok served the
    /// request's last stage (its `state[]`) and the server refused it without saying why.
    drop: bool,
    /// What the next token must meet: `acr_values`/`max_age` of an
    /// `insufficient_user_authentication` challenge, and any challenge's `scope`.
    demand: Demand,
    /// The server speaks Bearer and refused no token of tok's yet: the answer may be the first
    /// of two stages, so that a step-up challenge to it reaches tok in the same git command.
    first_stage: bool,
}

impl Challenged {
    fn read(req: &Request) -> Self {
        let Some(ch) = bearer_challenge(req.wwwauth.iter().map(String::as_str)) else {
            return Self::default();
        };
        let served_before = req.state.iter().any(|s| s.starts_with(STATE_PREFIX));
        let error = ch.error.as_deref();
        let step_up = error == Some("insufficient_user_authentication");
        Self {
            drop: error == Some("invalid_token") || (served_before && error.is_none()),
            demand: Demand {
                acr_values: ch.acr_values.filter(|_| step_up),
                max_age: ch.max_age.filter(|_| step_up),
                scope: ch.scope,
            },
            first_stage: error.is_none() && !served_before,
        }
    }
}

/// `erase`: git says the credential was rejected. Forget that access token (matched by the
/// `state[]` tok gave or the echoed secret's fingerprint) and keep the session.
pub fn erase(
    req: &Request,
    targets: &[GitTarget],
    tokens: &mut impl Tokens,
) -> Result<Outcome, super::Error> {
    let Some(target) = req.location().and_then(|l| best_git_target(targets, &l)) else {
        return Ok(Outcome::NotOurs);
    };
    // Without a fingerprint the credential is not one tok served (a typed password): leave
    // the session alone.
    let Some(fp) = req.served_fingerprint() else {
        return Ok(Outcome::Ignored);
    };
    let forgot = tokens.reject(&target.profile, Some(&fp))?;
    Ok(Outcome::Erased {
        profile: target.profile.clone(),
        forgot,
    })
}

/// The answer to `capability` (git ≥ 2.46).
pub fn write_capabilities(out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"version 0\ncapability authtype\ncapability state\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::helpers::{HostPattern, Token};
    use crate::secret::AccessToken;

    #[derive(Default)]
    struct Fake {
        logged_in: bool,
        rejected: Vec<(String, Option<String>)>,
        demands: Vec<Demand>,
    }

    impl Tokens for Fake {
        fn get(&mut self, profile: &str, _host: &str) -> Result<Token, TokenError> {
            if !self.logged_in {
                return Err(TokenError::LoginRequired(crate::helpers::Cause::from(
                    format!("no session for profile `{profile}`"),
                )));
            }
            Ok(Token {
                access_token: AccessToken::new("tok-en"),
                expires_at: Some(10_000),
            })
        }
        fn reject(&mut self, profile: &str, fp: Option<&str>) -> Result<bool, TokenError> {
            self.rejected.push((profile.into(), fp.map(Into::into)));
            Ok(true)
        }
        fn get_for(&mut self, p: &str, h: &str, d: &Demand) -> Result<Token, TokenError> {
            self.demands.push(d.clone());
            self.get(p, h)
        }
    }

    const ASKS: &str =
        "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git.example.com\n";

    /// See: issue 21. A step-up challenge asks for a token meeting its acr_values/max_age
    /// (and scope); a refusal of the token tok served drops it as `erase` does; `continue=1`
    /// only while no token of tok's was refused.
    #[test]
    fn challenges_in_wwwauth_decide_what_get_answers() {
        let mut f = Fake {
            logged_in: true,
            ..Default::default()
        };
        let fp = fingerprint("tok-en");
        let step = format!(
            "{ASKS}state[]=tok:at:{fp}\nwwwauth[]=Bearer error=\"insufficient_user_authentication\", acr_values=\"urn:mfa\", max_age=60, scope=\"repo\"\n"
        );
        let (out, _) = run_get(&step, &mut f);
        assert_eq!(
            f.demands,
            [Demand {
                acr_values: Some("urn:mfa".into()),
                max_age: Some(60),
                scope: Some("repo".into()),
            }]
        );
        assert!(
            f.rejected.is_empty(),
            "an insufficient token is not dropped"
        );
        assert!(!out.contains("continue="), "{out}");
        // invalid_token: the cached token is dropped, then a token is served as usual.
        f.demands.clear();
        let (out, _) = run_get(
            &format!("{ASKS}wwwauth[]=Bearer error=\"invalid_token\"\n"),
            &mut f,
        );
        assert_eq!(f.rejected, [("work".to_string(), None)]);
        assert!(f.demands.is_empty());
        assert!(
            out.contains("credential=tok-en\n") && !out.contains("continue="),
            "{out}"
        );
        // The second stage of a request whose token the server refused without a reason.
        f.rejected.clear();
        let (out, _) = run_get(
            &format!("{ASKS}state[]=tok:at:{fp}\nwwwauth[]=Bearer realm=\"r\"\n"),
            &mut f,
        );
        assert_eq!(f.rejected, [("work".to_string(), Some(fp.clone()))]);
        assert!(!out.contains("continue="), "{out}");
        // insufficient_scope: only the scope; a challenge that does not parse is no challenge.
        f.rejected.clear();
        run_get(
            &format!(
                "{ASKS}wwwauth[]=Bearer error=insufficient_scope, scope=\"a b\", acr_values=x\n"
            ),
            &mut f,
        );
        assert_eq!(
            f.demands,
            [Demand {
                scope: Some("a b".into()),
                ..Demand::default()
            }]
        );
        f.demands.clear();
        let (out, _) = run_get(&format!("{ASKS}wwwauth[]=Bearer error=\"open\n"), &mut f);
        assert!(f.demands.is_empty() && f.rejected.is_empty());
        assert!(!out.contains("continue="), "{out}");
    }

    fn targets() -> Vec<GitTarget> {
        vec![GitTarget {
            profile: "work".into(),
            pattern: HostPattern::parse("git.example.com").unwrap(),
            username: "oauth2".into(),
            bearer: None,
        }]
    }

    fn main(
        action: &str,
        input: impl BufRead,
        out: &mut Vec<u8>,
        targets: &[GitTarget],
        tokens: &mut Fake,
        now: i64,
    ) -> Result<Outcome, crate::helpers::Error> {
        let git = Git {
            targets: targets.to_vec(),
        };
        crate::helpers::serve(&git, action, input, out, tokens, now)
    }

    fn run_get(input: &str, fake: &mut Fake) -> (String, Outcome) {
        let req = parse(Cursor::new(input)).unwrap();
        let mut out = vec![];
        let o = get(&req, &mut out, &targets(), fake, 0).unwrap();
        (String::from_utf8(out).unwrap(), o)
    }

    #[test]
    fn basic_answer_with_expiry_minus_leeway() {
        let mut f = Fake {
            logged_in: true,
            ..Default::default()
        };
        let (out, o) = run_get("protocol=https\nhost=git.example.com\n\n", &mut f);
        assert_eq!(
            out,
            format!(
                "username=oauth2\npassword=tok-en\npassword_expiry_utc={}\n",
                10_000 - crate::helpers::LEEWAY
            )
        );
        assert!(matches!(o, Outcome::Answered { .. }));
    }

    #[test]
    fn bearer_when_git_and_server_support_it() {
        let mut f = Fake {
            logged_in: true,
            ..Default::default()
        };
        let input = "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git.example.com\nwwwauth[]=Basic realm=\"x\"\nwwwauth[]=Bearer realm=\"x\"\n";
        let (out, _) = run_get(input, &mut f);
        let fp = fingerprint("tok-en");
        assert_eq!(
            out,
            format!(
                "capability[]=authtype\ncapability[]=state\nauthtype=Bearer\ncredential=tok-en\nephemeral=1\npassword_expiry_utc={}\nstate[]=tok:at:{fp}\ncontinue=1\n",
                10_000 - crate::helpers::LEEWAY
            )
        );
        // Without the capability, Basic even if the server offers Bearer.
        let (out, _) = run_get(
            "protocol=https\nhost=git.example.com\nwwwauth[]=Bearer\n",
            &mut f,
        );
        assert!(
            out.starts_with("username=oauth2\npassword=tok-en\n"),
            "{out}"
        );
        // With the capability but a Basic-only server: Basic, as an ephemeral credential (issue
        // 11 item 15), plus state.
        let (out, _) = run_get(
            "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git.example.com\nwwwauth[]=Basic realm=x\n",
            &mut f,
        );
        assert!(
            out.starts_with(
                "capability[]=authtype\ncapability[]=state\nauthtype=Basic\ncredential=b2F1dGgyOnRvay1lbg==\nephemeral=1\n"
            ),
            "{out}"
        );
        assert!(!out.contains("password="), "{out}");
    }

    #[test]
    fn unknown_host_and_cleartext_get_nothing() {
        let mut f = Fake {
            logged_in: true,
            ..Default::default()
        };
        let (out, o) = run_get("protocol=https\nhost=other.example.com\n", &mut f);
        assert_eq!(out, "");
        assert!(matches!(o, Outcome::NotOurs));
        let (out, o) = run_get("protocol=http\nhost=git.example.com\n", &mut f);
        assert_eq!(out, "");
        assert!(matches!(o, Outcome::Cleartext { .. }));
        let (out, _) = run_get("", &mut f);
        assert_eq!(out, "");
    }

    #[test]
    fn no_session_writes_nothing() {
        let mut f = Fake::default();
        let (out, o) = run_get("protocol=https\nhost=git.example.com\n", &mut f);
        assert_eq!(out, "");
        assert!(matches!(o, Outcome::LoginRequired { .. }));
    }

    #[test]
    fn control_characters_are_refused() {
        // See: issue 24 (found by `git_credential`): other control characters in the key were
        // shown as they came.
        let Err(e) = parse(Cursor::new("wwwauth\u{6}[]=\0\n")) else {
            panic!("accepted a NUL");
        };
        assert!(!e.to_string().chars().any(char::is_control), "{e}");
        for input in [
            "protocol=https\nhost=git.example.com\rpassword=x\n",
            "protocol=https\nhost=git.example.com\0evil\n",
            "protocol=https\npath=a\r\n",
        ] {
            assert!(
                matches!(
                    parse(Cursor::new(input)),
                    Err(GitError::ControlCharacter(_))
                ),
                "{input:?}"
            );
        }
        assert!(matches!(
            parse(Cursor::new("novalue\n")),
            Err(GitError::NoEquals)
        ));
        let mut out = vec![];
        for authtype in [false, true] {
            let a = Answer {
                authtype,
                bearer: false,
                state: false,
                first_stage: false,
                username: "u\nhost=evil",
                token: "t",
                expiry: None,
            };
            assert!(matches!(
                write_answer(&mut out, &a),
                Err(GitError::BadOutput("username"))
            ));
            assert!(out.is_empty());
        }
    }

    #[test]
    fn parse_stops_at_blank_line_and_keeps_only_a_fingerprint() {
        let r = parse(Cursor::new(
            "protocol=https\nhost=h\npassword=secret-pw\n\nhost=ignored\n",
        ))
        .unwrap();
        assert_eq!(r.host.as_deref(), Some("h"));
        assert_eq!(r.secret_fingerprint, Some(fingerprint("secret-pw")));
        assert!(!format!("{r:?}").contains("secret-pw"));
    }

    #[test]
    fn erase_matches_state_then_secret() {
        let mut f = Fake::default();
        let req = parse(Cursor::new(
            "protocol=https\nhost=git.example.com\npassword=pw\nstate[]=tok:at:abc\n",
        ))
        .unwrap();
        erase(&req, &targets(), &mut f).unwrap();
        let req = parse(Cursor::new(
            "protocol=https\nhost=git.example.com\npassword=pw\n",
        ))
        .unwrap();
        erase(&req, &targets(), &mut f).unwrap();
        let req = parse(Cursor::new("protocol=https\nhost=git.example.com\n")).unwrap();
        assert!(matches!(
            erase(&req, &targets(), &mut f).unwrap(),
            Outcome::Ignored
        ));
        assert_eq!(
            f.rejected,
            vec![
                ("work".into(), Some("abc".into())),
                ("work".into(), Some(fingerprint("pw")))
            ]
        );
    }

    #[test]
    fn actions_with_gits_aliases() {
        for (names, action) in [
            (&["get", "fill"][..], Action::Get),
            (&["store", "approve"], Action::Store),
            (&["erase", "reject"], Action::Erase),
            (&["capability"], Action::Capability),
        ] {
            for n in names {
                assert_eq!(Action::try_from(*n), Ok(action), "{n}");
            }
        }
        assert_eq!(Action::try_from("GET"), Err("GET".to_string()));
    }

    #[test]
    fn main_dispatches_on_the_action() {
        let mut f = Fake {
            logged_in: true,
            ..Default::default()
        };
        let input = "protocol=https\nhost=git.example.com\npassword=pw\n";
        let run = |action: &str, f: &mut Fake| {
            let mut out = vec![];
            let o = main(action, Cursor::new(input), &mut out, &targets(), f, 0).unwrap();
            (String::from_utf8(out).unwrap(), o)
        };
        let (out, o) = run("fill", &mut f);
        assert!(
            out.starts_with("username=oauth2\npassword=tok-en\n"),
            "{out}"
        );
        assert!(matches!(o, Outcome::Answered { .. }));
        for ignored in ["store", "approve", "frobnicate"] {
            let (out, o) = run(ignored, &mut f);
            assert_eq!(out, "", "{ignored}");
            assert!(matches!(o, Outcome::Ignored), "{ignored}");
        }
        let (out, _) = run("capability", &mut f);
        assert_eq!(out, "version 0\ncapability authtype\ncapability state\n");
        assert!(f.rejected.is_empty());
        let (_, o) = run("reject", &mut f);
        assert!(matches!(o, Outcome::Erased { .. }));
        assert_eq!(f.rejected, [("work".to_string(), Some(fingerprint("pw")))]);
        // A bad request is refused whatever the action that reads it.
        let mut out = vec![];
        let bad = main("store", Cursor::new("x\n"), &mut out, &targets(), &mut f, 0);
        assert!(bad.is_err());
    }

    #[test]
    fn capabilities() {
        let mut out = vec![];
        write_capabilities(&mut out).unwrap();
        assert_eq!(
            out,
            b"version 0\ncapability authtype\ncapability state\n".to_vec()
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            /// git reads back the username and the secret tok wrote, for any value without a
            /// line break or NUL (those are refused on the way out).
            #[test]
            fn answers_parse_back(user in "[^\u{0}\r\n]*", token in "[^\u{0}\r\n]+", expiry in any::<Option<i64>>()) {
                let answer = Answer { authtype: false, bearer: false, state: false, first_stage: false, username: &user, token: &token, expiry };
                let mut out = vec![];
                write_answer(&mut out, &answer).unwrap();
                let back = parse(&out[..]).unwrap();
                prop_assert_eq!(back.username.as_deref(), Some(user.as_str()));
                prop_assert_eq!(back.secret_fingerprint, Some(crate::secret::fingerprint(&token)));
            }
        }
    }
}
