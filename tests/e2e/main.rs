//! End-to-end tests: the built `tok` binary against the real oidc-provider, a real Secret
//! Service and (in later modules) real git and docker clients. Modules mirror `src/commands`.
//!
//! Unix only: the rig drives Unix tools (dbus-run-session, keyctl, `script`, symlinked helper
//! names, file modes). On other targets this compiles to an empty suite, so that
//! `cargo check --all-targets --target x86_64-pc-windows-gnu` checks the rest.
#![cfg(unix)]

mod support;

mod aws;
mod azure;
mod background;
mod canary;
mod cargo;
mod client_key;
mod config;
mod corp;
mod docker;
mod docs;
mod dpop;
mod exec;
mod faults;
mod fronts;
mod gcp;
mod git;
mod harden;
mod harden3;
mod idtoken;
mod keychain;
mod kubectl;
mod lock;
mod login;
mod logout;
mod mtls;
mod pkcs11;
mod print;
mod resource;
mod rig_net;
mod servers;
mod setup;
mod stats;
mod status;
mod stepup;
mod stress;
mod terraform;
mod token_file;
mod ux;
mod workload;
