//! A `private_key_jwt` profile's client keys (`client_auth = "private_key_jwt"`): where they
//! live — the profile's `client_key` file, else the store item `{profile}+client-key` beside
//! the session (keychain item or 0600 file), which a login fills with a generated key — and
//! the [`Asserter`] the HTTP client signs every token, revocation, introspection and PAR
//! request with. The key outlives a logout: it is the client's registration, not the session.
//! A `client_key` that is a `pkcs11:` URI names a key on a PKCS#11 token instead: it is opened
//! (logged in with the command's PIN source) and signs there; `--generate-key` makes it there.

use crate::config::{ConfigError, Profile};
use crate::oauth::{
    Asserter, AssertionAudience as Audience, ClientKey, ClientKeys, JwsSigner, OAuthError,
    PEM_WANTED, PrivateKeyJwt,
};
use crate::oauth::{PinSource, Pkcs11Error, TokenKey, pkcs11_module_for};
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
    /// The key on a PKCS#11 token: module, token, key or PIN.
    #[error(transparent)]
    Token(#[from] Pkcs11Error),
}

/// How a key on a PKCS#11 token is reached: the command's PIN source, and whether to make the
/// key there first (`tok login --generate-key` without `--dpop-key`).
pub struct TokenAccess<'a> {
    pub pin: &'a PinSource,
    pub generate: bool,
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

/// The keys of `profile`: its key on a PKCS#11 token (opened through `token`), its
/// `client_key` file's, else those in `store`, generated there first when `generate` is set
/// and there are none. `None` for a profile without `private_key_jwt`.
pub fn keys(
    profile: &Profile,
    store: &dyn TokenStore,
    generate: bool,
    token: &TokenAccess,
) -> Result<Option<(ClientKeys, bool)>, ClientKeyError> {
    use secrecy::ExposeSecret;
    let Some(pk) = &profile.private_key_jwt else {
        return Ok(None);
    };
    if let Some(uri) = &pk.token_key {
        let module = pkcs11_module_for(uri, profile.pkcs11_module.as_deref())?;
        let key = if token.generate {
            TokenKey::generate(&module, uri, token.pin)?
        } else {
            TokenKey::open(&module, uri, token.pin)?
        };
        let keys = ClientKeys::one(ClientKey::on_token(key));
        return Ok(Some((keys, token.generate)));
    }
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
    if pk.token_key.is_some() {
        let m = "names a key on a PKCS#11 token: make a new one there (`--client-key pkcs11:… \
                 --generate-key`) and register it"
            .into();
        return Err(invalid(profile, "client_key", m));
    }
    let mut keys = match store.load(&account(&profile.name))? {
        Some(_) => keys(profile, store, false, &NO_TOKEN)?
            .map(|(k, _)| k)
            .unwrap_or_default(),
        None => ClientKeys::default(),
    };
    keys.rotate(generated(profile, pk)?);
    save(profile, store, &keys)?;
    Ok(keys)
}

/// No token key is reached through this (software keys only).
const NO_TOKEN: TokenAccess<'static> = TokenAccess {
    pin: &PinSource::Unavailable,
    generate: false,
};

/// Make the HTTP client authenticate `profile`'s client with its newest key. Generates the
/// key when `generate` is set (a login) and there is none — on the PKCS#11 token when
/// `on_token` is also set (`--generate-key`) — and says so on stderr, with the JWK Set to
/// register. A no-op for other profiles.
pub fn attach(
    ctx: &Ctx,
    profile: &Profile,
    store: &dyn TokenStore,
    generate: bool,
    on_token: bool,
) -> Result<(), ClientKeyError> {
    let pin = &ctx.pin;
    tls_key_on_token(ctx, profile, pin)?;
    let token = TokenAccess {
        pin,
        generate: generate && on_token,
    };
    let Some((keys, made)) = keys(profile, store, generate, &token)? else {
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

/// Mutual TLS with the certificate's key on a PKCS#11 token (`client_key = "pkcs11:…"` with
/// `client_cert`): open it, and have the handshake sign with it from now on.
fn tls_key_on_token(ctx: &Ctx, profile: &Profile, pin: &PinSource) -> Result<(), ClientKeyError> {
    let Some(uri) = profile
        .network
        .trust
        .client_cert
        .as_ref()
        .and_then(|cc| cc.token_uri())
    else {
        return Ok(());
    };
    let module = pkcs11_module_for(uri, profile.pkcs11_module.as_deref())?;
    let key = TokenKey::open(&module, uri, pin)?;
    ctx.printer
        .verbose(format!("client certificate key: {}", key.location()));
    ctx.http().set_tls_key(crate::oauth::TokenSigning::of(key));
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
    let pin = &ctx.pin;
    let token = TokenAccess {
        pin,
        generate: false,
    };
    match keys(profile, store.as_ref(), true, &token)? {
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

impl ClientKeyInfo {
    /// `tok status`'s line: the algorithm, the thumbprint when known, where the key lives.
    pub fn text(&self) -> String {
        match self.kid.as_str() {
            "" => format!("{} in {}", self.alg, self.location),
            kid => format!("{} {kid} in {}", self.alg, self.location),
        }
    }
}

/// [`ClientKeyInfo`] of `profile`, read from `store` (never generated); `None` for a profile
/// without `private_key_jwt`, or before its key exists. A key on a PKCS#11 token is shown by
/// its URI without opening the token (which may need its PIN): `kid` is then empty.
pub fn client_key_info(
    profile: &Profile,
    store: &dyn TokenStore,
) -> Result<Option<ClientKeyInfo>, ClientKeyError> {
    let Some(pk) = &profile.private_key_jwt else {
        return Ok(None);
    };
    if let Some(uri) = &pk.token_key {
        return Ok(Some(ClientKeyInfo {
            location: format!("the PKCS#11 token key {uri}"),
            alg: "ES256",
            kid: String::new(),
            kids: vec![],
        }));
    }
    if pk.key_file.is_none() && store.load(&account(&profile.name))?.is_none() {
        return Ok(None);
    }
    let Some((keys, _)) = keys(profile, store, false, &NO_TOKEN)? else {
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
