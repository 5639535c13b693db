//! The phone's event fan-out and the status snapshot kept beside it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use dialtone_api::{AccountStatus, Envelope, Event};
use tokio::sync::broadcast;

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BACKLOG: usize = 1024;

#[derive(Clone)]
pub(crate) struct EventBus {
    sender: broadcast::Sender<Envelope>,
    accounts: Arc<Mutex<BTreeMap<String, AccountStatus>>>,
}

impl EventBus {
    pub(crate) fn new() -> Self {
        let (sender, _) = broadcast::channel(EVENT_BACKLOG);
        Self {
            sender,
            accounts: Arc::new(Mutex::new(BTreeMap::new())),
        }
    }

    pub(crate) fn emit(&self, event: Event) {
        // No subscriber is fine: events are also in the status snapshot.
        let _ = self.sender.send(Envelope::new(event, Utc::now()));
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Envelope> {
        self.sender.subscribe()
    }

    pub(crate) fn publish_status(&self, status: AccountStatus) {
        if let Ok(mut map) = self.accounts.lock() {
            map.insert(status.id.clone(), status);
        }
    }

    pub(crate) fn accounts(&self, order: &[String]) -> Vec<AccountStatus> {
        let Ok(map) = self.accounts.lock() else {
            return Vec::new();
        };
        order.iter().filter_map(|id| map.get(id).cloned()).collect()
    }
}
