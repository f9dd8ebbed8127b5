//! One file per grant, each a function from its inputs to a token response (or the step of one):
//! the authorization code with PKCE, the device authorization grant, refresh, client
//! credentials, and the workload identity exchange (a CI job's identity token for an access
//! token). Where tokens are kept is not their concern (see [`crate::session`]).

pub mod authorization_code;
pub mod client_credentials;
pub mod device;
pub mod refresh;
pub mod workload_identity;
