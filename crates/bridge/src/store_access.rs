//! Everything the bridge asks of the store, in one place.
//!
//! TEMPORARY: `dialtone-store` is not on main yet; this holds an in-memory stand-in with the
//! same method names so the server can be built and tested. Replaced by the real crate.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("the store's lock is poisoned")]
    Poisoned,
    #[error("`{0}` is not a web origin")]
    BadOrigin(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PairingState {
    Pending,
    Approved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pairing {
    pub origin: String,
    pub state: PairingState,
    pub silent_dial: bool,
}

#[derive(Default)]
pub struct Store {
    settings: Mutex<BTreeMap<String, String>>,
    origins: Mutex<BTreeMap<String, Pairing>>,
}

impl Store {
    pub fn open(_path: &Path) -> Result<Store, StoreError> {
        Ok(Store::default())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .settings
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .get(key)
            .cloned())
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.settings
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .insert(key.into(), value.into());
        Ok(())
    }

    pub fn request_pairing(&self, origin: &str) -> Result<Pairing, StoreError> {
        let origin = normalize_origin(origin)?;
        let mut all = self.origins.lock().map_err(|_| StoreError::Poisoned)?;
        Ok(all
            .entry(origin.clone())
            .or_insert(Pairing {
                origin,
                state: PairingState::Pending,
                silent_dial: false,
            })
            .clone())
    }

    pub fn approve_origin(&self, origin: &str, silent_dial: bool) -> Result<Pairing, StoreError> {
        let origin = normalize_origin(origin)?;
        let p = Pairing {
            origin: origin.clone(),
            state: PairingState::Approved,
            silent_dial,
        };
        self.origins
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .insert(origin, p.clone());
        Ok(p)
    }

    pub fn revoke_origin(&self, origin: &str) -> Result<bool, StoreError> {
        let origin = normalize_origin(origin)?;
        Ok(self
            .origins
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .remove(&origin)
            .is_some())
    }

    pub fn origins(&self) -> Result<Vec<Pairing>, StoreError> {
        Ok(self
            .origins
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .values()
            .cloned()
            .collect())
    }

    pub fn origin(&self, origin: &str) -> Result<Option<Pairing>, StoreError> {
        let Ok(origin) = normalize_origin(origin) else {
            return Ok(None);
        };
        Ok(self
            .origins
            .lock()
            .map_err(|_| StoreError::Poisoned)?
            .get(&origin)
            .cloned())
    }
}

pub fn normalize_origin(origin: &str) -> Result<String, StoreError> {
    let lower = origin.trim().to_ascii_lowercase();
    let ok = (lower.starts_with("http://") || lower.starts_with("https://"))
        && !lower["https://".len().min(lower.len())..].contains('/');
    if ok {
        Ok(lower.trim_end_matches('/').to_string())
    } else {
        Err(StoreError::BadOrigin(origin.into()))
    }
}

pub fn request_pairing(store: &Store, origin: &str) -> Result<Pairing, StoreError> {
    store.request_pairing(origin)
}

pub fn pairings(store: &Store) -> Result<Vec<Pairing>, StoreError> {
    store.origins()
}

pub fn approve(store: &Store, origin: &str, silent_dial: bool) -> Result<Pairing, StoreError> {
    store.approve_origin(origin, silent_dial)
}

pub fn revoke(store: &Store, origin: &str) -> Result<bool, StoreError> {
    store.revoke_origin(origin)
}

/// An approved origin's pairing, or `None` (unknown, pending, or not an origin at all).
pub fn approved(store: &Store, origin: &str) -> Result<Option<Pairing>, StoreError> {
    Ok(store
        .origin(origin)?
        .filter(|p| p.state == PairingState::Approved))
}

/// The approved origins, normalised.
pub fn approved_origins(store: &Store) -> Result<Vec<String>, StoreError> {
    Ok(store
        .origins()?
        .into_iter()
        .filter(|p| p.state == PairingState::Approved)
        .map(|p| p.origin)
        .collect())
}
