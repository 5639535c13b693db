//! Screen pop: opens the configured CRM URL for the caller in the default browser when a
//! call rings in (or, configured so, when a call is answered).

use std::collections::HashMap;

use dialtone_api::{Direction, Envelope, Event, Party};
use dialtone_engine::config::{ScreenPopConfig, ScreenPopOn};
use dialtone_links::{screen_pop_url, ScreenPopVars};
use tokio::sync::broadcast::{self, error::RecvError};
use tracing::{info, warn};

/// Who a call is with, remembered from its first event until it ends.
struct Known {
    party: Party,
    direction: Direction,
    account_id: String,
}

pub(crate) async fn run(config: ScreenPopConfig, mut events: broadcast::Receiver<Envelope>) {
    let mut calls: HashMap<String, Known> = HashMap::new();
    loop {
        let env = match events.recv().await {
            Ok(env) => env,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        match &env.event {
            Event::CallIncoming(e) => {
                let known = Known {
                    party: e.from.clone(),
                    direction: Direction::Incoming,
                    account_id: e.account_id.clone(),
                };
                if config.on == ScreenPopOn::Incoming {
                    pop(&config.url, &e.call_id, &known);
                }
                calls.insert(e.call_id.clone(), known);
            }
            Event::CallDialing(e) => {
                calls.insert(
                    e.call_id.clone(),
                    Known {
                        party: e.to.clone(),
                        direction: Direction::Outgoing,
                        account_id: e.account_id.clone(),
                    },
                );
            }
            Event::CallAnswered(e) if config.on == ScreenPopOn::Answered => {
                if let Some(known) = calls.get(&e.call_id) {
                    pop(&config.url, &e.call_id, known);
                }
            }
            Event::CallEnded(e) => {
                calls.remove(&e.call_id);
            }
            _ => {}
        }
    }
}

fn pop(template: &str, call_id: &str, known: &Known) {
    let number = known
        .party
        .number
        .clone()
        .unwrap_or_else(|| known.party.uri.clone());
    let vars = ScreenPopVars {
        e164: known.party.number.clone().filter(|n| n.starts_with('+')),
        number,
        name: known.party.display_name.clone(),
        call_id: call_id.to_owned(),
        direction: match known.direction {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        },
        account_id: known.account_id.clone(),
    };
    let url = match screen_pop_url(template, &vars) {
        Ok(url) => url,
        Err(e) => {
            warn!(call = %call_id, error = %e, "screen pop: cannot build the URL");
            return;
        }
    };
    info!(call = %call_id, "screen pop: opening the CRM page");
    if let Err(e) = open::that_detached(&url) {
        warn!(call = %call_id, error = %e, "screen pop: cannot open the browser");
    }
}
