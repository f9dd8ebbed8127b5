//! A login by resource URL (RFC 9728 → RFC 7591): the resource's metadata, and tok's dynamic
//! client registration at the issuer it names, kept in the profile's store beside its session
//! (the account `NAME+registration`, which no profile name can be: `+` is not allowed in
//! them) so that the next login reuses it and `tok logout` deletes it (RFC 7592).

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use super::Ctx;
use crate::config::Profile;
use crate::oauth::{
    EndpointOverrides, Issuer, IssuerMatch, Management, Network, OAuthError, Protected,
    RedirectUri, ResourceError, client_metadata, delete_registration, discover_resource, endpoints,
    register,
};
use crate::secret::{self, RegistrationToken};
use crate::store::{StoreError, TokenStore};

/// The store account of `profile`'s registration.
fn account(profile: &str) -> String {
    format!("{profile}+registration")
}

/// A registration as the store keeps it.
#[derive(Serialize, Deserialize)]
struct Stored {
    issuer: String,
    client_id: String,
    registration_client_uri: Option<String>,
    #[serde(serialize_with = "secret::serialize_opt", default)]
    registration_access_token: Option<RegistrationToken>,
}

/// The resource at `url` and its authorization servers (RFC 9728), reached as `network` says
/// (the profile's, or the login's `--ca-file`).
pub fn find_resource(ctx: &Ctx, url: &Url, network: &Network) -> Result<Protected, ResourceError> {
    let http = ctx.http();
    http.set_network(network);
    discover_resource(http, url)
}

/// The client id tok uses at `issuer` for `profile`: the registration kept from an earlier
/// login there, else a new one (RFC 7591), kept. Returns it and whether it is new.
pub fn dynamic_client(
    ctx: &Ctx,
    profile: &str,
    issuer: &str,
    redirect: &RedirectUri,
    scope: Option<&str>,
    network: &Network,
) -> Result<(String, bool), ResourceError> {
    let store = ctx.store_for(profile).map_err(kept)?;
    if let Some(s) = load(store.as_ref(), profile)
        && s.issuer == issuer
    {
        return Ok((s.client_id, false));
    }
    ctx.http().set_network(network);
    let url = crate::url_policy::check_url(issuer)
        .map_err(|e| ResourceError::from(OAuthError::Discovery(e)))?;
    let endpoints = endpoints(
        Issuer {
            url: &url,
            text: issuer,
        },
        &EndpointOverrides::default(),
        &ctx.paths,
        || ctx.http(),
        IssuerMatch::ModuloSlash,
    )?;
    let Some(endpoint) = endpoints.registration else {
        return Err(ResourceError::NoRegistrationEndpoint {
            issuer: issuer.to_string(),
        });
    };
    let metadata = client_metadata(redirect, endpoints.device_authorization.is_some(), scope);
    let made = register(ctx.http(), &endpoint, &metadata)?;
    if let Some(method) = made.confidential {
        // Not kept: take it back at the server when it allows (best effort).
        if let Some(m) = &made.management {
            let _ = delete_registration(ctx.http(), m);
        }
        return Err(ResourceError::RegistrationRefused {
            endpoint: crate::oauth::endpoint_name(&endpoint),
            error: "token_endpoint_auth_method".into(),
            description: Some(format!(
                "it registered a confidential client ({method}), not a public one (none)"
            )),
        });
    }
    let stored = Stored {
        issuer: issuer.to_string(),
        client_id: made.client_id.clone(),
        registration_client_uri: made
            .management
            .as_ref()
            .map(|m| m.registration_client_uri.to_string()),
        registration_access_token: made.management.map(|m| m.registration_access_token),
    };
    let blob = serde_json::to_string(&stored).expect("a registration serializes");
    store
        .save(&account(profile), &SecretString::from(blob))
        .map_err(kept)?;
    Ok((stored.client_id, true))
}

fn kept(e: StoreError) -> ResourceError {
    ResourceError::Store(Box::new(e))
}

fn load(store: &dyn TokenStore, profile: &str) -> Option<Stored> {
    let blob = store.load(&account(profile)).ok()??;
    serde_json::from_str(blob.expose_secret()).ok()
}

/// What became of a profile's registration at logout.
#[derive(Debug)]
pub enum Forgotten {
    /// Deleted at the server (RFC 7592) and here.
    Deleted,
    /// Forgotten here; the server offers no deletion for it.
    Kept,
    /// The server refused or failed; forgotten here all the same.
    Failed(OAuthError),
}

/// Forget `profile`'s registration: delete it at the server when it can be (RFC 7592), then
/// from `store`. `None` when there was none.
pub fn forget(ctx: &Ctx, profile: &Profile, store: &dyn TokenStore) -> Option<Forgotten> {
    let s = load(store, &profile.name)?;
    let outcome = match (s.registration_client_uri, s.registration_access_token) {
        (Some(uri), Some(token)) => match crate::url_policy::check_url(&uri) {
            Ok(url) => {
                let m = Management {
                    registration_client_uri: url,
                    registration_access_token: token,
                };
                let http = ctx.http();
                http.set_network(&profile.network);
                match delete_registration(http, &m) {
                    Ok(()) => Forgotten::Deleted,
                    Err(e) => Forgotten::Failed(e),
                }
            }
            Err(e) => Forgotten::Failed(OAuthError::Discovery(e)),
        },
        _ => Forgotten::Kept,
    };
    let _ = store.delete(&account(&profile.name));
    Some(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    #[test]
    fn the_registration_is_stored_apart_and_its_token_is_redacted() {
        let store = MemoryStore::default();
        let s = Stored {
            issuer: "https://id.example".into(),
            client_id: "dyn".into(),
            registration_client_uri: Some("https://id.example/reg/dyn".into()),
            registration_access_token: Some(RegistrationToken::new("rat-secret")),
        };
        let blob = serde_json::to_string(&s).unwrap();
        store
            .save(&account("w"), &SecretString::from(blob))
            .unwrap();
        assert!(
            store.load("w").unwrap().is_none(),
            "not the session's account"
        );
        let back = load(&store, "w").unwrap();
        assert_eq!(back.client_id, "dyn");
        assert!(
            back.registration_access_token
                .unwrap()
                .same_as(&RegistrationToken::new("rat-secret"))
        );
        assert!(!format!("{:?}", RegistrationToken::new("rat-secret")).contains("rat-secret"));
    }
}
