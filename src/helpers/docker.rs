//! docker's credential helper protocol (docker/docker-credential-helpers): the action in argv,
//! the server URL or a JSON record on stdin, JSON or a fixed sentence on stdout.
//!
//! Failures are answered on stdout with exit status 1 — that is where docker and skopeo read
//! the reason from. "Not found" must be exactly [`NOT_FOUND`]: clients compare the string.

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};

use serde::Serialize;

use super::{DOCKER, Helper, Outcome, TokenError, Tokens};
use crate::config::Config;

/// The sentence docker's clients recognise as "no credentials here, go on anonymously".
pub const NOT_FOUND: &str = "credentials not found in native keychain";
const MAX_INPUT: u64 = 64 * 1024;

/// What docker asks the helper to do: its first argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Get,
    Store,
    Erase,
    List,
    Version,
}

impl TryFrom<&str> for Action {
    /// The action docker named, unknown to this protocol.
    type Error = String;

    fn try_from(s: &str) -> Result<Self, String> {
        Ok(match s {
            "get" => Action::Get,
            "store" => Action::Store,
            "erase" => Action::Erase,
            "list" => Action::List,
            "version" => Action::Version,
            other => return Err(other.to_string()),
        })
    }
}

/// One registry of one profile.
#[derive(Debug, Clone)]
pub struct DockerTarget {
    pub profile: String,
    /// `host[:port]`, lowercase.
    pub registry: String,
    pub username: String,
}

/// Every registry of every profile. Invalid entries are skipped and described in the second
/// list.
pub fn docker_targets(config: &Config) -> (Vec<DockerTarget>, Vec<String>) {
    let mut targets = vec![];
    let mut problems = vec![];
    for e in DOCKER.entries(config) {
        match normalize_registry(e.value) {
            Ok(registry) => targets.push(DockerTarget {
                profile: e.profile.clone(),
                registry,
                username: DOCKER
                    .username(e.config)
                    .expect("docker has a default username"),
            }),
            Err(m) => problems.push(DOCKER.problem(e.profile, &m)),
        }
    }
    (targets, problems)
}

/// `host[:port]` from what docker sends or the user writes: `reg.example.com`,
/// `https://reg.example.com:5000/v2/`, `127.0.0.1:5000`. Lowercase, no scheme, no path.
pub fn normalize_registry(s: &str) -> Result<String, String> {
    let t = s.trim();
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or(t);
    let host = rest.split('/').next().unwrap_or("");
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'));
    if !ok {
        return Err(format!("`{s}` is not a registry host[:port]"));
    }
    Ok(host.to_ascii_lowercase())
}

/// The `get` answer. Field names are the protocol's.
#[derive(Serialize)]
#[allow(non_snake_case)]
struct Credentials<'a> {
    ServerURL: &'a str,
    Username: &'a str,
    Secret: &'a str,
}

/// docker's helper: the registries every profile serves, and tok's version for `version`.
pub struct Docker {
    pub targets: Vec<DockerTarget>,
    pub version: &'static str,
}

impl Docker {
    fn find(&self, server: &str) -> Option<&DockerTarget> {
        if cleartext_remote(server) {
            return None;
        }
        let reg = normalize_registry(server).ok()?;
        self.targets.iter().find(|t| t.registry == reg)
    }
}

/// docker's answer to anything it cannot use: the reason on stdout, exit status 1.
fn failed(out: &mut impl Write, line: &str, note: Option<String>) -> Result<Outcome, super::Error> {
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(Outcome::Failed { note })
}

impl Helper for Docker {
    type Action = Action;

    fn uses_tokens(action: Action) -> bool {
        matches!(action, Action::Get | Action::Erase)
    }

    fn unknown(action: &str, out: &mut impl Write) -> Result<Outcome, super::Error> {
        let line = format!(
            "unknown action `{}`: use get, store, erase, list or version",
            action.escape_default()
        );
        failed(out, &line, None)
    }

    /// Read the server URL (or `store`'s JSON) from `input`, answer on `out`.
    fn serve(
        &self,
        action: Action,
        input: impl BufRead,
        out: &mut impl Write,
        tokens: &mut impl Tokens,
        _now: i64,
    ) -> Result<Outcome, super::Error> {
        let mut input = input.take(MAX_INPUT);
        let mut read_input = || -> std::io::Result<String> {
            let mut text = String::new();
            input.read_to_string(&mut text)?;
            Ok(text)
        };
        let outcome = match action {
            Action::Get => {
                let text = read_input()?;
                let server = text.trim();
                let Some(t) = self.find(server) else {
                    return failed(out, NOT_FOUND, None);
                };
                match tokens.get(&t.profile, &t.registry) {
                    Ok(token) => {
                        let c = Credentials {
                            ServerURL: server,
                            Username: &t.username,
                            // The boundary: the token leaves tok here, on docker's stdout.
                            Secret: token.access_token.expose(),
                        };
                        let json = serde_json::to_string(&c).expect("strings serialize");
                        writeln!(out, "{json}")?;
                        Outcome::Answered {
                            profile: t.profile.clone(),
                        }
                    }
                    Err(e) => {
                        let hint = matches!(e, TokenError::LoginRequired(_))
                            .then(|| format!("run `tok login -p {}`", t.profile));
                        return failed(out, &format!("tok: {e}"), hint);
                    }
                }
            }
            Action::List => {
                let map: BTreeMap<&str, &str> = self
                    .targets
                    .iter()
                    .map(|t| (t.registry.as_str(), t.username.as_str()))
                    .collect();
                let json = serde_json::to_string(&map).expect("strings serialize");
                writeln!(out, "{json}")?;
                Outcome::Ignored
            }
            // tok is the storage: what `docker login` stores is not kept (the next `get`
            // answers with a fresh token from the session).
            Action::Store => {
                read_input()?;
                Outcome::Ignored
            }
            Action::Erase => match self.find(read_input()?.trim()) {
                Some(t) => Outcome::Erased {
                    profile: t.profile.clone(),
                    forgot: tokens.reject(&t.profile, None)?,
                },
                None => Outcome::NotOurs,
            },
            Action::Version => {
                writeln!(out, "docker-credential-tok (tok) {}", self.version)?;
                Outcome::Ignored
            }
        };
        out.flush()?;
        Ok(outcome)
    }
}

/// `http://` to a host that is not loopback: a token sent there travels in clear text, so the
/// helper answers "not found" (as the git helper refuses cleartext remotes).
fn cleartext_remote(server: &str) -> bool {
    let s = server.trim();
    s.get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
        && !url::Url::parse(s).is_ok_and(|u| crate::url_policy::is_loopback(&u))
}

/// The helper name tok writes into `credHelpers` (docker runs `docker-credential-tok`).
pub const HELPER: &str = "tok";

/// The members of a JSON object in file order, each value as the exact JSON text the file
/// holds: what tok does not own is written back as it was read (numbers beyond `f64`, escapes,
/// duplicate keys included).
struct Members(Vec<(String, Box<serde_json::value::RawValue>)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Members, A::Error> {
                let mut out = vec![];
                while let Some(kv) = m.next_entry()? {
                    out.push(kv);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

impl Members {
    /// docker's own layout (`json.MarshalIndent(…, "", "\t")`), one level deep: the values
    /// below keep the text they had.
    fn render(&self, indent: &str) -> String {
        if self.0.is_empty() {
            return "{}".into();
        }
        let inner = self
            .0
            .iter()
            .map(|(k, v)| {
                let key = serde_json::to_string(k).expect("strings serialize");
                format!("{indent}\t{key}: {}", v.get())
            })
            .collect::<Vec<_>>()
            .join(",\n");
        format!("{{\n{inner}\n{indent}}}")
    }
}

/// `tok setup docker` (`add`) or `tok setup docker --remove` on the text of docker's
/// `config.json` (`None`: no file): set or remove `credHelpers[registry] = "tok"`. Everything
/// else is written back as it was read, in docker's layout. `Ok(None)`: nothing to change (the
/// file is not written). A file that is not a JSON object, or whose `credHelpers` already sends
/// the registry to another helper, is refused and left alone.
pub fn edit_config(
    existing: Option<&[u8]>,
    registry: &str,
    add: bool,
) -> Result<Option<String>, String> {
    let mut doc = match existing {
        None => Members(vec![]),
        Some(b) if b.iter().all(u8::is_ascii_whitespace) => Members(vec![]),
        // serde_json's message may quote the file (an `auth` secret): position and kind only.
        Some(b) => serde_json::from_slice::<Members>(b).map_err(|e| {
            use serde_json::error::Category;
            let what = match e.classify() {
                Category::Eof => "it ends too early",
                Category::Syntax | Category::Io => "not JSON",
                Category::Data => "not an object",
            };
            format!(
                "is not a JSON object ({what} at line {}, column {})",
                e.line(),
                e.column()
            )
        })?,
    };
    // The last `credHelpers` is the one docker reads.
    let at = doc.0.iter().rposition(|(k, _)| k == "credHelpers");
    let mut helpers = match at {
        None => Members(vec![]),
        Some(i) => serde_json::from_str::<Members>(doc.0[i].1.get())
            .map_err(|_| "has a `credHelpers` that is not an object".to_string())?,
    };
    let is_tok = |v: &serde_json::value::RawValue| {
        serde_json::from_str::<String>(v.get()).is_ok_and(|s| s == HELPER)
    };
    let current = helpers.0.iter().rev().find(|(k, _)| k == registry);
    if add {
        match current {
            Some((_, v)) if is_tok(v) => return Ok(None),
            Some((_, v)) => {
                return Err(format!(
                    "already sends {registry} to the credential helper {} in `credHelpers` (docker uses one helper per registry)",
                    crate::output::one_line(v.get())
                ));
            }
            None => {}
        }
        let tok = serde_json::value::to_raw_value(HELPER).expect("strings serialize");
        helpers.0.push((registry.to_string(), tok));
    } else {
        let before = helpers.0.len();
        helpers.0.retain(|(k, v)| !(k == registry && is_tok(v)));
        if helpers.0.len() == before {
            return Ok(None);
        }
    }
    let rendered = || {
        serde_json::value::RawValue::from_string(helpers.render("\t"))
            .expect("rendered from parsed members")
    };
    match at {
        Some(i) if helpers.0.is_empty() => {
            doc.0.remove(i);
        }
        Some(i) => doc.0[i].1 = rendered(),
        None => doc.0.push(("credHelpers".into(), rendered())),
    }
    Ok(Some(format!("{}\n", doc.render(""))))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    #[test]
    fn cleartext_registries_are_refused_unless_loopback() {
        assert!(cleartext_remote("http://reg.example.com"));
        assert!(cleartext_remote("HTTP://reg.example.com:5000/v2/"));
        assert!(!cleartext_remote("http://127.0.0.1:5000"));
        assert!(!cleartext_remote("http://localhost:5000"));
        assert!(!cleartext_remote("https://reg.example.com"));
        assert!(!cleartext_remote("reg.example.com"));
    }
    use crate::helpers::Token;
    use crate::secret::AccessToken;

    #[derive(Default)]
    struct Fake {
        logged_out: bool,
        rejected: Vec<String>,
    }

    impl Tokens for Fake {
        fn get(&mut self, profile: &str, _host: &str) -> Result<Token, TokenError> {
            if self.logged_out {
                return Err(TokenError::LoginRequired(crate::helpers::Cause::from(
                    format!("no session for profile `{profile}`"),
                )));
            }
            Ok(Token {
                access_token: AccessToken::new("s3cr\"et"),
                expires_at: None,
            })
        }
        fn reject(&mut self, profile: &str, fp: Option<&str>) -> Result<bool, TokenError> {
            assert!(fp.is_none());
            self.rejected.push(profile.into());
            Ok(true)
        }
    }

    fn targets() -> Vec<DockerTarget> {
        vec![DockerTarget {
            profile: "work".into(),
            registry: "reg.example.com:5000".into(),
            username: "oauth2accesstoken".into(),
        }]
    }

    fn run(action: &str, input: &str, fake: &mut Fake) -> (String, Outcome) {
        let mut out = vec![];
        let docker = Docker {
            targets: targets(),
            version: "1.0",
        };
        let o =
            crate::helpers::serve(&docker, action, Cursor::new(input), &mut out, fake, 0).unwrap();
        (String::from_utf8(out).unwrap(), o)
    }

    #[test]
    fn get_with_or_without_scheme() {
        let mut f = Fake::default();
        for server in ["reg.example.com:5000", "https://reg.example.com:5000/v2/\n"] {
            let (out, o) = run("get", server, &mut f);
            assert!(matches!(o, Outcome::Answered { .. }), "{o:?}");
            assert_eq!(
                out,
                format!(
                    "{{\"ServerURL\":\"{}\",\"Username\":\"oauth2accesstoken\",\"Secret\":\"s3cr\\\"et\"}}\n",
                    server.trim()
                )
            );
        }
    }

    #[test]
    fn not_found_is_the_exact_sentence() {
        let mut f = Fake::default();
        let (out, o) = run("get", "docker.io", &mut f);
        assert_eq!(out, "credentials not found in native keychain\n");
        assert_eq!(o.status(), 1);
    }

    #[test]
    fn another_spelling_of_the_registry_is_not_found() {
        // Registries are compared as text, never through a URL parse: numeric IPv4 forms,
        // escapes and tabs name other hosts (issue 19 item 1).
        let loopback = [DockerTarget {
            profile: "work".into(),
            registry: "127.0.0.1:5000".into(),
            username: "u".into(),
        }];
        for server in [
            "127.0.0.1:5000",
            "0x7f.1:5000",
            "127.1:5000",
            "0177.0.0.1:5000",
            "2130706433:5000",
            "https://0x7f.1:5000/v2/",
            "127.0.0.1:05000",
        ] {
            let mut out = vec![];
            let docker = Docker {
                targets: loopback.to_vec(),
                version: "1",
            };
            let o = crate::helpers::serve(
                &docker,
                "get",
                Cursor::new(server),
                &mut out,
                &mut Fake::default(),
                0,
            )
            .unwrap();
            let want = if server == "127.0.0.1:5000" { 0 } else { 1 };
            assert_eq!(o.status(), want, "{server}");
        }
        let mut f = Fake::default();
        for server in ["reg%2eexample.com:5000", "reg.exa\tmple.com:5000"] {
            assert_eq!(run("get", server, &mut f).1.status(), 1, "{server:?}");
        }
    }

    #[test]
    fn no_session_fails_with_a_hint() {
        let mut f = Fake {
            logged_out: true,
            ..Default::default()
        };
        let (out, o) = run("get", "reg.example.com:5000", &mut f);
        assert_eq!(out, "tok: no session for profile `work`\n");
        assert_eq!(o.status(), 1);
        assert!(matches!(o, Outcome::Failed { note: Some(n) } if n == "run `tok login -p work`"));
    }

    #[test]
    fn actions() {
        for (n, a) in [
            ("get", Action::Get),
            ("store", Action::Store),
            ("erase", Action::Erase),
            ("list", Action::List),
            ("version", Action::Version),
        ] {
            assert_eq!(Action::try_from(n), Ok(a));
        }
        assert!(Action::try_from("fill").is_err());
        let (out, o) = run("g\u{1b}t", "", &mut Fake::default());
        assert_eq!(
            out,
            "unknown action `g\\u{1b}t`: use get, store, erase, list or version\n"
        );
        assert_eq!(o.status(), 1);
    }

    #[test]
    fn list_store_erase_version() {
        let mut f = Fake::default();
        assert_eq!(
            run("list", "", &mut f).0,
            "{\"reg.example.com:5000\":\"oauth2accesstoken\"}\n"
        );
        let (out, o) = run(
            "store",
            r#"{"ServerURL":"reg.example.com:5000","Username":"u","Secret":"x"}"#,
            &mut f,
        );
        assert_eq!((out.as_str(), o.status()), ("", 0));
        let (out, o) = run("erase", "reg.example.com:5000", &mut f);
        assert_eq!((out.as_str(), o.status()), ("", 0));
        run("erase", "other.example.com", &mut f);
        assert_eq!(f.rejected, vec!["work".to_string()]);
        assert_eq!(
            run("version", "", &mut f).0,
            "docker-credential-tok (tok) 1.0\n"
        );
        assert_eq!(run("nope", "", &mut f).1.status(), 1);
    }

    /// The members of an object, each value's exact text.
    fn raw_members(text: &str) -> Vec<(String, String)> {
        let m: Members = serde_json::from_str(text).unwrap();
        m.0.into_iter()
            .map(|(k, v)| (k, v.get().to_string()))
            .collect()
    }

    /// See: issue 24. `serde_json::Value` turned 12345678901234567890123 into
    /// 1.2345678901234568e22 and dropped duplicate keys: setup rewrote numbers the user had.
    #[test]
    fn setup_keeps_every_member_as_written() {
        let user = "{\"big\": 12345678901234567890123, \"esc\": \"\\u00e9\", \"d\": 1, \"d\": 2, \"auths\": {\"x\": {\"auth\": \"c2VjcmV0\"}}}";
        let added = edit_config(Some(user.as_bytes()), "registry.test", true)
            .unwrap()
            .unwrap();
        assert_eq!(
            added,
            "{\n\t\"big\": 12345678901234567890123,\n\t\"esc\": \"\\u00e9\",\n\t\"d\": 1,\n\t\"d\": 2,\n\t\"auths\": {\"x\": {\"auth\": \"c2VjcmV0\"}},\n\t\"credHelpers\": {\n\t\t\"registry.test\": \"tok\"\n\t}\n}\n"
        );
        let back = edit_config(Some(added.as_bytes()), "registry.test", false)
            .unwrap()
            .unwrap();
        assert_eq!(raw_members(&back), raw_members(user));
    }

    /// See: issue 24. Another helper's entry for the registry was overwritten, and `--remove`
    /// then deleted it: the user's setting was lost.
    #[test]
    fn another_helper_for_the_registry_is_refused() {
        let user = br#"{"credHelpers": {"registry.test": "gcloud", "other": "tok"}}"#;
        let e = edit_config(Some(user), "registry.test", true).unwrap_err();
        assert!(
            e.contains("\"gcloud\"") && e.contains("registry.test"),
            "{e}"
        );
        assert_eq!(edit_config(Some(user), "registry.test", false), Ok(None));
    }

    #[test]
    fn nothing_to_change_writes_nothing() {
        let user = br#"{"credHelpers":{"registry.test":"tok"}}"#;
        assert_eq!(edit_config(Some(user), "registry.test", true), Ok(None));
        assert_eq!(edit_config(None, "registry.test", false), Ok(None));
        assert_eq!(edit_config(Some(b"{}"), "registry.test", false), Ok(None));
    }

    /// See: issue 24 (found by `docker_config`): serde_json's message quoted the file.
    #[test]
    fn a_refusal_never_quotes_the_file() {
        let e = edit_config(Some(br#""c2VjcmV0LWF1dGg=""#), "r.test", true).unwrap_err();
        assert_eq!(
            e,
            "is not a JSON object (not an object at line 1, column 18)"
        );
    }

    #[test]
    fn what_is_no_json_object_is_refused() {
        for bad in [
            &b"[1]"[..],
            b"{",
            b"{\"a\":1} x",
            b"\xff",
            b"{\"credHelpers\": []}",
        ] {
            let e = edit_config(Some(bad), "registry.test", true).unwrap_err();
            assert!(!e.contains('\n'), "{e}");
        }
        assert_eq!(
            edit_config(Some(b"  \n"), "r.test", true).unwrap().unwrap(),
            "{\n\t\"credHelpers\": {\n\t\t\"r.test\": \"tok\"\n\t}\n}\n"
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// JSON values as users' files hold them: big numbers, escapes, nesting.
        fn json_text() -> impl Strategy<Value = String> {
            let leaf = prop_oneof![
                "-?[1-9][0-9]{0,40}(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?",
                any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
                Just("\"\\u00e9\\ud83d\\ude00\"".to_string()),
                Just("true".to_string()),
                Just("null".to_string()),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4)
                        .prop_map(|v| format!("[{}]", v.join(","))),
                    prop::collection::vec((any::<String>(), inner), 0..4).prop_map(|v| {
                        let m: Vec<String> = v
                            .iter()
                            .map(|(k, x)| format!("{}: {x}", serde_json::to_string(k).unwrap()))
                            .collect();
                        format!("{{ {} }}", m.join(", "))
                    }),
                ]
            })
        }

        proptest! {
            /// `tok setup docker` then `--remove` gives back every member the user had, each
            /// with its exact text, in order.
            #[test]
            fn setup_then_remove_keeps_the_document(members in prop::collection::vec(("[a-zA-Z]{1,8}", json_text()), 0..6)) {
                let user = format!(
                    "{{{}}}",
                    members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
                );
                let added = edit_config(Some(user.as_bytes()), "registry.test", true).unwrap().unwrap();
                let back = edit_config(Some(added.as_bytes()), "registry.test", false).unwrap().unwrap();
                prop_assert_eq!(raw_members(&back), raw_members(&user));
            }
        }
    }
}
