//! The phone's event fan-out and the status snapshot kept beside it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use dialtone_api::{AccountStatus, Envelope, Event};
use tokio::sync::broadcast;

use crate::journal::Journal;

/// How many events a slow subscriber may fall behind before it misses some.
const EVENT_BACKLOG: usize = 1024;

#[derive(Clone)]
pub(crate) struct EventBus {
    sender: broadcast::Sender<Envelope>,
    accounts: Arc<Mutex<BTreeMap<String, AccountStatus>>>,
    /// Written before each broadcast; the mutex keeps journal order and broadcast order the
    /// same when several tasks emit at once.
    journal: Option<Arc<Mutex<Box<dyn Journal>>>>,
}

impl EventBus {
    pub(crate) fn new(journal: Option<Box<dyn Journal>>) -> Self {
        let (sender, _) = broadcast::channel(EVENT_BACKLOG);
        Self {
            sender,
            accounts: Arc::new(Mutex::new(BTreeMap::new())),
            journal: journal.map(|j| Arc::new(Mutex::new(j))),
        }
    }

    pub(crate) fn emit(&self, event: Event) {
        let env = Envelope::new(event, Utc::now());
        // No subscriber is fine: events are also in the status snapshot.
        match &self.journal {
            None => {
                let _ = self.sender.send(env);
            }
            Some(journal) => {
                // A journal that panicked once still gets the next events.
                let journal = journal
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                journal.write(&env);
                let _ = self.sender.send(env);
            }
        }
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use dialtone_api::{DndChanged, Envelope, Event};

    use super::EventBus;
    use crate::journal::Journal;

    struct Seen(Arc<Mutex<Vec<String>>>);

    impl Journal for Seen {
        fn write(&self, env: &Envelope) {
            if let Ok(mut seen) = self.0.lock() {
                seen.push(env.event.name().to_string());
            }
        }
    }

    /// A subscriber that receives an event can rely on the journal already holding it.
    #[test]
    fn the_journal_has_each_event_before_a_subscriber_gets_it() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let bus = EventBus::new(Some(Box::new(Seen(seen.clone()))));
        let mut events = bus.subscribe();
        for enabled in [true, false] {
            bus.emit(Event::DndChanged(DndChanged { enabled }));
            let got = events.try_recv().expect("the event is broadcast");
            assert_eq!(got.event.name(), "dnd.changed");
        }
        let journaled = seen.lock().map(|s| s.clone()).unwrap_or_default();
        assert_eq!(journaled, ["dnd.changed", "dnd.changed"]);
    }
}
