//! A `private_key_jwt` profile's client keys (`client_auth = "private_key_jwt"`): where they
//! live — the profile's `client_key` file, else the store item `{profile}+client-key` beside
//! the session (keychain item or 0600 file), which a login fills with a generated key — and
//! the [`Asserter`] the HTTP client signs every token, revocation, introspection and PAR
//! request with. The key outlives a logout: it is the client's registration, not the session.

use crate::config::{ConfigError, Profile};
use crate::oauth::{
    Asserter, AssertionAudience as Audience, ClientKey, ClientKeys, JwsSigner, OAuthError,
    PEM_WANTED, PrivateKeyJwt,
};
use crate::store::{StoreError, TokenStore};

use super::Ctx;

/// Why a client key could not be had: a profile whose key is missing or unusable (its
/// `client_key` file, or the stored key), the store, or the discovery an audience needs.
#[derive(Debug, thiserror::Error)]
pub enum ClientKeyError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    OAuth(#[from] OAuthError),
}

/// A refusal of `profile`'s `key`.
fn invalid(profile: &Profile, key: &'static str, message: String) -> ClientKeyError {
    ConfigError::Invalid {
        profile: profile.name.clone(),
        key,
        message,
    }
    .into()
}

/// The store account of a profile's generated keys.
pub fn account(profile: &str) -> String {
    format!("{profile}+client-key")
}

/// The keys of `profile`: its `client_key` file's, else those in `store`, generated there
/// first when `generate` is set and there are none. `None` for a profile without
/// `private_key_jwt`.
pub fn keys(
    profile: &Profile,
    store: &dyn TokenStore,
    generate: bool,
) -> Result<Option<(ClientKeys, bool)>, ClientKeyError> {
    use secrecy::ExposeSecret;
    let Some(pk) = &profile.private_key_jwt else {
        return Ok(None);
    };
    if let Some(file) = &pk.key_file {
        let location = file.display().to_string();
        let unusable = |why: String| invalid(profile, "client_key", format!("({location}) {why}"));
        let text = std::fs::read_to_string(file)
            .map_err(|e| unusable(format!("cannot be read: {}", e.kind())))?;
        let text = zeroize::Zeroizing::new(text);
        let key =
            ClientKey::from_pem(&text, &location).ok_or_else(|| unusable(PEM_WANTED.into()))?;
        return Ok(Some((ClientKeys::one(key), false)));
    }
    let account = account(&profile.name);
    if let Some(blob) = store.load(&account)? {
        let keys = ClientKeys::from_stored(blob.expose_secret()).ok_or(StoreError::Corrupt {
            store: "store",
            profile: account,
            detail: "not a tok client key".into(),
        })?;
        return Ok(Some((keys, false)));
    }
    if !generate {
        let m = "has no key: `tok profile jwks` makes one (register it), or give `client_key`";
        return Err(invalid(profile, "client_auth", m.into()));
    }
    let keys = ClientKeys::one(generated(profile, pk)?);
    save(profile, store, &keys)?;
    Ok(Some((keys, true)))
}

/// A new key of the profile's `client_key_alg`.
fn generated(profile: &Profile, pk: &PrivateKeyJwt) -> Result<ClientKey, ClientKeyError> {
    let m = "RS256 keys cannot be generated: give one as `client_key` (a PKCS#8 PEM file)";
    ClientKey::generate(pk.alg).ok_or_else(|| invalid(profile, "client_key_alg", m.into()))
}

/// Keep `keys` as `profile`'s generated keys.
pub fn save(
    profile: &Profile,
    store: &dyn TokenStore,
    keys: &ClientKeys,
) -> Result<(), StoreError> {
    let text = keys.to_stored();
    store.save(
        &account(&profile.name),
        &secrecy::SecretString::from(text.as_str()),
    )
}

/// `tok login --rotate-client-key`: a new key signs from now on; the previous one stays
/// registered beside it, any older one is dropped.
fn rotate(profile: &Profile, store: &dyn TokenStore) -> Result<ClientKeys, ClientKeyError> {
    let Some(pk) = &profile.private_key_jwt else {
        return Err(not_jwt(profile));
    };
    if pk.key_file.is_some() {
        let m = "names the key file: replace the file to change the key".into();
        return Err(invalid(profile, "client_key", m));
    }
    let mut keys = match store.load(&account(&profile.name))? {
        Some(_) => keys(profile, store, false)?
            .map(|(k, _)| k)
            .unwrap_or_default(),
        None => ClientKeys::default(),
    };
    keys.rotate(generated(profile, pk)?);
    save(profile, store, &keys)?;
    Ok(keys)
}

/// Make the HTTP client authenticate `profile`'s client with its newest key. Generates the
/// key when `generate` is set (a login) and there is none; says so on stderr, with the JWK
/// Set to register. A no-op for other profiles.
pub fn attach(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    generate: bool,
) -> Result<(), ClientKeyError> {
    let Some((keys, made)) = keys(profile, store, generate)? else {
        return Ok(());
    };
    let pk = profile.private_key_jwt.as_ref().expect("keys came from it");
    let Some(signer) = keys.into_signer() else {
        return Err(invalid(profile, "client_auth", "has no key".into()));
    };
    if made {
        ctx.printer.warn(format!(
            "generated the client key {} of profile `{}`: register its public key with the server \
             (`tok profile jwks -p {}` prints the JWK Set)",
            signer.thumbprint(),
            profile.name,
            profile.name
        ));
    }
    ctx.printer.verbose(format!(
        "client authentication: private_key_jwt, key {} ({})",
        signer.thumbprint(),
        signer.location()
    ));
    ctx.http().set_asserter(Asserter {
        aud: audience(ctx, profile, pk)?,
        signer: Box::new(signer),
        client_id: profile.client_id.clone(),
    });
    Ok(())
}

fn audience(ctx: &Ctx, profile: &Profile, pk: &PrivateKeyJwt) -> Result<String, OAuthError> {
    Ok(match pk.aud {
        Audience::Issuer => profile.issuer_text.clone(),
        Audience::TokenEndpoint => ctx.endpoints(profile)?.token.to_string(),
    })
}

/// The public JWK Set of `profile`'s client keys, generating the key first if tok keeps it
/// and has none.
pub fn client_jwks(ctx: &Ctx, profile: &Profile) -> Result<serde_json::Value, ClientKeyError> {
    let store = ctx.store_for(&profile.name)?;
    match keys(profile, store.as_ref(), true)? {
        Some((keys, _)) => Ok(keys.jwks()),
        None => Err(not_jwt(profile)),
    }
}

/// `tok login --rotate-client-key`: the new key's thumbprint.
pub fn rotate_client_key(ctx: &Ctx, profile: &Profile) -> Result<String, ClientKeyError> {
    let store = ctx.store_for(&profile.name)?;
    let keys = rotate(profile, store.as_ref())?;
    Ok(keys.signer().map(|k| k.thumbprint()).unwrap_or_default())
}

fn not_jwt(profile: &Profile) -> ClientKeyError {
    let m = "is not \"private_key_jwt\": the client has no key (`--client-auth private-key-jwt`)";
    invalid(profile, "client_auth", m.into())
}

/// What `tok status` shows of a `private_key_jwt` profile's client key: where it lives, its
/// algorithm and thumbprint, and the thumbprints of the whole registered set (newest first).
#[derive(Debug, serde::Serialize)]
pub struct ClientKeyInfo {
    pub location: String,
    pub alg: &'static str,
    pub kid: String,
    pub kids: Vec<String>,
}

/// [`ClientKeyInfo`] of `profile`, read from `store` (never generated); `None` for a profile
/// without `private_key_jwt`, or before its key exists.
pub fn client_key_info(
    profile: &Profile,
    store: &dyn TokenStore,
) -> Result<Option<ClientKeyInfo>, ClientKeyError> {
    let Some(pk) = &profile.private_key_jwt else {
        return Ok(None);
    };
    if pk.key_file.is_none() && store.load(&account(&profile.name))?.is_none() {
        return Ok(None);
    }
    let Some((keys, _)) = keys(profile, store, false)? else {
        return Ok(None);
    };
    let kids: Vec<String> = keys.jwks()["keys"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| k["kid"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let Some(signer) = keys.into_signer() else {
        return Ok(None);
    };
    let location = match &pk.key_file {
        Some(f) => f.display().to_string(),
        None => format!("{}, item {}", store.describe(), account(&profile.name)),
    };
    Ok(Some(ClientKeyInfo {
        location,
        alg: signer.alg(),
        kid: signer.thumbprint(),
        kids,
    }))
}
