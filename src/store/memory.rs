//! An in-memory store for unit tests.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use secrecy::{ExposeSecret, SecretString};

use super::{StoreError, StoreKind, TokenStore};

/// Clones share their items, so a test can keep a handle on what the code under test stores.
#[derive(Default, Clone)]
pub struct MemoryStore {
    items: Rc<RefCell<HashMap<String, SecretString>>>,
}

impl TokenStore for MemoryStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Memory
    }
    fn describe(&self) -> String {
        "memory".into()
    }
    fn load(&self, account: &str) -> Result<Option<SecretString>, StoreError> {
        Ok(self
            .items
            .borrow()
            .get(account)
            .map(|s| SecretString::from(s.expose_secret().to_owned())))
    }
    fn save(&self, account: &str, secret: &SecretString) -> Result<(), StoreError> {
        self.items.borrow_mut().insert(
            account.into(),
            SecretString::from(secret.expose_secret().to_owned()),
        );
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<bool, StoreError> {
        Ok(self.items.borrow_mut().remove(account).is_some())
    }
}
