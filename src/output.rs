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

    /// `-vv`: HTTP requests and timings (never bodies).
    pub fn debug(&self, msg: impl std::fmt::Display) {
        if self.verbosity >= Verbosity::Debug {
            eprintln!("tok: {msg}");
        }
    }
}

/// Keep foreign text (a server's error description, a keychain library's message) printable:
/// one line, no control characters (terminal escapes), at most 200 characters.
pub fn one_line(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    clean.trim().to_string()
}
