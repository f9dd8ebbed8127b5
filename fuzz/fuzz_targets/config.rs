//! The config file: TOML parse, then every profile's validation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = std::path::Path::new("config.toml");
    if let Ok(file) = tok::parse_config(text, path) {
        let config = tok::Config {
            path: path.to_path_buf(),
            file,
            text: text.to_string(),
        };
        let names: Vec<String> = config.file.profiles.keys().cloned().collect();
        for name in names {
            let _ = config.profile(&name);
        }
        let _ = config.select(None);
    }
});
