//! The Printer: stdout carries only what machines read (a token, a protocol payload, `--json`),
//! stderr carries everything meant for humans. Nothing here ever formats a secret: callers pass
//! fingerprints, never tokens.

use std::io::{IsTerminal, Write};

/// How much tok tells humans on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
    Debug,
}

#[derive(Debug, Clone)]
pub struct Printer {
    pub verbosity: Verbosity,
    stderr_tty: bool,
}

impl Printer {
    pub fn new(verbosity: Verbosity) -> Self {
        Self {
            verbosity,
            stderr_tty: std::io::stderr().is_terminal(),
        }
    }

    /// Whether stderr is a terminal (spinners, colour, QR codes).
    pub fn interactive(&self) -> bool {
        self.stderr_tty && self.verbosity > Verbosity::Quiet
    }

    /// The machine-readable payload. A closed pipe is not an error worth a message.
    pub fn stdout(&self, text: &str) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()
    }

    /// A normal human message.
    pub fn info(&self, msg: impl std::fmt::Display) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{msg}");
        }
    }

    /// A warning: shown unless `-q`.
    pub fn warn(&self, msg: impl std::fmt::Display) {
        if self.verbosity >= Verbosity::Normal {
            // Coloured on a terminal only, and never with NO_COLOR (anstream decides).
            let y = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Yellow.into()));
            anstream::eprintln!("{y}warning:{y:#} {msg}");
        }
    }

    /// `-v`: the decisions tok makes (cache hit, lock wait, refresh, rotation).
    pub fn verbose(&self, msg: impl std::fmt::Display) {
        if self.verbosity >= Verbosity::Verbose {
            eprintln!("tok: {msg}");
        }
    }
}

/// POSIX shell single quoting: safe for `eval` and `sh -c` whatever the value holds (`tok print
/// --format env`, the git helper command `tok setup git` writes).
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The longest text [`one_line`] returns, in characters (plus an ellipsis).
pub const ONE_LINE_MAX: usize = 200;

/// Keep foreign text (a server's error description, a keychain library's message) printable:
/// one line, no control characters (terminal escapes), no Unicode format characters (a U+202E
/// in an `error_description` would reverse what the terminal shows), bounded, and never
/// repeating a token this process holds (a hostile server may echo the refresh token it was
/// sent, into logs and CI output).
pub fn one_line(s: &str) -> String {
    // Bound the work first: the redaction below hashes every window of this text.
    let head: String = s.chars().take(4 * ONE_LINE_MAX).collect();
    let redacted = crate::secret::redact_held(&head);
    let mut clean = String::new();
    let mut n = 0;
    for c in redacted.chars().filter(|c| !is_format(*c)) {
        if n == ONE_LINE_MAX {
            clean.push('…');
            break;
        }
        clean.push(if c.is_control() { ' ' } else { c });
        n += 1;
    }
    if n < ONE_LINE_MAX && s.chars().count() > head.chars().count() {
        clean.push('…');
    }
    clean.trim().to_string()
}

/// Unicode general category Cf (format characters), Unicode 15.1: invisible characters that
/// change how the text around them is shown (bidirectional overrides and isolates, zero-width
/// joiners and spaces, tag characters). The standard library has no category lookup and the
/// list is short and stable.
fn is_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn shell_quote() {
        assert_eq!(super::shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(super::shell_quote("/a b/it's"), r"'/a b/it'\''s'");
        assert_eq!(super::shell_quote(""), "''");
    }

    #[test]
    fn format_characters_are_stripped() {
        // U+202E turns "gnp.exe" into "exe.png" on screen; U+200B and U+2066 hide or reorder.
        let s = one_line("bad\u{202e}gnp.exe\u{200b}x\u{2066}y\u{feff}z\u{e0041}");
        assert_eq!(s, "badgnp.exexyz");
    }

    #[test]
    fn controls_become_spaces_and_length_is_capped() {
        assert_eq!(one_line("a\nb\x1b[31mc"), "a b [31mc");
        let long = one_line(&"x".repeat(100_000));
        assert!(
            long.chars().count() <= super::ONE_LINE_MAX + 1,
            "{}",
            long.len()
        );
        assert!(long.ends_with('…'));
    }

    #[test]
    fn a_held_token_is_never_repeated() {
        let rt = crate::secret::RefreshToken::new("rt-0123456789-held-by-tok");
        let s = one_line("the token rt-0123456789-held-by-tok is reused");
        assert_eq!(s, "the token [a token tok holds] is reused");
        drop(rt);
        // Short values are not treated as tokens: they would blank ordinary words.
        let _c = crate::secret::Ephemeral::new("abc");
        assert_eq!(one_line("abc"), "abc");
    }
}
