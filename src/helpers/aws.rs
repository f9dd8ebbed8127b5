//! AWS's side of `tok aws-credential`: the `credential_process` JSON the SDKs read on stdout,
//! and the `credential_process` line `tok setup aws` puts into a profile of the AWS config file
//! (`[profile NAME]`, or `[default]`), leaving every other byte of the file as it was.

use zeroize::Zeroizing;

use crate::oauth::AwsCredentials;

/// The `credential_process` output, version 1: with `Expiration`, so the SDK asks again in time.
pub fn credential_process_json(c: &AwsCredentials) -> Zeroizing<String> {
    let q = |s: &str| serde_json::to_string(s).expect("a string serializes");
    // The boundary: the keys leave tok here, on stdout only.
    Zeroizing::new(format!(
        "{{\"Version\":1,\"AccessKeyId\":{},\"SecretAccessKey\":{},\"SessionToken\":{},\"Expiration\":{}}}\n",
        q(c.access_key_id.expose()),
        q(c.secret_access_key.expose()),
        q(c.session_token.expose()),
        q(&crate::time::rfc3339(c.expiration)),
    ))
}

/// The key tok owns in a profile of the AWS config file.
pub const KEY: &str = "credential_process";

/// A `credential_process` value that runs `argv`: words with characters a shell-like splitter
/// (botocore's `shlex.split`) would read specially are single-quoted.
pub fn command_line(argv: &[&str]) -> String {
    let plain = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/:._-=,+@%".contains(&b))
    };
    argv.iter()
        .map(|w| {
            if plain(w) {
                w.to_string()
            } else {
                crate::output::shell_quote(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why the config file was not changed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigEditError {
    /// The profile runs another `credential_process`: tok does not replace what it did not write.
    #[error("AWS profile `{profile}` already has `credential_process = {current}`")]
    Taken { profile: String, current: String },
    /// The name cannot be a profile section name.
    #[error("invalid AWS profile name {0:?}")]
    BadName(String),
}

/// Whether `value` is a command tok wrote (`… aws-credential …`).
fn is_tok(value: &str) -> bool {
    value.split_whitespace().any(|w| w == "aws-credential")
}

/// The section header line of `profile`.
fn header(profile: &str) -> String {
    if profile == "default" {
        "[default]".into()
    } else {
        format!("[profile {profile}]")
    }
}

/// Whether `line` opens the section of `profile` (the SDKs accept any spacing inside).
fn opens(line: &str, profile: &str) -> bool {
    let Some(inner) = line
        .trim()
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
    else {
        return false;
    };
    let words: Vec<&str> = inner.split_whitespace().collect();
    match words.as_slice() {
        ["default"] => profile == "default",
        ["profile", name] => *name == profile,
        _ => false,
    }
}

/// The key of a `key = value` line.
fn key_of(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once('=')?;
    Some((k.trim(), v.trim()))
}

/// `text` with `credential_process = command` set in `profile` (`Some`), or tok's line taken
/// out (`None`; a section left with nothing else goes too). Every other line stays byte for
/// byte, and a file whose last line has no line break keeps it that way.
pub fn edit_config(
    text: &str,
    profile: &str,
    command: Option<&str>,
) -> Result<String, ConfigEditError> {
    if profile.is_empty()
        || profile
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b"[]".contains(&b))
    {
        return Err(ConfigEditError::BadName(profile.into()));
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| opens(l, profile));
    let Some(start) = start else {
        let Some(command) = command else {
            return Ok(text.to_string());
        };
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("{}\n{KEY} = {command}\n", header(profile)));
        return Ok(last_line_like(text, out));
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |i| start + 1 + i);
    let ours = (start + 1..end).find(|&i| key_of(lines[i]).is_some_and(|(k, _)| k == KEY));
    if let Some(i) = ours {
        let current = key_of(lines[i]).map(|(_, v)| v).unwrap_or_default();
        if !is_tok(current) {
            return Err(ConfigEditError::Taken {
                profile: profile.into(),
                current: crate::output::one_line(current),
            });
        }
    }
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match (command, ours) {
        (Some(c), Some(i)) => {
            let eol = if lines[i].ends_with('\n') { "\n" } else { "" };
            out[i] = format!("{KEY} = {c}{eol}");
        }
        (Some(c), None) => {
            if !out[start].ends_with('\n') {
                out[start].push('\n');
            }
            out.insert(start + 1, format!("{KEY} = {c}\n"));
        }
        (None, Some(i)) => {
            out.remove(i);
            let rest_empty = out[start + 1..end - 1].iter().all(|l| l.trim().is_empty());
            if rest_empty && end - 1 == start + 1 {
                out.remove(start);
            }
        }
        (None, None) => {}
    }
    Ok(last_line_like(text, out.concat()))
}

/// `edited` ending as `original` does: without a line break when the original's last line had
/// none (else `--remove` would leave the one `setup` added). See: issue 24 (found writing
/// the `aws_config` fuzz target's oracle).
fn last_line_like(original: &str, mut edited: String) -> String {
    if !original.is_empty() && !original.ends_with('\n') && edited.ends_with('\n') {
        edited.pop();
    }
    edited
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::CloudCredential;

    const CMD: &str = "/usr/bin/tok aws-credential -p work --role-arn arn:aws:iam::1:role/r";

    /// A file whose last line has no line break: `setup` then `--remove` gives it back byte
    /// for byte (it came back with a line break). See: issue 24 (found writing the
    /// `aws_config` fuzz target's oracle; regression input fuzz/seeds/aws_config/no_newline).
    #[test]
    fn a_last_line_without_a_line_break_keeps_it_through_setup_and_remove() {
        for text in [
            "[default]\nregion = eu-west-1",
            "[profile dev]\nregion = eu-west-1",
            "[profile dev]\r\nregion = eu-west-1",
        ] {
            let added = edit_config(text, "dev", Some(CMD)).unwrap();
            assert!(!added.ends_with('\n'), "{added:?}");
            assert!(added.contains(&format!("{KEY} = {CMD}")), "{added:?}");
            assert_eq!(edit_config(&added, "dev", Some(CMD)).unwrap(), added);
            assert_eq!(edit_config(&added, "dev", None).unwrap(), text);
        }
    }

    #[test]
    fn the_json_is_version_1_with_an_rfc3339_expiration() {
        let c = AwsCredentials {
            access_key_id: CloudCredential::new("ASIAEXAMPLEEXAMPLE"),
            secret_access_key: CloudCredential::new("se\"cret/+key-example"),
            session_token: CloudCredential::new("FwoGZXIvYXdzEXAMPLE"),
            expiration: 1_796_637_600,
        };
        let v: serde_json::Value =
            serde_json::from_str(&credential_process_json(&c)).expect("JSON");
        assert_eq!(v["Version"], 1);
        assert_eq!(v["SecretAccessKey"], "se\"cret/+key-example");
        assert_eq!(v["Expiration"], "2026-12-07T10:00:00Z");
    }

    #[test]
    fn a_new_profile_is_appended_and_removing_it_restores_the_file() {
        let before = "# mine\n[default]\nregion = eu-west-1\n\n[profile other]\nregion=us-east-1\n";
        let after = edit_config(before, "dev", Some(CMD)).unwrap();
        assert_eq!(after, format!("{before}[profile dev]\n{KEY} = {CMD}\n"));
        assert_eq!(edit_config(&after, "dev", None).unwrap(), before);
        // A file without a final newline keeps its last line whole.
        let after = edit_config("[default]\nregion = x", "dev", Some(CMD)).unwrap();
        assert!(after.starts_with("[default]\nregion = x\n[profile dev]\n"));
    }

    #[test]
    fn an_existing_profile_gets_the_line_and_keeps_its_other_keys() {
        let before = "[profile  dev ]\r\nregion = eu-west-1\r\n[profile z]\noutput = json\n";
        let after = edit_config(before, "dev", Some(CMD)).unwrap();
        assert_eq!(
            after,
            format!(
                "[profile  dev ]\r\n{KEY} = {CMD}\nregion = eu-west-1\r\n[profile z]\noutput = json\n"
            )
        );
        // Set again (a new role): replaced in place, not repeated.
        let again = edit_config(&after, "dev", Some("tok aws-credential -p b")).unwrap();
        assert_eq!(again.matches(KEY).count(), 1);
        assert!(again.contains("tok aws-credential -p b\n"));
        // Removed: the section stays, with its own keys.
        assert_eq!(edit_config(&after, "dev", None).unwrap(), before);
    }

    #[test]
    fn another_programs_credential_process_is_not_replaced() {
        let before = "[default]\ncredential_process = /opt/other --x\n";
        for cmd in [Some(CMD), None] {
            let e = edit_config(before, "default", cmd).unwrap_err();
            assert!(e.to_string().contains("/opt/other --x"), "{e}");
        }
        assert!(edit_config(before, "a b", Some(CMD)).is_err());
        assert!(edit_config(before, "a]", Some(CMD)).is_err());
    }

    #[test]
    fn command_words_are_quoted_only_when_needed() {
        assert_eq!(
            command_line(&[
                "/usr/bin/tok",
                "-p",
                "my work",
                "--role-arn",
                "arn:aws:iam::1:role/r"
            ]),
            "/usr/bin/tok -p 'my work' --role-arn arn:aws:iam::1:role/r"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Lines of an AWS config file: headers of a few profiles (any spacing), keys, nested
        /// settings, comments, blank lines, CRLF or LF.
        fn line() -> impl Strategy<Value = String> {
            let eol = prop_oneof![Just("\n"), Just("\r\n")];
            let body = prop_oneof![
                Just("[default]".to_string()),
                Just("[profile dev]".to_string()),
                Just("[ profile  dev ]".to_string()),
                Just("[profile prod]".to_string()),
                Just("[sso-session s]".to_string()),
                "[a-z_]{1,8} ?= ?[ -~]{0,12}",
                "  [a-z_]{1,8} = [ -~]{0,12}",
                "[#;][ -~]{0,12}",
                Just(String::new()),
            ];
            (body, eol).prop_map(|(b, e)| format!("{b}{e}"))
        }

        /// The config without tok's line, and whether `dev`'s first section is a header alone.
        fn dev_section_empty(text: &str) -> bool {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            lines.iter().position(|l| opens(l, "dev")).is_some_and(|i| {
                lines
                    .get(i + 1)
                    .is_none_or(|l| l.trim_start().starts_with('['))
            })
        }

        proptest! {
            /// `setup` then `--remove` gives the file back byte for byte (with or without a
            /// final line break), but for the one exception the format leaves: a `dev` section
            /// that was a header alone goes with tok's line. `setup` twice is `setup` once.
            /// See: issue 24.
            #[test]
            fn setup_then_remove_gives_the_file_back(
                lines in proptest::collection::vec(line(), 0..12), cut in any::<bool>(),
            ) {
                let mut text = lines.concat();
                if cut {
                    text = text.trim_end_matches(['\n', '\r']).to_string();
                }
                let has_ours = text.split_inclusive('\n').any(|l| key_of(l).is_some_and(|(k, _)| k == KEY));
                prop_assume!(!has_ours);
                let added = edit_config(&text, "dev", Some(CMD)).unwrap();
                prop_assert_eq!(&edit_config(&added, "dev", Some(CMD)).unwrap(), &added);
                let back = edit_config(&added, "dev", None).unwrap();
                if back != text {
                    prop_assert!(dev_section_empty(&text), "{:?} -> {:?} -> {:?}", text, added, back);
                }
            }
        }
    }
}
