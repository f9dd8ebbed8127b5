//! Opening the user's browser, without waiting for it.
//!
//! `$BROWSER` is honoured the conventional way (a `:`-separated list of commands; `%s` stands
//! for the URL, else the URL is appended) and the program is started detached: a `$BROWSER`
//! that blocks must not block the login. Failing to open a browser is never fatal: the URL is
//! always printed too.

use std::process::{Command, Stdio};

/// Whether a graphical browser can plausibly be shown to the user of this process.
pub fn display_available() -> bool {
    let ssh = std::env::var_os("SSH_CONNECTION").is_some() || std::env::var_os("SSH_TTY").is_some();
    if ssh {
        return false;
    }
    if std::env::var_os("BROWSER").is_some_and(|b| !b.is_empty()) {
        return true;
    }
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty())
}

/// Start a browser on `url`. Returns a description of what was started, or why not.
pub fn open(url: &str) -> Result<String, String> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err("refusing to open a non-http URL".into());
    }
    if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        let browser = browser.to_string_lossy().into_owned();
        let first = browser
            .split(':')
            .find(|c| !c.trim().is_empty())
            .unwrap_or("")
            .trim();
        let mut words: Vec<String> = first.split_whitespace().map(str::to_string).collect();
        if words.is_empty() {
            return Err("$BROWSER is empty".into());
        }
        let mut substituted = false;
        for w in words.iter_mut().skip(1) {
            if w.contains("%s") {
                *w = w.replace("%s", url);
                substituted = true;
            }
        }
        if !substituted {
            words.push(url.to_string());
        }
        let program = words.remove(0);
        let mut child = Command::new(&program)
            .args(&words)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start $BROWSER ({program}): {e}"))?;
        // Reap it in the background so a long-lived browser never becomes a zombie of ours.
        std::thread::spawn(move || child.wait());
        return Ok(program);
    }
    webbrowser::open_browser_with_options(
        webbrowser::Browser::Default,
        url,
        webbrowser::BrowserOptions::new().with_suppress_output(true),
    )
    .map(|_| "the default browser".to_string())
    .map_err(|e| format!("cannot open a browser: {e}"))
}
