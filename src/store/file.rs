//! The file store: one 0600 JSON file per profile, written atomically (temp file, fsync, rename).

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use super::{StoreError, StoreKind, TokenStore};
use crate::paths::{self, PathError, Paths};

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
        // Not following a symlink: a session file is never one, unless someone planted it.
        let bytes = paths::read_private(&path).map_err(PathError::io("read", &path))?;
        match bytes {
            None => Ok(None),
            Some(b) => std::str::from_utf8(&b)
                .map(|s| Some(SecretString::from(s)))
                .map_err(|_| StoreError::Corrupt {
                    store: "file store",
                    profile: account.into(),
                    detail: format!("{} is not UTF-8", path.display()),
                }),
        }
    }
    fn save(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        Ok(paths::write_private_atomic(
            &self.path_for(account),
            secret.expose_secret().as_bytes(),
        )?)
    }
    fn delete(&self, account: &str) -> Result<bool, StoreError> {
        // Temp files of writes a SIGKILL interrupted hold a session too: forget them as well.
        let prefix = format!(".{account}.json.");
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(&prefix) && name.ends_with(".tmp") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(paths::remove_optional(&self.path_for(account))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_also_removes_interrupted_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore {
            dir: dir.path().to_path_buf(),
        };
        store
            .save("work", &SecretString::from("s".to_string()))
            .unwrap();
        std::fs::write(dir.path().join(".work.json.a1b2c3.tmp"), "rt").unwrap();
        std::fs::write(dir.path().join(".other.json.a1b2c3.tmp"), "rt").unwrap();
        assert!(store.delete("work").unwrap());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from(".other.json.a1b2c3.tmp")]);
    }
}
