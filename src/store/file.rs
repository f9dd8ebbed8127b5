//! The file store: one 0600 JSON file per profile, written atomically (temp file, fsync, rename).

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use super::{StoreError, StoreKind, TokenStore};
use crate::paths::{self, Paths};

pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(paths: &Paths) -> Self {
        Self {
            dir: paths.data_dir.join("sessions"),
        }
    }

    pub fn path_for(&self, account: &str) -> PathBuf {
        self.dir.join(format!("{account}.json"))
    }
}

impl TokenStore for FileStore {
    fn kind(&self) -> StoreKind {
        StoreKind::File
    }
    fn describe(&self) -> String {
        format!("file store {}", self.dir.display())
    }
    fn load(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        let path = self.path_for(account);
        let bytes = paths::read_optional(&path).map_err(|e| StoreError::Io(format!("{e:#}")))?;
        match bytes {
            None => Ok(None),
            Some(b) => String::from_utf8(b)
                .map(|s| Some(SecretString::from(s)))
                .map_err(|_| StoreError::Corrupt {
                    store: "file store",
                    profile: account.into(),
                    detail: format!("{} is not UTF-8", path.display()),
                }),
        }
    }
    fn save(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        paths::write_private_atomic(&self.path_for(account), secret.expose_secret().as_bytes())
            .map_err(|e| StoreError::Io(format!("{e:#}")))
    }
    fn save_unchanged_refresh_token(
        &self,
        account: &str,
        secret: &SecretString,
    ) -> Result<(), StoreError> {
        paths::write_private_replace(&self.path_for(account), secret.expose_secret().as_bytes())
            .map_err(|e| StoreError::Io(format!("{e:#}")))
    }
    fn delete(&self, account: &str) -> Result<bool, StoreError> {
        paths::remove_optional(&self.path_for(account))
            .map_err(|e| StoreError::Io(format!("{e:#}")))
    }
}
