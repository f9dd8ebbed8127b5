//! The config file: TOML parse, then every profile's validation; every error on one line.
//! No leak check: the config file holds no secret (client secrets come from the environment or
//! stdin), and naming the offending key and value is the point of its errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("config.toml");
    let parsed = tok::parse_config(text, path);
    if let Err(e) = &parsed {
        tok_fuzz::assert_one_line(&e.to_string());
    }
    if let Ok(file) = parsed {
        let config = tok::Config {
            path: path.to_path_buf(),
            file,
            text: text.to_string(),
        };
        let names: Vec<String> = config.file.profiles.keys().cloned().collect();
        for name in names {
            if let Err(e) = config.profile(&name) {
                tok_fuzz::assert_one_line(&e.to_string());
            }
        }
        let _ = config.select(None);
    }
});
