//! `tok login` on the terminal: the `LoginUi` that shows the device code (with a QR code), the
//! browser's start link, the paste prompt and a spinner while the server is waited for.

use super::*;

/// The terminal as a login's user interface: codes and URLs on stderr, a spinner while
/// waiting (when stderr is a terminal), the browser opened unless `--no-browser`.
pub(super) struct TerminalUi<'a> {
    p: &'a Printer,
    no_browser: bool,
    /// `None` until a wait starts; then the spinner, if stderr is a terminal.
    spinner: RefCell<Option<Option<indicatif::ProgressBar>>>,
}

impl<'a> TerminalUi<'a> {
    pub(super) fn new(p: &'a Printer, args: &LoginArgs) -> Self {
        Self {
            p,
            no_browser: args.no_browser,
            spinner: RefCell::default(),
        }
    }
}

impl LoginUi for TerminalUi<'_> {
    fn device_code(&self, auth: &DeviceAuthorization) {
        let p = self.p;
        p.info(format!(
            "To sign in, open {}\nand enter the code: {}",
            auth.verification_uri, auth.user_code
        ));
        if p.interactive()
            && let Some(block) = auth.verification_uri_complete.as_deref().and_then(qr_block)
        {
            p.info(format!("or scan this code with a phone:\n{block}"));
        }
        let open_url = auth
            .verification_uri_complete
            .as_deref()
            .unwrap_or(&auth.verification_uri);
        if !self.no_browser && browser_display_available() {
            match open_browser(open_url) {
                Ok(what) => p.verbose(format!("opened {what}")),
                Err(e) => p.verbose(e),
            }
        }
    }

    fn browser(&self, url: &Url, start_link: &str) {
        let p = self.p;
        p.info(format!(
            "Sign in with your browser. If it does not open, visit:\n  {url}"
        ));
        if !self.no_browser {
            match open_browser(start_link) {
                Ok(what) => p.verbose(format!("opened {what}")),
                Err(e) => p.warn(e),
            }
        }
    }

    fn paste(
        &self,
        url: &Url,
        redirect_uri: &str,
        timeout: Duration,
    ) -> std::io::Result<Option<String>> {
        // Shown even with -q: without it there is nothing to do.
        eprintln!(
            "Open this URL in a browser on any machine and approve:\n  {url}\nThe browser then fails to load a page at {redirect_uri}?...\nCopy that whole address from the address bar and paste it here:"
        );
        // Read on a worker so that --timeout bounds the wait like the other flows.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let r = std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line);
            let _ = tx.send(r.map(|_| line));
        });
        match rx.recv_timeout(timeout) {
            Ok(r) => r.map(Some),
            Err(_) => Ok(None),
        }
    }

    fn waiting(&self, what: Wait, deadline: Instant) {
        let msg = match what {
            Wait::Approval => format!(
                "Waiting for approval (the code expires in {})…",
                remaining(deadline)
            ),
            Wait::Browser => format!("Waiting for the browser (up to {})…", remaining(deadline)),
        };
        let mut spinner = self.spinner.borrow_mut();
        match spinner.as_ref() {
            // Without a terminal the wait was announced once, when it started.
            Some(None) => {}
            Some(Some(pb)) => pb.set_message(msg),
            None => *spinner = Some(spinner_for(self.p, msg)),
        }
    }

    fn done_waiting(&self) {
        if let Some(Some(pb)) = self.spinner.borrow_mut().take() {
            pb.finish_and_clear();
        }
    }
}

fn spinner_for(p: &Printer, msg: String) -> Option<indicatif::ProgressBar> {
    if !p.interactive() {
        p.info(msg);
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb.set_message(msg);
    Some(pb)
}

fn remaining(deadline: Instant) -> String {
    let left = deadline.saturating_duration_since(Instant::now()).as_secs();
    humantime::format_duration(Duration::from_secs(left)).to_string()
}

/// `url` as a QR code of Unicode half blocks (light modules drawn, for dark terminals).
pub fn qr_block(url: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}
