//! tok: an OAuth 2.0 / OpenID Connect credential helper.
//!
//! The binary (`src/main.rs`) is a thin shell over this library so that integration tests and
//! fuzz targets reach the same parsers the CLI uses. The path of a token reads straight through:
//! `commands::print → session → (cache | lock → oauth refresh → store) → stdout`.

pub mod audit;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod hardening;
pub mod helpers;
pub mod lockfile;
pub mod oauth;
pub mod output;
pub mod paths;
pub mod presets;
pub mod secret;
pub mod session;
pub mod settings;
pub mod signals;
pub mod store;
pub mod time;
