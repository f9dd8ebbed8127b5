//! A PKCS#11 token's PIN, from the person at the terminal (never echoed) or from stdin
//! (`--pin-stdin`); never from argv, the environment or a file. The PIN goes into a
//! [`Pin`](crate::secret::Pin) at once and travels to the token's module in it.

use std::io::{BufRead, IsTerminal};

use crate::error::{Code, Hinted};
use crate::oauth::PinSource;
use crate::secret::Pin;

/// Where the PIN comes from for this command: stdin when `pin_stdin`, else the terminal when
/// stdin is one, else nowhere (a token that needs a PIN then fails with exit 3).
pub fn choose(pin_stdin: bool) -> anyhow::Result<PinSource> {
    let source = if pin_stdin {
        PinSource::Given(from_stdin()?)
    } else if std::io::stdin().is_terminal() {
        PinSource::Ask(ask)
    } else {
        PinSource::Unavailable
    };
    Ok(source)
}

/// Ask at the terminal, naming the token; `None` when the terminal cannot be read.
fn ask(token: &str) -> Option<Pin> {
    let token = crate::output::one_line(token);
    let typed = zeroize::Zeroizing::new(
        rpassword::prompt_password(format!("PIN of the token `{token}`: ")).ok()?,
    );
    Some(Pin::new(typed.trim_end_matches(['\r', '\n']).to_string()))
}

/// The first line of stdin.
fn from_stdin() -> anyhow::Result<Pin> {
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line)?;
    let pin = line.trim_end_matches(['\r', '\n']);
    if pin.is_empty() {
        return Err(Hinted::new(
            Code::Usage,
            "no PIN on stdin",
            Some(
                "pipe the PIN into tok, e.g. `printf '%s\\n' \"$PIN\" | tok login … --pin-stdin`"
                    .into(),
            ),
        )
        .into());
    }
    Ok(Pin::new(pin.to_string()))
}
