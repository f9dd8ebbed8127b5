//! `WWW-Authenticate` (RFC 9110 §11.6.1): one header value → its challenges, each a scheme
//! with auth-params (or a token68). Pure, for untrusted input (fuzzed): a resource server's
//! header reaches tok through git's `wwwauth[]` lines. Then what a Bearer challenge asks
//! (RFC 6750 §3 `error`, `scope`; RFC 9470 `acr_values`, `max_age`).

/// One challenge: the scheme as sent, its parameters (names lowercased, in order) or token68.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
    pub token68: Option<String>,
}

impl Challenge {
    /// The value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a header value is not a list of challenges (never shown: a challenge that does not
/// parse is not acted on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// RFC 9110 §5.6.2 `tchar`.
fn tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// RFC 9110 §11.2 `token68` characters (before its trailing `=`s).
fn t68char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/".contains(&c)
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    /// A token at `i`, without moving.
    fn token_end(&self, from: usize) -> usize {
        let mut j = from;
        while j < self.s.len() && tchar(self.s[j]) {
            j += 1;
        }
        j
    }
    fn token(&mut self) -> Option<String> {
        let end = self.token_end(self.i);
        (end > self.i).then(|| {
            let t = String::from_utf8_lossy(&self.s[self.i..end]).into_owned();
            self.i = end;
            t
        })
    }
    /// Whether an auth-param (`token BWS "="`, not a token68's trailing `=`) starts here.
    fn at_param(&self) -> bool {
        let end = self.token_end(self.i);
        if end == self.i {
            return false;
        }
        let mut j = end;
        while matches!(self.s.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        if self.s.get(j) != Some(&b'=') {
            return false;
        }
        // `name=` followed by the end, a comma or another `=` is a token68 (`abc=`, `a==`).
        let mut k = j + 1;
        while matches!(self.s.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        !matches!(self.s.get(k), None | Some(b',' | b'='))
    }
    /// RFC 9110 §5.6.4 quoted-string, the opening quote at `i`.
    fn quoted(&mut self) -> Result<String, Malformed> {
        self.i += 1;
        let mut out = vec![];
        loop {
            match self.peek() {
                None => return Err(Malformed("unterminated quoted string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    let c = self.s.get(self.i + 1).copied();
                    match c {
                        Some(c) if c == b'\t' || c >= 0x20 && c != 0x7f => out.push(c),
                        _ => return Err(Malformed("bad escape in a quoted string")),
                    }
                    self.i += 2;
                }
                Some(c) if c == b'\t' || c >= 0x20 && c != 0x7f => {
                    out.push(c);
                    self.i += 1;
                }
                Some(_) => return Err(Malformed("control character in a quoted string")),
            }
        }
    }
    /// A token68 at `i`, if one ends the challenge here.
    fn token68(&mut self) -> Option<String> {
        let mut j = self.i;
        while j < self.s.len() && t68char(self.s[j]) {
            j += 1;
        }
        if j == self.i {
            return None;
        }
        while self.s.get(j) == Some(&b'=') {
            j += 1;
        }
        let mut k = j;
        while matches!(self.s.get(k), Some(b' ' | b'\t')) {
            k += 1;
        }
        if !matches!(self.s.get(k), None | Some(b',')) {
            return None;
        }
        let t = String::from_utf8_lossy(&self.s[self.i..j]).into_owned();
        self.i = j;
        Some(t)
    }
}

/// Parse one `WWW-Authenticate` field value: `#challenge`, where a challenge is `auth-scheme
/// [ 1*SP ( token68 / #auth-param ) ]` and list commas separate both challenges and their
/// parameters (a token followed by `=` is a parameter; any other token starts a challenge).
/// A parameter named twice in one challenge is refused (RFC 9110 §11.2: each name once).
pub fn parse(value: &str) -> Result<Vec<Challenge>, Malformed> {
    let mut c = Cursor {
        s: value.as_bytes(),
        i: 0,
    };
    let mut out: Vec<Challenge> = vec![];
    loop {
        // Empty list elements are allowed (RFC 9110 §5.6.1).
        while matches!(c.peek(), Some(b' ' | b'\t' | b',')) {
            c.i += 1;
        }
        if c.peek().is_none() {
            return Ok(out);
        }
        let scheme = c.token().ok_or(Malformed("expected an auth-scheme"))?;
        let mut ch = Challenge {
            scheme,
            ..Challenge::default()
        };
        let spaced = matches!(c.peek(), Some(b' ' | b'\t'));
        c.ows();
        if spaced && !c.at_param() {
            ch.token68 = c.token68();
        }
        if ch.token68.is_none() && spaced {
            params(&mut c, &mut ch)?;
        }
        c.ows();
        match c.peek() {
            None | Some(b',') => out.push(ch),
            Some(_) => return Err(Malformed("unexpected character after a challenge")),
        }
    }
}

/// The auth-params of `ch`, up to the next challenge or the end.
fn params(c: &mut Cursor<'_>, ch: &mut Challenge) -> Result<(), Malformed> {
    while c.at_param() {
        let name = c
            .token()
            .expect("at_param saw a token")
            .to_ascii_lowercase();
        c.ows();
        c.i += 1; // '='
        c.ows();
        let v = match c.peek() {
            Some(b'"') => c.quoted()?,
            _ => c.token().ok_or(Malformed("expected a parameter value"))?,
        };
        if ch.params.iter().any(|(k, _)| *k == name) {
            return Err(Malformed("a parameter named twice in one challenge"));
        }
        ch.params.push((name, v));
        c.ows();
        // Past list commas, a parameter continues this challenge; anything else is the next.
        let mark = c.i;
        while matches!(c.peek(), Some(b' ' | b'\t' | b',')) {
            c.i += 1;
        }
        if !c.at_param() {
            c.i = mark;
            return Ok(());
        }
        if !c.s[mark..c.i].contains(&b',') {
            return Err(Malformed("parameters must be separated by commas"));
        }
    }
    Ok(())
}

/// What a resource server's Bearer challenge asks of the next token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BearerChallenge {
    /// RFC 6750 §3.1 / RFC 9470 §3 `error`: `invalid_token`, `insufficient_scope`,
    /// `insufficient_user_authentication`, …
    pub error: Option<String>,
    pub scope: Option<String>,
    pub acr_values: Option<String>,
    /// `max_age` in seconds; a value that is not a number is dropped.
    pub max_age: Option<i64>,
}

/// The first Bearer challenge among the `WWW-Authenticate` values `headers` (each may hold
/// several challenges); values that do not parse are skipped.
pub fn bearer<'a>(headers: impl IntoIterator<Item = &'a str>) -> Option<BearerChallenge> {
    let ch = headers
        .into_iter()
        .filter_map(|h| parse(h).ok())
        .flatten()
        .find(|c| c.scheme.eq_ignore_ascii_case("bearer"))?;
    let get = |k: &str| ch.param(k).map(str::to_string).filter(|v| !v.is_empty());
    Some(BearerChallenge {
        error: get("error"),
        scope: get("scope"),
        acr_values: get("acr_values"),
        max_age: ch.param("max_age").and_then(|v| v.trim().parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(v: &str) -> Challenge {
        let mut all = parse(v).unwrap();
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_step_up_challenge_is_read_whole() {
        let c = one(
            r#"Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR urn:mfa", max_age=5"#,
        );
        assert_eq!(c.scheme, "Bearer");
        assert_eq!(c.param("ERROR"), Some("insufficient_user_authentication"));
        assert_eq!(c.param("acr_values"), Some("myACR urn:mfa"));
        assert_eq!(c.param("max_age"), Some("5"));
        let b = bearer([r#"Bearer error="insufficient_user_authentication", acr_values="a b", max_age="300", scope="repo:read""#]).unwrap();
        assert_eq!(
            b,
            BearerChallenge {
                error: Some("insufficient_user_authentication".into()),
                scope: Some("repo:read".into()),
                acr_values: Some("a b".into()),
                max_age: Some(300),
            }
        );
    }

    #[test]
    fn several_challenges_in_one_header_are_told_apart() {
        let all = parse(
            r#"Basic realm="a, b", Bearer realm="x", error=invalid_token, Negotiate abc+/=="#,
        )
        .unwrap();
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(all[0].params, p(&[("realm", "a, b")]));
        assert_eq!(all[1].scheme, "Bearer");
        assert_eq!(
            all[1].params,
            p(&[("realm", "x"), ("error", "invalid_token")])
        );
        assert_eq!(all[2].token68.as_deref(), Some("abc+/=="));
        // A scheme alone, then another; empty list elements; tabs; no space after commas.
        let all = parse("Negotiate, ,Bearer\trealm=x,scope=\"a b\"").unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[0],
            Challenge {
                scheme: "Negotiate".into(),
                ..Default::default()
            }
        );
        assert_eq!(all[1].params, p(&[("realm", "x"), ("scope", "a b")]));
        // The first Bearer challenge wins, across headers, and the scheme is case-insensitive.
        let b = bearer([
            "Basic realm=x",
            "bearer error=\"invalid_token\", Bearer scope=s",
        ])
        .unwrap();
        assert_eq!(b.error.as_deref(), Some("invalid_token"));
        assert_eq!(b.scope, None);
    }

    #[test]
    fn quoted_strings_keep_escapes_commas_and_equals() {
        let c =
            one(r#"Bearer realm="a \"quoted\" \\ realm, with = signs", error_description="x,y""#);
        assert_eq!(
            c.param("realm"),
            Some(r#"a "quoted" \ realm, with = signs"#)
        );
        assert_eq!(c.param("error_description"), Some("x,y"));
        // BWS around `=`, an empty quoted value.
        let c = one(r#"Bearer realm = "r" , scope="""#);
        assert_eq!(c.params, p(&[("realm", "r"), ("scope", "")]));
        // A token68 with padding, and a scheme's token68 that looks like `name=`.
        assert_eq!(
            one("Basic dXNlcjpwYXNz").token68.as_deref(),
            Some("dXNlcjpwYXNz")
        );
        assert_eq!(one("Basic abc=").token68.as_deref(), Some("abc="));
    }

    #[test]
    fn tricky_and_hostile_inputs_are_refused_not_guessed() {
        for bad in [
            r#"Bearer realm="open"#,          // unterminated
            "Bearer realm=\"a\u{1}b\"",       // control character
            "Bearer realm=\"a\\\u{7f}\"",     // escaped DEL
            r#"Bearer error="a", error="b""#, // a parameter twice (which one is meant?)
            r#"Bearer realm="a" scope="b""#,  // parameters without a comma
            "Bearer realm=",                  // no value (a token68 would be `realm=` alone: it is)
            "=x",                             // no scheme
            r#"Bearer realm="x" junk"#,       // trailing garbage
            "Bearer a=b=c",
        ] {
            if bad == "Bearer realm=" {
                // `realm=` is a valid token68, not a parameter without a value.
                assert_eq!(one(bad).token68.as_deref(), Some("realm="));
                continue;
            }
            assert!(parse(bad).is_err(), "accepted {bad:?}: {:?}", parse(bad));
        }
        // A bad header among good ones is skipped; a non-numeric max_age is dropped.
        let b = bearer([
            "Bearer error=\"x",
            r#"Bearer max_age="soon", acr_values="m""#,
        ])
        .unwrap();
        assert_eq!((b.acr_values.as_deref(), b.max_age), (Some("m"), None));
        assert_eq!(parse("").unwrap(), vec![]);
        assert_eq!(bearer(["Basic realm=x"]), None);
        // Non-ASCII inside a quoted string is kept (obs-text), never panics on a char boundary.
        assert_eq!(
            one("Bearer realm=\"caf\u{e9}\"").param("realm"),
            Some("caf\u{e9}")
        );
    }
}
