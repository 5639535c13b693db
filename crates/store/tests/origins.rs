//! Origins paired with the bridge: normalisation and the pending/approved/revoked transitions.

use dialtone_store::{OriginState, Store, StoreError};

#[test]
fn pairing_transitions() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dialtone.db");
    let store = Store::open(&path)?;

    let pending = store.request_pairing("HTTPS://CRM.Example.com:443/")?;
    assert_eq!(pending.origin, "https://crm.example.com");
    assert_eq!(pending.state, OriginState::Pending);
    assert!(!pending.silent_dial);
    assert_eq!(pending.approved_at, None);
    assert_eq!(store.is_origin_approved("https://crm.example.com")?, None);
    // Asking again changes nothing.
    assert_eq!(store.request_pairing("https://crm.example.com")?, pending);

    assert!(
        store.approve_origin("https://crm.example.com", true)?,
        "existed"
    );
    let approved = store
        .is_origin_approved("https://CRM.example.com")?
        .ok_or_else(|| anyhow::anyhow!("not approved"))?;
    assert_eq!(approved.state, OriginState::Approved);
    assert!(approved.silent_dial);
    assert_eq!(approved.requested_at, pending.requested_at);
    let approved_at = approved
        .approved_at
        .ok_or_else(|| anyhow::anyhow!("no approval time"))?;

    // A new request from an approved origin returns it unchanged (no downgrade to pending).
    assert_eq!(store.request_pairing("https://crm.example.com")?, approved);
    // Re-approving changes the flag, keeps the first approval time.
    assert!(store.approve_origin("https://crm.example.com", false)?);
    let again = store
        .is_origin_approved("https://crm.example.com")?
        .ok_or_else(|| anyhow::anyhow!("not approved"))?;
    assert!(!again.silent_dial);
    assert_eq!(again.approved_at, Some(approved_at));

    // Approving an origin that never asked.
    assert!(!store.approve_origin("http://localhost:8080", false)?);
    store.request_pairing("http://localhost:3000")?;
    let listed: Vec<_> = store
        .origins()?
        .into_iter()
        .map(|o| (o.origin, o.state))
        .collect();
    assert_eq!(
        listed,
        [
            ("http://localhost:3000".to_owned(), OriginState::Pending),
            ("http://localhost:8080".to_owned(), OriginState::Approved),
            ("https://crm.example.com".to_owned(), OriginState::Approved),
        ]
    );
    let json = serde_json::to_value(&store.origins()?[0])?;
    assert_eq!(json["state"], "pending");
    assert_eq!(json["silentDial"], false);
    assert!(json["requestedAt"].is_string());

    // Survives reopen.
    drop(store);
    let store = Store::open(&path)?;
    assert!(store.is_origin_approved("http://localhost:8080")?.is_some());

    // Revoke: approved and pending alike; unknown says false.
    assert!(store.revoke_origin("https://crm.example.com/")?);
    assert_eq!(store.is_origin_approved("https://crm.example.com")?, None);
    assert!(store.revoke_origin("http://localhost:3000")?);
    assert!(!store.revoke_origin("http://localhost:3000")?);
    assert_eq!(store.origins()?.len(), 1);

    // Bad origins: errors where something would be stored, "not approved" for the check.
    assert!(matches!(
        store.request_pairing("null"),
        Err(StoreError::InvalidOrigin { .. })
    ));
    assert!(matches!(
        store.approve_origin("https://crm.example.com/app", true),
        Err(StoreError::InvalidOrigin { .. })
    ));
    assert_eq!(store.is_origin_approved("null")?, None);
    assert_eq!(store.is_origin_approved("http://localhost:8080/x")?, None);
    Ok(())
}
