//! `tok setup aws` on the AWS config file (`~/.aws/config`, INI, edited as text):
//! `credential_process = tok aws-credential …` set in one profile's section, and `--remove`
//! taking it out again.
//!
//! Input: a selector byte (the profile: `default`, `dev` or `a.b-c`), then any text. Checks,
//! against the oracle's own reading of the sections (the first section whose header names the
//! profile, with any spacing inside the brackets; `[profile default]` names `default` too, as
//! botocore reads it): a section that runs another program is
//! refused in one line and nothing changes; otherwise `setup` changes only tok's line of that
//! section (replaced, or inserted after the header; a new section appended at the end) and every
//! other byte stays (a last line without a line break keeps it that way); `setup` twice is
//! `setup` once; and `setup` then `--remove` gives back the text byte for byte, with one
//! exception the format leaves no way around: a section that was empty goes with tok's line
//! (tok cannot tell a section it created from an empty one the user had). No leak check: the
//! only message holding the file's text names the other program, on purpose.
#![no_main]

use libfuzzer_sys::fuzz_target;

const COMMAND: &str = "/usr/bin/tok aws-credential -p work --role-arn arn:aws:iam::1:role/r";

fn opens(line: &str, profile: &str) -> bool {
    let t = line.trim();
    if !(t.starts_with('[') && t.ends_with(']')) || t.len() < 2 {
        return false;
    }
    // The SDKs split the header into words (botocore with `shlex`): `[profile default]` is
    // the default profile too.
    let words: Vec<&str> = t[1..t.len() - 1].split_whitespace().collect();
    words == ["profile", profile] || (profile == "default" && words == ["default"])
}

/// The text split around the profile's first section: before, the header line, its body
/// lines, after.
fn sections<'a>(text: &'a str, profile: &str) -> Option<(String, &'a str, Vec<&'a str>, String)> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| opens(l, profile))?;
    let end = (start + 1..lines.len())
        .find(|&i| lines[i].trim_start().starts_with('['))
        .unwrap_or(lines.len());
    Some((
        lines[..start].concat(),
        lines[start],
        lines[start + 1..end].to_vec(),
        lines[end..].concat(),
    ))
}

/// `s` ending as `text` does: no final line break when `text`'s last line had none.
fn like(text: &str, mut s: String) -> String {
    if !text.is_empty() && !text.ends_with('\n') && s.ends_with('\n') {
        s.pop();
    }
    s
}

fn key(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once('=')?;
    Some((k.trim(), v.trim()))
}

fn ours(line: &str) -> bool {
    key(line).is_some_and(|(k, _)| k == "credential_process")
}

fn is_tok(line: &str) -> bool {
    key(line).is_some_and(|(_, v)| v.split_whitespace().any(|w| w == "aws-credential"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let profile = ["default", "dev", "a.b-c"][selector as usize % 3];
    let header = if profile == "default" {
        "[default]".to_string()
    } else {
        format!("[profile {profile}]")
    };
    let line = format!("credential_process = {COMMAND}\n");
    let before = sections(text, profile);
    let theirs = before
        .as_ref()
        .and_then(|(_, _, body, _)| body.iter().find(|l| ours(l)).copied());
    let added = match tok::edit_aws_config(text, profile, Some(COMMAND)) {
        Err(e) => {
            let msg = e.to_string();
            tok_fuzz::assert_one_line(&msg);
            assert!(
                theirs.is_some_and(|l| !is_tok(l)),
                "refused a file whose section runs no other program: {msg}"
            );
            return;
        }
        Ok(a) => a,
    };
    // What setup must have written.
    let newline = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let expected = match &before {
        None => format!("{text}{newline}{header}\n{line}"),
        Some((pre, head, body, post)) => {
            let mut out = pre.clone();
            out.push_str(head);
            if !head.ends_with('\n') {
                out.push('\n');
            }
            match body.iter().position(|l| ours(l)) {
                Some(i) => {
                    for (j, l) in body.iter().enumerate() {
                        if i == j {
                            out.push_str(&line[..line.len() - usize::from(!l.ends_with('\n'))]);
                        } else {
                            out.push_str(l);
                        }
                    }
                }
                None => {
                    out.push_str(&line);
                    out.push_str(&body.concat());
                }
            }
            out.push_str(post);
            out
        }
    };
    assert_eq!(
        added,
        like(text, expected),
        "setup changed more than tok's line"
    );
    assert_eq!(
        tok::edit_aws_config(&added, profile, Some(COMMAND)).ok(),
        Some(added.clone()),
        "setup twice"
    );
    let back = tok::edit_aws_config(&added, profile, None).expect("remove never refuses");
    if theirs.is_some() {
        // tok's line was there before: it goes, the rest stays.
        assert_eq!(
            Some(back.clone()),
            tok::edit_aws_config(text, profile, None).ok(),
            "setup then --remove differs from --remove"
        );
        return;
    }
    if back == text {
        return;
    }
    // The one other outcome: the profile's section was empty and went with tok's line.
    let (pre, head, body, post) = before.expect("a new section is removed exactly");
    assert!(
        body.iter().all(|l| l.trim().is_empty()) && body.is_empty(),
        "setup then --remove lost the user's lines: {back:?}"
    );
    let _ = head;
    assert_eq!(
        back,
        like(text, format!("{pre}{post}")),
        "setup then --remove lost bytes"
    );
});
