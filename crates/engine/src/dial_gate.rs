//! The dial-confirmation gate: a dial from a source that may not dial silently (a web page
//! not trusted for it, a `tel:` link when links need confirming) waits for the person's yes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use dialtone_api::{DialConfirmOutcome, DialRequestId, DialSource, DialSourceKind};
use tokio::sync::oneshot;

use crate::config::DialingConfig;

/// A request to dial, with who asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialRequest {
    /// A number, SIP URI or link (`tel:`, `sip:`, `sips:`, `callto:`).
    pub to: String,
    pub account_id: Option<String>,
    pub source: DialSource,
    /// The caller vouches that this source may dial without asking (a tool holding the
    /// bridge token, an origin paired for silent dialling). Links are never trusted.
    pub trusted: bool,
}

impl DialRequest {
    pub fn new(to: impl Into<String>, source: DialSource) -> Self {
        DialRequest {
            to: to.into(),
            account_id: None,
            source,
            trusted: false,
        }
    }
}

/// Pending confirmations, by request id.
pub(crate) struct DialGate {
    pub policy: DialingConfig,
    pending: Mutex<HashMap<DialRequestId, oneshot::Sender<bool>>>,
    next: AtomicU64,
}

impl DialGate {
    pub(crate) fn new(policy: DialingConfig) -> Self {
        DialGate {
            policy,
            pending: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
        }
    }

    /// Whether this request must be confirmed by the person before it is dialled.
    pub(crate) fn needs_confirmation(&self, req: &DialRequest) -> bool {
        match req.source.kind {
            DialSourceKind::App | DialSourceKind::Cli => false,
            DialSourceKind::Link => self.policy.confirm_links,
            _ => !req.trusted,
        }
    }

    /// Opens a request; the receiver gets the person's answer.
    pub(crate) fn open(&self) -> (DialRequestId, oneshot::Receiver<bool>) {
        let id = format!("d-{}", self.next.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = oneshot::channel();
        if let Ok(mut pending) = self.pending.lock() {
            pending.insert(id.clone(), tx);
        }
        (id, rx)
    }

    /// Delivers the person's answer; false when no such request is pending.
    pub(crate) fn resolve(&self, id: &str, accept: bool) -> bool {
        let sender = self.pending.lock().ok().and_then(|mut p| p.remove(id));
        match sender {
            Some(tx) => tx.send(accept).is_ok(),
            None => false,
        }
    }

    /// Forgets a request that lapsed.
    pub(crate) fn close(&self, id: &str) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.remove(id);
        }
    }
}

/// What became of a request that was not dialled, for the error.
pub(crate) fn outcome_name(outcome: DialConfirmOutcome) -> &'static str {
    match outcome {
        DialConfirmOutcome::Accepted => "accepted",
        DialConfirmOutcome::Declined => "declined",
        DialConfirmOutcome::Expired => "not confirmed in time",
        _ => "not confirmed",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn gate(confirm_links: bool) -> DialGate {
        DialGate::new(DialingConfig {
            confirm_links,
            ..DialingConfig::default()
        })
    }

    fn req(kind: DialSourceKind, trusted: bool) -> DialRequest {
        DialRequest {
            trusted,
            ..DialRequest::new("1002", DialSource::new(kind))
        }
    }

    #[test]
    fn the_person_and_trusted_tools_dial_silently() {
        let g = gate(true);
        assert!(!g.needs_confirmation(&req(DialSourceKind::App, false)));
        assert!(!g.needs_confirmation(&req(DialSourceKind::Cli, false)));
        assert!(!g.needs_confirmation(&req(DialSourceKind::Api, true)));
        assert!(g.needs_confirmation(&req(DialSourceKind::Api, false)));
        assert!(g.needs_confirmation(&req(DialSourceKind::Embed, false)));
    }

    #[test]
    fn links_follow_the_confirm_links_setting_whatever_the_caller_says() {
        assert!(gate(true).needs_confirmation(&req(DialSourceKind::Link, true)));
        assert!(!gate(false).needs_confirmation(&req(DialSourceKind::Link, false)));
    }

    #[tokio::test]
    async fn an_answer_reaches_the_waiting_request_once() {
        let g = gate(true);
        let (id, rx) = g.open();
        assert!(g.resolve(&id, true));
        assert!(rx.await.unwrap());
        assert!(!g.resolve(&id, true), "a request is answered once");
        assert!(!g.resolve("d-999", false));
    }
}
