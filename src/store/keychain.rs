//! The OS keychain through `keyring-core`: the only module that imports it.
//!
//! Every operation runs on a worker thread with a deadline (a locked Secret Service can block on
//! an unlock prompt forever; a missing one can hang on D-Bus activation) and under an inter-process
//! lock, because the Secret Service handles concurrent clients poorly.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keyring_core::{CredentialStore, Entry, Error as KError};
use secrecy::{ExposeSecret, SecretString};

use super::{SERVICE, StoreError, StoreKind, TokenStore};
use crate::paths::Paths;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The platform's keychain.
    Native,
    /// Linux kernel keyutils.
    Keyutils,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Native if cfg!(target_os = "macos") => "macOS Keychain",
            Backend::Native if cfg!(target_os = "windows") => "Windows Credential Manager",
            Backend::Native => "Secret Service",
            Backend::Keyutils => "kernel keyutils",
        }
    }
}

pub struct Keychain {
    backend: Backend,
    store: Arc<CredentialStore>,
    lock_path: PathBuf,
    timeout: Duration,
}

/// How long a rotated refresh token's write may take before tok gives up on the keychain.
const ROTATED_SAVE_TIMEOUT: Duration = Duration::from_secs(30);

/// Run `f` on a worker thread; give up after `limit`.
fn bounded<T: Send + 'static>(
    backend: Backend,
    limit: Duration,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(r) => r,
        Err(_) => Err(StoreError::Timeout {
            store: backend.name(),
            secs: limit.as_secs(),
        }),
    }
}

fn unavailable(backend: Backend, e: &KError) -> StoreError {
    let detail = match e {
        KError::NoStorageAccess(_) => "it is locked or access was refused".to_string(),
        other => crate::output::one_line(&other.to_string()),
    };
    StoreError::Unavailable { backend, detail }
}

fn build_store(backend: Backend) -> Result<Arc<CredentialStore>, KError> {
    match backend {
        Backend::Native => native_store(),
        Backend::Keyutils => keyutils_store(),
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn native_store() -> Result<Arc<CredentialStore>, KError> {
    // Without an address, D-Bus clients fall back to $XDG_RUNTIME_DIR/bus.
    let fallback =
        std::env::var_os("XDG_RUNTIME_DIR").map(|d| std::path::PathBuf::from(d).join("bus"));
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
        && !fallback.is_some_and(|b| b.exists())
    {
        return Err(KError::NotSupportedByStore(
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)".into(),
        ));
    }
    let s: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
    Ok(s)
}

#[cfg(target_os = "macos")]
fn native_store() -> Result<Arc<CredentialStore>, KError> {
    let s: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
    Ok(s)
}

#[cfg(target_os = "windows")]
fn native_store() -> Result<Arc<CredentialStore>, KError> {
    let s: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
    Ok(s)
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "windows"
)))]
fn native_store() -> Result<Arc<CredentialStore>, KError> {
    Err(KError::NotSupportedByStore(
        "no keychain on this platform".into(),
    ))
}

#[cfg(target_os = "linux")]
fn keyutils_store() -> Result<Arc<CredentialStore>, KError> {
    let s: Arc<CredentialStore> = linux_keyutils_keyring_store::Store::new()?;
    Ok(s)
}

#[cfg(not(target_os = "linux"))]
fn keyutils_store() -> Result<Arc<CredentialStore>, KError> {
    Err(KError::NotSupportedByStore(
        "kernel keyutils exist only on Linux".into(),
    ))
}

impl Keychain {
    /// Connect to the backend; this and every later operation is bounded by `limit`
    /// (`TOK_KEYCHAIN_TIMEOUT`, see [`crate::settings`]).
    pub fn open(backend: Backend, paths: &Paths, limit: Duration) -> Result<Self, StoreError> {
        let store = bounded(backend, limit, move || {
            build_store(backend).map_err(|e| unavailable(backend, &e))
        })?;
        Ok(Self {
            backend,
            store,
            // Per user, like the keychain itself (see `Paths::user_state_dir`).
            lock_path: paths.user_lock_file(".keychain"),
            timeout: limit,
        })
    }

    /// Check that the store answers for `account` (absent is fine; locked is not).
    pub fn probe(&self, account: &str) -> Result<(), StoreError> {
        self.load(account).map(|_| ())
    }

    /// Serialise access across tok processes, then run `op` on the entry with a deadline.
    fn with_entry<T: Send + 'static>(
        &self,
        account: &str,
        op: impl FnOnce(&Entry) -> Result<T, KError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.with_entry_within(account, self.timeout, op)
    }

    fn with_entry_within<T: Send + 'static>(
        &self,
        account: &str,
        limit: Duration,
        op: impl FnOnce(&Entry) -> Result<T, KError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let deadline = Instant::now() + limit;
        let _guard = crate::lockfile::lock_until(
            &self.lock_path,
            deadline,
            Duration::from_millis(10),
            || {},
        )
        .map_err(|_| StoreError::Timeout {
            store: self.backend.name(),
            secs: limit.as_secs(),
        })?;
        let store = self.store.clone();
        let backend = self.backend;
        let account = account.to_string();
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(100));
        bounded(backend, left, move || {
            let entry = Entry::new_in_store(&store, SERVICE, &account)
                .map_err(|e| unavailable(backend, &e))?;
            op(&entry).map_err(|e| match e {
                KError::BadEncoding(_) | KError::BadDataFormat(..) => StoreError::Corrupt {
                    store: backend.name(),
                    profile: account.clone(),
                    detail: "not a tok session".into(),
                },
                KError::TooLong(..) => StoreError::TooLarge { backend },
                e => unavailable(backend, &e),
            })
        })
    }
}

impl TokenStore for Keychain {
    fn kind(&self) -> StoreKind {
        match self.backend {
            Backend::Native => StoreKind::Keychain,
            Backend::Keyutils => StoreKind::Keyutils,
        }
    }
    fn describe(&self) -> String {
        self.backend.name().to_string()
    }
    fn load(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        self.with_entry(account, |e| match e.get_password() {
            Ok(p) => Ok(Some(SecretString::from(p))),
            Err(KError::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
    }
    fn save(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        let value = secret.expose_secret().to_owned();
        self.with_entry(account, move |e| e.set_password(&value))
    }
    /// The one write that must not be cut short: give a slow keychain much longer than usual.
    fn save_rotated(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        let value = secret.expose_secret().to_owned();
        let limit = self.timeout.max(ROTATED_SAVE_TIMEOUT);
        self.with_entry_within(account, limit, move |e| e.set_password(&value))
    }
    fn delete(&self, account: &str) -> Result<bool, StoreError> {
        self.with_entry(account, |e| match e.delete_credential() {
            Ok(()) => Ok(true),
            Err(KError::NoEntry) => Ok(false),
            Err(e) => Err(e),
        })
    }
}
