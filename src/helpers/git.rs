//! git's credential helper protocol (git-credential(1), "CUSTOM HELPERS"): `key=value` lines on
//! stdin up to a blank line, the answer on stdout.
//!
//! tok owns the session, so it answers `get` with a fresh access token and never hands git its
//! refresh token (git would pass it to every other helper's `store`, plaintext files included).
//! Values with NUL, CR or LF are refused on input and on output (credential-injection CVEs).

use std::io::{BufRead, Write};

use super::{GitTarget, Location, Tokens, best_git_target, login_required, reported_expiry};
use crate::secret::fingerprint;

/// The `state[]` prefix identifying a token tok served (followed by its fingerprint).
const STATE_PREFIX: &str = "tok:at:";
/// Input larger than this is not a credential description.
const MAX_INPUT: u64 = 64 * 1024;

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
pub enum Error {
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
pub fn parse(input: impl BufRead) -> Result<Request, Error> {
    let mut input = input.take(MAX_INPUT + 1);
    let mut req = Request::default();
    let mut total = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input.read_until(b'\n', &mut line).map_err(Error::Io)?;
        total += n as u64;
        if total > MAX_INPUT {
            return Err(Error::TooLong);
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
        let text = std::str::from_utf8(&line).map_err(|_| Error::NotUtf8)?;
        let (key, value) = text.split_once('=').ok_or(Error::NoEquals)?;
        if value.contains(['\0', '\r']) || key.contains(['\0', '\r']) {
            return Err(Error::ControlCharacter(key.replace(['\0', '\r'], "?")));
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
    pub bearer: bool,
    pub state: bool,
    pub username: &'a str,
    pub token: &'a str,
    pub expiry: Option<i64>,
}

/// Write an answer. Capability keys come first, and only those git announced.
pub fn write_answer(out: &mut impl Write, a: &Answer) -> Result<(), Error> {
    let mut lines: Vec<(&'static str, String)> = vec![];
    if a.bearer {
        lines.push(("capability[]", "authtype".into()));
    }
    if a.state {
        lines.push(("capability[]", "state".into()));
    }
    if a.bearer {
        lines.push(("authtype", "Bearer".into()));
        lines.push(("credential", a.token.into()));
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
    let mut buf = String::new();
    for (k, v) in &lines {
        if v.contains(['\0', '\r', '\n']) {
            return Err(Error::BadOutput(k));
        }
        buf.push_str(k);
        buf.push('=');
        buf.push_str(v);
        buf.push('\n');
    }
    out.write_all(buf.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Io)
}

/// What a `get` or `erase` came to, for the command to report on stderr.
#[derive(Debug)]
pub enum Outcome {
    /// A token was written for this profile.
    Answered { profile: String },
    /// No profile serves this host (or the input named none): nothing written.
    NotOurs,
    /// Plain http to a host other than loopback: nothing written.
    Cleartext { host: String },
    /// The profile has no usable session: nothing written.
    LoginRequired { profile: String, err: anyhow::Error },
    /// `erase`: whether the served token was forgotten.
    Erased { profile: String, forgot: bool },
    /// `store` and unknown actions.
    Ignored,
}

/// `get`: answer with a fresh token for a host a profile serves.
pub fn get(
    req: &Request,
    out: &mut impl Write,
    targets: &[GitTarget],
    tokens: &mut dyn Tokens,
    now: i64,
) -> anyhow::Result<Outcome> {
    let Some(loc) = req.location() else {
        return Ok(Outcome::NotOurs);
    };
    if loc.is_cleartext_remote() {
        return Ok(Outcome::Cleartext {
            host: loc.host.clone(),
        });
    }
    let Some(target) = best_git_target(targets, &loc) else {
        return Ok(Outcome::NotOurs);
    };
    let token = match tokens.get(&target.profile, &loc.host) {
        Ok(t) => t,
        Err(err) if login_required(&err) => {
            return Ok(Outcome::LoginRequired {
                profile: target.profile.clone(),
                err,
            });
        }
        Err(err) => return Err(err),
    };
    let bearer = req.has_capability("authtype")
        && target.bearer.unwrap_or_else(|| req.server_offers_bearer());
    let answer = Answer {
        bearer,
        state: req.has_capability("state"),
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

/// `erase`: git says the credential was rejected. Forget that access token (matched by the
/// `state[]` tok gave or the echoed secret's fingerprint) and keep the session.
pub fn erase(
    req: &Request,
    targets: &[GitTarget],
    tokens: &mut dyn Tokens,
) -> anyhow::Result<Outcome> {
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
    }

    impl Tokens for Fake {
        fn get(&mut self, profile: &str, _host: &str) -> anyhow::Result<Token> {
            if !self.logged_in {
                return Err(crate::session::SessionError::NotLoggedIn {
                    profile: profile.into(),
                }
                .into());
            }
            Ok(Token {
                access_token: AccessToken::new("tok-en"),
                expires_at: Some(10_000),
            })
        }
        fn reject(&mut self, profile: &str, fp: Option<&str>) -> anyhow::Result<bool> {
            self.rejected.push((profile.into(), fp.map(Into::into)));
            Ok(true)
        }
    }

    fn targets() -> Vec<GitTarget> {
        vec![GitTarget {
            profile: "work".into(),
            pattern: HostPattern::parse("git.example.com").unwrap(),
            username: "oauth2".into(),
            bearer: None,
        }]
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
                "capability[]=authtype\ncapability[]=state\nauthtype=Bearer\ncredential=tok-en\nephemeral=1\npassword_expiry_utc={}\nstate[]=tok:at:{fp}\n",
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
        // With the capability but a Basic-only server: Basic, plus state.
        let (out, _) = run_get(
            "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git.example.com\nwwwauth[]=Basic realm=x\n",
            &mut f,
        );
        assert!(
            out.starts_with("capability[]=state\nusername=oauth2\n"),
            "{out}"
        );
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
        for input in [
            "protocol=https\nhost=git.example.com\rpassword=x\n",
            "protocol=https\nhost=git.example.com\0evil\n",
            "protocol=https\npath=a\r\n",
        ] {
            assert!(
                matches!(parse(Cursor::new(input)), Err(Error::ControlCharacter(_))),
                "{input:?}"
            );
        }
        assert!(matches!(
            parse(Cursor::new("novalue\n")),
            Err(Error::NoEquals)
        ));
        let mut out = vec![];
        let a = Answer {
            bearer: false,
            state: false,
            username: "u\nhost=evil",
            token: "t",
            expiry: None,
        };
        assert!(matches!(
            write_answer(&mut out, &a),
            Err(Error::BadOutput("username"))
        ));
        assert!(out.is_empty());
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
    fn capabilities() {
        let mut out = vec![];
        write_capabilities(&mut out).unwrap();
        assert_eq!(
            out,
            b"version 0\ncapability authtype\ncapability state\n".to_vec()
        );
    }
}
