//! The loopback callback's request target: only the exact `state` may end a login.
//! No leak check: the code is wrapped the moment it is parsed, and the answer is an outcome,
//! not a message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::{CallbackOutcome as Outcome, parse_callback};

const STATE: &str = "expected-state-Zx8";

fuzz_target!(|data: &[u8]| {
    let Ok(target) = std::str::from_utf8(data) else {
        return;
    };
    if let Outcome::Done(_) = parse_callback(target, STATE) {
        // Whatever the input, a finished login needs the real state in the query.
        let query = target.split_once('?').map(|(_, q)| q).unwrap_or("");
        let state_ok =
            url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == "state" && v == STATE);
        assert!(state_ok, "a callback without the state ended the login");
    }
    // Each input stands for one login process: forget the codes it wrapped.
    tok::forget_held();
});
