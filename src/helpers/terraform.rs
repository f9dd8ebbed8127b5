//! Terraform's (and OpenTofu's) credentials helper protocol: `terraform-credentials-NAME
//! [ARGS…] get|store|forget HOST`. `get` prints `{"token":"…"}`, or `{}` when the helper has
//! none for HOST; `store` receives `{"token":…}` on stdin; `forget` deletes. Terraform reaches
//! every host it asks about over HTTPS (service discovery at `/.well-known/terraform.json`), and
//! names it as `host` or `host:port` (its "svchost" form: lowercase, without `:443`).

use std::io::{BufRead, Read, Write};

use super::{Helper, Outcome, TERRAFORM, Tokens};
use crate::config::Config;

const MAX_INPUT: u64 = 64 * 1024;

/// What Terraform asks the helper to do: the argument before the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Get,
    Store,
    Forget,
}

impl TryFrom<&str> for Action {
    /// The action named, unknown to this protocol.
    type Error = String;

    fn try_from(s: &str) -> Result<Self, String> {
        Ok(match s {
            "get" => Action::Get,
            "store" => Action::Store,
            "forget" => Action::Forget,
            other => return Err(other.to_string()),
        })
    }
}

/// One Terraform host of one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformTarget {
    pub profile: String,
    /// `host` or `host:port`, normalised by [`normalize_host`].
    pub host: String,
}

/// Every `terraform_hosts` entry of every profile. Invalid entries are skipped and described in
/// the second list.
pub fn terraform_targets(config: &Config) -> (Vec<TerraformTarget>, Vec<String>) {
    let mut targets = vec![];
    let mut problems = vec![];
    for e in TERRAFORM.entries(config) {
        match normalize_host(e.value) {
            Ok(host) => targets.push(TerraformTarget {
                profile: e.profile.clone(),
                host,
            }),
            Err(m) => problems.push(TERRAFORM.problem(e.profile, &m)),
        }
    }
    (targets, problems)
}

/// A host as Terraform names it: lowercase `host` or `host:port`, `:443` dropped (Terraform
/// drops it too, since it speaks only HTTPS). No scheme, path, user or whitespace: what is
/// compared is exactly the host and port Terraform will send the token to. A spelling a URL
/// parser would rewrite (`0x7f.1`, `127.1`, `2130706433`, `%2e`, a tab) is refused: Terraform
/// resolves such a name as it is written, so it is not the host the entry seems to name.
pub fn normalize_host(s: &str) -> Result<String, String> {
    svchost(s.trim())
        .ok_or_else(|| format!("`{s}` is not a Terraform host (`host` or `host:port`)"))
}

/// Whether Terraform asking about `asked` means the `configured` host (as
/// [`normalize_host`] returns it). Compares the text Terraform forms (ASCII lowercase, `:443`
/// dropped) and nothing a URL parser would make of it: `0x7f.1:8443` is not `127.0.0.1:8443`
/// to Terraform, which resolves it through DNS and its search domains.
pub fn terraform_host_matches(configured: &str, asked: &str) -> bool {
    svchost(asked).is_some_and(|h| h == configured)
}

/// `text` in Terraform's comparison form when a URL parser reads back the same text; `None`
/// for anything it would rewrite (numeric IPv4 forms, percent-escapes, removed tabs, IDNA,
/// a port with leading zeros) or cut (scheme, path, user).
fn svchost(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let odd = |c: char| {
        matches!(c, '/' | '@' | '?' | '#' | '\\' | '%') || c.is_whitespace() || c.is_control()
    };
    if lower.is_empty() || lower.contains(odd) {
        return None;
    }
    let url = url::Url::parse(&format!("https://{lower}/")).ok()?;
    let host = url.host_str().filter(|h| !h.is_empty())?;
    // `Url` drops the default port 443, as Terraform's svchost does.
    let formed = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let expected = lower.strip_suffix(":443").unwrap_or(&lower);
    (formed == expected).then_some(formed)
}

/// Why the helper did not do what Terraform asked.
#[derive(Debug, thiserror::Error)]
pub enum TerraformError {
    /// `store` (what `terraform login` calls): tok's tokens come from its own login. Names the
    /// profile that serves the host, when one does.
    #[error(
        "Terraform asked tok to store a token for {host}; tok's tokens come from its own login"
    )]
    StoreRefused {
        host: String,
        profile: Option<String>,
    },
    #[error("unknown action `{0}`")]
    UnknownAction(String),
    #[error("`{0}` needs the host")]
    NoHost(String),
}

/// Terraform's helper for the one host it asks about: the hosts every profile serves.
pub struct Terraform {
    pub targets: Vec<TerraformTarget>,
    /// The host as Terraform named it.
    pub host: String,
}

impl Helper for Terraform {
    type Action = Action;

    fn uses_tokens(_: Action) -> bool {
        true
    }

    fn unknown(action: &str, _out: &mut impl Write) -> Result<Outcome, super::Error> {
        Err(TerraformError::UnknownAction(action.to_string()).into())
    }

    /// `get` answers on `out`; `store` drains `input` and refuses.
    fn serve(
        &self,
        action: Action,
        input: impl BufRead,
        out: &mut impl Write,
        tokens: &mut impl Tokens,
        _now: i64,
    ) -> Result<Outcome, super::Error> {
        let host = &self.host;
        let target = self
            .targets
            .iter()
            .find(|t| terraform_host_matches(&t.host, host));
        let outcome = match action {
            Action::Get => {
                let Some(t) = target else {
                    // Not ours: Terraform goes on without credentials for this host.
                    out.write_all(b"{}\n")?;
                    out.flush()?;
                    return Ok(Outcome::NotOurs);
                };
                let token = tokens.get(&t.profile, &t.host)?;
                // The boundary: the token leaves tok here, on Terraform's stdout.
                let json = serde_json::json!({ "token": token.access_token.expose() });
                out.write_all(format!("{json}\n").as_bytes())?;
                Outcome::Answered {
                    profile: t.profile.clone(),
                }
            }
            Action::Store => {
                // Drain what Terraform sends (its token, from `terraform login`), unread.
                let mut sink = zeroize::Zeroizing::new(Vec::new());
                let _ = input.take(MAX_INPUT).read_to_end(&mut sink);
                return Err(TerraformError::StoreRefused {
                    host: crate::output::one_line(host),
                    profile: target.map(|t| t.profile.clone()),
                }
                .into());
            }
            Action::Forget => match target {
                Some(t) => Outcome::Erased {
                    profile: t.profile.clone(),
                    forgot: tokens.reject(&t.profile, None)?,
                },
                None => Outcome::NotOurs,
            },
        };
        out.flush()?;
        Ok(outcome)
    }
}

/// The `credentials_helper` block `tok setup terraform` adds to the CLI configuration.
pub const HELPER_BLOCK: &str = "credentials_helper \"tok\" {}\n";

/// The comment line before [`HELPER_BLOCK`]; its variant records what else setup changed, so
/// that `--remove` restores the file byte for byte.
const MARK: &str = "# Added by `tok setup terraform`; `tok setup terraform --remove` takes it out";
const MARK_NEWLINE: &str = " (and the line break before it)";
const MARK_CREATED: &str = " (and the file: it did not exist)";

/// What the CLI configuration holds about credentials helpers.
#[derive(Debug, PartialEq, Eq)]
pub enum HelperConfig {
    /// No `credentials_helper` block.
    None,
    /// `credentials_helper "tok"`.
    Tok,
    /// Another helper: Terraform uses only one.
    Other(String),
}

/// The `credentials_helper` block of a CLI configuration (HCL), found by its first line.
pub fn helper_in(text: &str) -> HelperConfig {
    for line in text.lines() {
        let l = line.trim_start();
        let Some(rest) = l.strip_prefix("credentials_helper") else {
            continue;
        };
        let name = rest.trim_start().trim_start_matches('"');
        let name: String = name
            .chars()
            .take_while(|c| *c != '"' && *c != ' ')
            .collect();
        return if name == "tok" {
            HelperConfig::Tok
        } else {
            HelperConfig::Other(name)
        };
    }
    HelperConfig::None
}

/// The CLI configuration with tok's block added (`existing`: the file's content, `None` when
/// it does not exist).
pub fn add_helper(existing: Option<&str>) -> String {
    match existing {
        None => format!("{MARK}{MARK_CREATED}\n{HELPER_BLOCK}"),
        Some(t) if !t.is_empty() && !t.ends_with('\n') => {
            format!("{t}\n{MARK}{MARK_NEWLINE}\n{HELPER_BLOCK}")
        }
        Some(t) => format!("{t}{MARK}\n{HELPER_BLOCK}"),
    }
}

/// The CLI configuration with tok's block taken out again: `Some(None)` when the file should be
/// deleted (setup created it), `None` when the block tok adds is not there.
pub fn remove_helper(text: &str) -> Option<Option<String>> {
    let created = format!("{MARK}{MARK_CREATED}\n{HELPER_BLOCK}");
    if text == created {
        return Some(None);
    }
    let newline = format!("\n{MARK}{MARK_NEWLINE}\n{HELPER_BLOCK}");
    if let Some(i) = text.rfind(&newline) {
        return Some(Some(format!(
            "{}{}",
            &text[..i],
            &text[i + newline.len()..]
        )));
    }
    let plain = format!("{MARK}\n{HELPER_BLOCK}");
    let i = text.rfind(&plain)?;
    Some(Some(format!("{}{}", &text[..i], &text[i + plain.len()..])))
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::helpers::Token;
    use crate::secret::AccessToken;

    #[derive(Default)]
    struct Fake {
        asked: Vec<(String, String)>,
        rejected: Vec<String>,
    }

    impl Tokens for Fake {
        fn get(&mut self, profile: &str, host: &str) -> Result<Token, crate::helpers::TokenError> {
            self.asked.push((profile.into(), host.into()));
            Ok(Token {
                access_token: AccessToken::new("at-\"tf\""),
                expires_at: Some(100),
            })
        }
        fn reject(
            &mut self,
            profile: &str,
            _: Option<&str>,
        ) -> Result<bool, crate::helpers::TokenError> {
            self.rejected.push(profile.into());
            Ok(true)
        }
    }

    fn targets() -> Vec<TerraformTarget> {
        vec![
            TerraformTarget {
                profile: "work".into(),
                host: "registry.example.com".into(),
            },
            TerraformTarget {
                profile: "local".into(),
                host: "127.0.0.1:8443".into(),
            },
        ]
    }

    fn run(
        action: &str,
        host: &str,
        input: &str,
        fake: &mut Fake,
    ) -> (Result<Outcome, crate::helpers::Error>, String) {
        let mut out = vec![];
        let tf = Terraform {
            targets: targets(),
            host: host.into(),
        };
        let o = crate::helpers::serve(
            &tf,
            action,
            Cursor::new(input.as_bytes()),
            &mut out,
            fake,
            0,
        );
        (o, String::from_utf8(out).unwrap())
    }

    #[test]
    fn get_answers_listed_hosts_exactly_and_nothing_else() {
        let mut f = Fake::default();
        let (o, out) = run("get", "registry.example.com", "", &mut f);
        assert!(o.is_ok());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v, serde_json::json!({"token": "at-\"tf\""}));
        assert_eq!(run("get", "Registry.Example.com:443", "", &mut f).1, out);
        assert!(run("get", "127.0.0.1:8443", "", &mut f).0.is_ok());
        for other in [
            "registry.example.com:8443",
            "127.0.0.1",
            "127.0.0.1:8444",
            "evil.example.com",
            "registry.example.com/x",
            "",
        ] {
            assert_eq!(run("get", other, "", &mut f).1, "{}\n", "{other}");
        }
        assert_eq!(
            f.asked,
            [
                ("work".to_string(), "registry.example.com".to_string()),
                ("work".into(), "registry.example.com".into()),
                ("local".into(), "127.0.0.1:8443".into()),
            ]
        );
    }

    #[test]
    fn forget_evicts_and_store_refuses() {
        let mut f = Fake::default();
        assert_eq!(run("forget", "127.0.0.1:8443", "", &mut f).1, "");
        assert_eq!(run("forget", "other.example", "", &mut f).1, "");
        assert_eq!(f.rejected, ["local"]);
        let (o, out) = run("store", "registry.example.com", r#"{"token":"x"}"#, &mut f);
        match o.unwrap_err() {
            crate::helpers::Error::Terraform(TerraformError::StoreRefused { host, profile }) => {
                assert_eq!(host, "registry.example.com");
                assert_eq!(profile.as_deref(), Some("work"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(out, "");
        assert!(f.asked.is_empty());
        assert!(Action::try_from("erase").is_err());
        assert!(matches!(
            run("erase", "registry.example.com", "", &mut f).0,
            Err(crate::helpers::Error::Terraform(TerraformError::UnknownAction(a))) if a == "erase"
        ));
    }

    #[test]
    fn hosts_normalise_as_terraform_names_them() {
        assert_eq!(
            normalize_host(" App.Terraform.IO ").unwrap(),
            "app.terraform.io"
        );
        assert_eq!(normalize_host("h.example:443").unwrap(), "h.example");
        assert_eq!(normalize_host("127.0.0.1:8443").unwrap(), "127.0.0.1:8443");
        for bad in ["https://h.example", "h.example/x", "u@h.example", "", "a b"] {
            assert!(normalize_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn another_spelling_of_a_listed_host_gets_nothing() {
        // A URL parser reads each of these as a listed host; Terraform does not (it resolves
        // `0x7f.1` through DNS), so whoever answers that name would get the token.
        let mut f = Fake::default();
        for other in [
            "0x7f.1:8443",
            "127.1:8443",
            "0177.0.0.1:8443",
            "2130706433:8443",
            "0x7f000001:8443",
            "127.0.0.1:08443",
            "registry%2eexample.com",
            "registry.exa\tmple.com",
            "registry.example.com\t",
            " registry.example.com",
            "registry.example.com:0443",
            "registry.example.com:",
            "registry.example.com.",
            "registry.ex\u{0430}mple.com",
        ] {
            assert_eq!(run("get", other, "", &mut f).1, "{}\n", "{other:?}");
            assert!(
                !terraform_host_matches("127.0.0.1:8443", other),
                "{other:?}"
            );
            assert!(
                !terraform_host_matches("registry.example.com", other),
                "{other:?}"
            );
        }
        assert!(f.asked.is_empty(), "{:?}", f.asked);
        assert!(terraform_host_matches("10.20.30.40", "10.20.30.40:443"));
        for other in ["10.20.30.0x28", "0x0a141e28", "10.20.30.050", "10.20.7720"] {
            assert!(!terraform_host_matches("10.20.30.40", other), "{other}");
        }
        // Configured the other way round: such an entry is refused, not silently rewritten.
        for odd in [
            "0x7f.1:8443",
            "127.1",
            "registry%2eexample.com",
            "2130706433",
        ] {
            assert!(normalize_host(odd).is_err(), "{odd}");
        }
        assert_eq!(normalize_host("[::1]:8443").unwrap(), "[::1]:8443");
        assert!(terraform_host_matches("[::1]:8443", "[::1]:8443"));
        assert!(!terraform_host_matches("[::1]:8443", "[0:0::1]:8443"));
    }

    #[test]
    fn the_helper_block_comes_out_byte_for_byte() {
        for before in [
            None,
            Some(""),
            Some("plugin_cache_dir = \"/tmp/p\"\n"),
            Some("disable_checkpoint = true"),
            Some("# only a comment\n\n"),
        ] {
            let added = add_helper(before);
            assert_eq!(helper_in(&added), HelperConfig::Tok, "{added}");
            assert_eq!(
                remove_helper(&added),
                Some(before.map(str::to_string)),
                "{before:?}"
            );
        }
        assert_eq!(remove_helper("credentials_helper \"tok\" {}\n"), None);
        assert_eq!(
            helper_in("  credentials_helper \"other\" {\n  args = []\n}\n"),
            HelperConfig::Other("other".into())
        );
        assert_eq!(
            helper_in("# credentials_helper \"x\" {}\n"),
            HelperConfig::None
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        struct One(String);

        impl Tokens for One {
            fn get(&mut self, _: &str, _: &str) -> Result<Token, crate::helpers::TokenError> {
                Ok(Token {
                    access_token: AccessToken::new(self.0.clone()),
                    expires_at: None,
                })
            }
            fn reject(
                &mut self,
                _: &str,
                _: Option<&str>,
            ) -> Result<bool, crate::helpers::TokenError> {
                Ok(true)
            }
        }

        proptest! {
            /// What Terraform reads back is the token tok handed out, whatever it holds.
            #[test]
            fn the_json_answer_carries_the_token(token in any::<String>()) {
                let tf = Terraform {
                    targets: vec![TerraformTarget { profile: "p".into(), host: "tf.example".into() }],
                    host: "tf.example".into(),
                };
                let mut out = vec![];
                crate::helpers::serve(&tf, "get", Cursor::new(""), &mut out, &mut One(token.clone()), 0).unwrap();
                prop_assert!(out.ends_with(b"\n") && out.iter().filter(|b| **b == b'\n').count() == 1);
                let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
                prop_assert_eq!(v["token"].as_str(), Some(token.as_str()));
            }

            /// `tok setup terraform` then `--remove` gives back any file without a helper.
            #[test]
            fn setup_then_remove_gives_back_the_file(text in any::<Option<String>>()) {
                prop_assume!(helper_in(text.as_deref().unwrap_or("")) == HelperConfig::None);
                let added = add_helper(text.as_deref());
                prop_assert_eq!(remove_helper(&added), Some(text));
            }
        }
    }
}
