//! Generated docs are committed and must be fresh: `completions/` (clap_complete) and `man/`
//! (clap_mangen), regenerated here from the clap definition and compared byte for byte.
//! Regenerate with `TOK_UPDATE_DOCS=1 cargo test --test e2e docs`. Also checks that the exit
//! code table of `--help`, README.md and the man page agree with `error::Code`. See: issue 5.

use std::collections::BTreeMap;

use tok::Code;
use tok::EXIT_CODES;

use crate::support::root;

/// Every generated file, by path relative to the repository root.
fn generate() -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (shell, file) in [
        (clap_complete::Shell::Bash, "tok.bash"),
        (clap_complete::Shell::Zsh, "_tok"),
        (clap_complete::Shell::Fish, "tok.fish"),
        (clap_complete::Shell::PowerShell, "_tok.ps1"),
        (clap_complete::Shell::Elvish, "tok.elv"),
    ] {
        out.insert(
            format!("completions/{file}"),
            tok::completion_script(shell).into_bytes(),
        );
    }
    let mut cmd = tok::command().disable_help_subcommand(true);
    cmd.build();
    man_pages(&cmd, true, &mut out);
    out
}

fn man_pages(cmd: &clap::Command, root: bool, out: &mut BTreeMap<String, Vec<u8>>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, false, out);
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let mut buf = Vec::new();
    if root {
        // The root page: the standard sections, then EXIT STATUS in place of clap's "EXTRA".
        man.render_title(&mut buf).unwrap();
        man.render_name_section(&mut buf).unwrap();
        man.render_synopsis_section(&mut buf).unwrap();
        man.render_description_section(&mut buf).unwrap();
        man.render_options_section(&mut buf).unwrap();
        man.render_subcommands_section(&mut buf).unwrap();
        buf.extend_from_slice(b".SH \"EXIT STATUS\"\n");
        for line in EXIT_CODES.lines().skip(1) {
            let (n, meaning) = line.trim().split_once("  ").unwrap();
            buf.extend_from_slice(format!(".TP\n{n}\n{}\n", meaning.trim()).as_bytes());
        }
        man.render_version_section(&mut buf).unwrap();
    } else {
        man.render(&mut buf).unwrap();
    }
    out.insert(format!("man/{}", man.get_filename()), buf);
}

#[test]
fn completions_and_man_pages_are_fresh() {
    let generated = generate();
    let update = std::env::var("TOK_UPDATE_DOCS").is_ok_and(|v| v == "1");
    let mut stale = vec![];
    for (rel, bytes) in &generated {
        let path = root().join(rel);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        } else if std::fs::read(&path).ok().as_ref() != Some(bytes) {
            stale.push(rel.clone());
        }
    }
    // No leftovers from removed subcommands.
    for dir in ["completions", "man"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
            let rel = format!("{dir}/{}", e.file_name().to_string_lossy());
            if !generated.contains_key(&rel) {
                if update {
                    std::fs::remove_file(e.path()).unwrap();
                } else {
                    stale.push(format!("{rel} (not generated any more)"));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated docs: {stale:?}; run `TOK_UPDATE_DOCS=1 cargo test --test e2e docs` and commit"
    );
    for page in [
        "man/tok.1",
        "man/tok-login.1",
        "man/tok-print.1",
        "man/tok-profile-list.1",
    ] {
        assert!(generated.contains_key(page), "{page}");
    }
}

fn code_name(c: Code) -> String {
    serde_json::to_value(c)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn exit_code_table_agrees_everywhere() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let man = std::fs::read_to_string(root().join("man/tok.1")).unwrap();
    let help_lines: Vec<&str> = EXIT_CODES
        .lines()
        .skip(1)
        .filter(|l| !l.trim_start().starts_with("0 "))
        .collect();
    assert_eq!(help_lines.len(), Code::ALL.len());
    for (c, line) in Code::ALL.iter().zip(help_lines) {
        let n = c.exit_code();
        assert!(line.trim_start().starts_with(&format!("{n}  ")), "{line}");
        let row = format!("| {n} | `{}` |", code_name(*c));
        assert!(readme.contains(&row), "README lacks the row `{row}`");
        assert!(man.contains(&format!(".TP\n{n}\n")), "man page lacks {n}");
    }
}

#[test]
fn every_flag_is_documented_and_every_command_has_an_example() {
    fn walk(cmd: &clap::Command, path: &str) {
        for a in cmd.get_arguments() {
            if a.is_hide_set() || ["help", "version"].contains(&a.get_id().as_str()) {
                continue;
            }
            assert!(
                a.get_help().is_some() || a.get_long_help().is_some(),
                "`{path}` --{} has no help",
                a.get_id()
            );
        }
        let is_leaf_or_group = cmd.get_name() != "tok";
        if is_leaf_or_group {
            let long = cmd
                .get_long_about()
                .map(|s| s.to_string())
                .unwrap_or_default();
            assert!(
                long.contains("Examples:"),
                "`{path}` has no example in its long help"
            );
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                walk(sub, &format!("{path} {}", sub.get_name()));
            }
        }
    }
    let mut cmd = tok::command();
    cmd.build();
    walk(&cmd, "tok");
}

#[test]
fn presets_are_documented_with_their_sources() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for p in <tok::Preset as clap::ValueEnum>::value_variants() {
        assert!(
            readme.contains(&format!("`{}`", p.name())),
            "README: preset {}",
            p.name()
        );
        assert!(
            readme.contains(p.source()),
            "README: source of {}",
            p.name()
        );
    }
}

/// docs/RELIABILITY.md says every input from outside the process has a fuzz target, what each
/// asserts, and each one's campaign figures: a `[[bin]]` of fuzz/Cargo.toml missing from either
/// table, or without its source and seed directory, makes that page wrong.
#[test]
fn every_fuzz_target_is_in_both_tables_of_the_reliability_page() {
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
    let page = std::fs::read_to_string(root().join("docs/RELIABILITY.md")).unwrap();
    let mut lines = manifest.lines();
    let mut targets = Vec::new();
    while let Some(line) = lines.next() {
        if line.trim() == "[[bin]]" {
            let name = lines
                .next()
                .and_then(|l| l.strip_prefix("name = "))
                .unwrap();
            targets.push(name.trim_matches('"').to_string());
        }
    }
    assert!(targets.len() > 20, "read {} targets", targets.len());
    for t in &targets {
        let rows = page.matches(&format!("\n| `{t}` |")).count();
        assert_eq!(
            rows, 2,
            "docs/RELIABILITY.md: {t} in {rows} table rows, not 2"
        );
        assert!(
            root().join(format!("fuzz/fuzz_targets/{t}.rs")).is_file(),
            "{t}: no source"
        );
        assert!(
            root().join(format!("fuzz/seeds/{t}")).is_dir(),
            "{t}: no seeds"
        );
    }
}
