//! Where sessions live: the OS keychain, the Linux kernel keyring, a 0600 file, or memory.
//!
//! Stores keep one opaque secret blob per account (the profile name) and know nothing of OAuth;
//! [`crate::session`] decides what goes into the blob.

mod file;
mod keychain;
mod memory;

// What the rest of tok may name; the modules themselves are the folder's own.
pub use file::FileStore;
pub use keychain::Backend;
pub use memory::MemoryStore;

use secrecy::SecretString;

use crate::output::Printer;
use crate::paths::{PathError, Paths};

/// Keychain items use this service name; the account is the profile name.
pub const SERVICE: &str = "tok";

/// Which store to use, as given by `--store` / `TOK_STORE` or recorded at login.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// Keychain, else kernel keyutils, else the file store with a warning.
    Auto,
    /// The OS keychain: Secret Service, macOS Keychain, Windows Credential Manager.
    Keychain,
    /// The Linux kernel key retention service (session keyring).
    Keyutils,
    /// A 0600 JSON file under the data directory.
    File,
    /// Process memory (tests only).
    #[value(skip)]
    Memory,
}

impl StoreKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Auto => "auto",
            StoreKind::Keychain => "keychain",
            StoreKind::Keyutils => "keyutils",
            StoreKind::File => "file",
            StoreKind::Memory => "memory",
        }
    }
}

/// A store failure. `Unavailable` means the store cannot be used at all right now.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The keychain backend cannot be used at all (absent, locked, access refused).
    #[error("{} is unavailable: {detail}", .backend.name())]
    Unavailable {
        backend: keychain::Backend,
        detail: String,
    },
    /// The keychain backend refused an item this large.
    #[error("{}: the session is larger than this keychain allows", .backend.name())]
    TooLarge { backend: keychain::Backend },
    #[error("{store} did not answer within {secs} s")]
    Timeout { store: &'static str, secs: u64 },
    #[error("the {store} entry for profile `{profile}` is damaged: {detail}")]
    Corrupt {
        store: &'static str,
        profile: String,
        detail: String,
    },
    /// Reading or writing the file store failed, or its directory is one another user could
    /// have written ([`PathError::Unsafe`]).
    #[error(transparent)]
    Path(#[from] PathError),
}

/// One store of secret blobs.
pub trait TokenStore {
    fn kind(&self) -> StoreKind;
    /// A human description: "Secret Service", "file ~/.local/share/tok/sessions".
    fn describe(&self) -> String;
    fn load(&self, account: &str) -> Result<Option<SecretString>, StoreError>;
    fn save(&self, account: &str, secret: &SecretString) -> Result<(), StoreError>;
    /// Store a session whose refresh token the provider just rotated: the old one is dead, so
    /// this write is the session. Stores with deadlines wait much longer here. Defaults to
    /// `save`.
    fn save_rotated(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        self.save(account, secret)
    }
    /// Delete; `Ok(false)` when there was nothing.
    fn delete(&self, account: &str) -> Result<bool, StoreError>;

    /// Write and delete a throw-away item. A locked Secret Service collection answers reads
    /// with "nothing there" and fails only on writes, so a login checks this before asking the
    /// user to approve anything. (`.probe` cannot clash: profile names never start with a dot.)
    fn check_writable(&self) -> Result<(), StoreError> {
        self.save(".probe", &SecretString::from("probe".to_string()))?;
        self.delete(".probe").map(|_| ())
    }
}

/// Whether opening a store should prove it can be read, or also written (for a login).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// Open the store of `kind`. `Auto` probes keychain, then keyutils, then falls back to the file
/// store with a warning naming the file — never silently.
pub fn open(
    kind: StoreKind,
    paths: &Paths,
    printer: &Printer,
    account: &str,
    access: Access,
    keychain_timeout: std::time::Duration,
) -> Result<Box<dyn TokenStore>, StoreError> {
    let checked = |store: Box<dyn TokenStore>| -> Result<Box<dyn TokenStore>, StoreError> {
        if access == Access::Write {
            store.check_writable()?;
        }
        Ok(store)
    };
    match kind {
        StoreKind::Keychain => checked(Box::new(keychain::Keychain::open(
            keychain::Backend::Native,
            paths,
            keychain_timeout,
        )?)),
        StoreKind::Keyutils => checked(Box::new(keychain::Keychain::open(
            keychain::Backend::Keyutils,
            paths,
            keychain_timeout,
        )?)),
        StoreKind::File => Ok(Box::new(file::FileStore::new(paths))),
        StoreKind::Memory => Ok(Box::new(memory::MemoryStore::default())),
        StoreKind::Auto => {
            let mut reasons = vec![];
            for backend in [keychain::Backend::Native, keychain::Backend::Keyutils] {
                if cfg!(not(target_os = "linux")) && backend == keychain::Backend::Keyutils {
                    continue;
                }
                let probe = |k: keychain::Keychain| match access {
                    Access::Read => k.probe(account).map(|_| k),
                    Access::Write => k.check_writable().map(|_| k),
                };
                match keychain::Keychain::open(backend, paths, keychain_timeout).and_then(probe) {
                    Ok(k) => {
                        printer.verbose(format!("store: {}", k.describe()));
                        return Ok(Box::new(k));
                    }
                    Err(e) => {
                        printer.verbose(format!("store: {} not usable: {e}", backend.name()));
                        reasons.push(e.to_string());
                    }
                }
            }
            let f = file::FileStore::new(paths);
            printer.warn(format!(
                "no keychain is available ({}); storing the session in {} (mode 0600). \
                 Choose a store explicitly with --store or TOK_STORE=keychain|keyutils|file",
                reasons.join("; "),
                f.path_for(account).display()
            ));
            Ok(Box::new(f))
        }
    }
}
