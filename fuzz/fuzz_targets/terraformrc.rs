//! `tok setup terraform` on `~/.terraformrc` (HCL, edited as text): tok's `credentials_helper`
//! block is added at the end and `--remove` takes exactly it out again.
//!
//! Input: a selector (file absent or not), then any text. Checks: a file that already names a
//! helper is never given a second one; `setup` only appends (the user's text stays a prefix);
//! `setup` then `--remove` gives back the text byte for byte, and deletes a file setup created.
//! No leak check: nothing here makes a message from the file's content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tok::HelperConfig;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let existing = (selector & 1 == 0).then_some(text);
    if tok::helper_in(existing.unwrap_or("")) != HelperConfig::None {
        // setup refuses (another helper) or has nothing to do (tok's own).
        return;
    }
    let added = tok::add_helper(existing);
    assert!(
        added.starts_with(existing.unwrap_or("")),
        "setup changed the user's text"
    );
    assert_eq!(
        tok::helper_in(&added),
        HelperConfig::Tok,
        "setup added no block"
    );
    match tok::remove_helper(&added) {
        Some(Some(back)) => assert_eq!(Some(back.as_str()), existing, "round trip"),
        Some(None) => assert_eq!(existing, None, "deleted a file the user had"),
        None => panic!("--remove did not find the block setup added"),
    }
});
