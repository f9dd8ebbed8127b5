//! End-to-end tests: the built `tok` binary against the real oidc-provider, a real Secret
//! Service and (in later modules) real git and docker clients. Modules mirror `src/commands`.

mod support;

mod canary;
mod cargo;
mod config;
mod corp;
mod docker;
mod docs;
mod dpop;
mod faults;
mod fronts;
mod git;
mod harden;
mod keychain;
mod kubectl;
mod lock;
mod login;
mod logout;
mod print;
mod rig_net;
mod setup;
mod stats;
mod status;
mod stress;
mod ux;
