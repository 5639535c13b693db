//! Everything the bridge asks of the store about pairings, in one place.

pub use dialtone_store::{OriginEntry, OriginState, Store, StoreError};

/// An approved origin's entry, or `None` (unknown, pending, or not an origin at all).
pub fn approved(store: &Store, origin: &str) -> Result<Option<OriginEntry>, StoreError> {
    store.is_origin_approved(origin)
}

/// The approved origins, normalised.
pub fn approved_origins(store: &Store) -> Result<Vec<String>, StoreError> {
    Ok(store
        .origins()?
        .into_iter()
        .filter(|p| p.state == OriginState::Approved)
        .map(|p| p.origin)
        .collect())
}

pub fn request_pairing(store: &Store, origin: &str) -> Result<OriginEntry, StoreError> {
    store.request_pairing(origin)
}

pub fn pairings(store: &Store) -> Result<Vec<OriginEntry>, StoreError> {
    store.origins()
}

/// Approves `origin` and returns its entry as stored.
pub fn approve(store: &Store, origin: &str, silent_dial: bool) -> Result<OriginEntry, StoreError> {
    store.approve_origin(origin, silent_dial)?;
    store
        .is_origin_approved(origin)?
        .ok_or_else(|| StoreError::InvalidOrigin {
            origin: origin.to_owned(),
            reason: "approved, but not found again",
        })
}

pub fn revoke(store: &Store, origin: &str) -> Result<bool, StoreError> {
    store.revoke_origin(origin)
}
