//! Non-INVITE client transactions (RFC 3261 17.1.2) over [`Transports`].
//!
//! [`ClientTransactions::request`] sends a request and waits for its final response; a
//! dispatcher reading [`crate::transport::TransportEvent`]s feeds responses to
//! [`ClientTransactions::handle_response`] and closed connections to
//! [`ClientTransactions::handle_connection_closed`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{Method, Request, Response};
use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;

use crate::error::TransactionError;
use crate::transport::{Target, TlsSettings, TransportKind, Transports};

/// RFC 3261 timer values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timers {
    /// RTT estimate, first retransmission interval (500 ms).
    pub t1: Duration,
    /// Largest retransmission interval (4 s).
    pub t2: Duration,
    /// How long to wait for a final response (64·T1 = 32 s).
    pub timer_f: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            timer_f: Duration::from_secs(32),
        }
    }
}

/// A fresh RFC 3261 Via branch: the `z9hG4bK` magic cookie and 64 random bits in hex.
pub fn new_branch() -> String {
    format!("z9hG4bK{:016x}", rand::random::<u64>())
}

/// How long a completed UDP transaction absorbs retransmitted final responses (Timer K = T4).
const TIMER_K: Duration = Duration::from_secs(5);

/// RFC 3261 17.1.3: top Via branch + CSeq method.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    branch: String,
    method: Method,
}

enum Outcome {
    Final(Response),
    Closed,
}

struct Pending {
    /// The connection the request went on (TCP/TLS only).
    connection: Option<(TransportKind, SocketAddr)>,
    final_tx: oneshot::Sender<Outcome>,
    provisional: Arc<Notify>,
}

#[derive(Default)]
struct State {
    pending: HashMap<Key, Pending>,
    /// Completed UDP transactions and when they stop absorbing retransmissions.
    completed: HashMap<Key, Instant>,
}

struct Inner {
    transports: Transports,
    tls: TlsSettings,
    state: Mutex<State>,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The client transactions in progress. Cheap to clone.
#[derive(Clone)]
pub struct ClientTransactions {
    inner: Arc<Inner>,
}

/// Removes the pending entry when `request` ends in any way (including being dropped).
struct PendingGuard<'a> {
    inner: &'a Inner,
    key: Key,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.inner.state().pending.remove(&self.key);
    }
}

fn key_of<M: HeadersExt>(message: &M, method: Option<Method>) -> Option<Key> {
    let via = message.top_via_header().ok()?.typed().ok()?;
    let branch = via.branch()?.value().to_string();
    let method = match method {
        Some(m) => m,
        None => message.cseq_header().ok()?.method().ok()?,
    };
    Some(Key { branch, method })
}

impl ClientTransactions {
    /// Transactions sending over `transports`, verifying TLS servers with `tls`.
    pub fn new(transports: Transports, tls: TlsSettings) -> Self {
        ClientTransactions {
            inner: Arc::new(Inner {
                transports,
                tls,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// The transports requests are sent on.
    pub fn transports(&self) -> &Transports {
        &self.inner.transports
    }

    /// Sends a non-INVITE `request` (which already carries its top Via with a unique
    /// `z9hG4bK` branch and a CSeq) and returns the first final response. Over UDP the
    /// request is retransmitted at T1, 2·T1, … capped at T2, and at T2 after a provisional.
    /// Fails with `Timeout` after `timers.timer_f`, `Transport` at once if sending fails, and
    /// `ConnectionClosed` if the TCP/TLS connection closes before the final response.
    pub async fn request(
        &self,
        target: &Target,
        request: Request,
        timers: &Timers,
    ) -> Result<Response, TransactionError> {
        let method = request.method;
        if matches!(method, Method::Invite | Method::Ack) {
            return Err(TransactionError::InvalidRequest {
                reason: format!("{method} is not a non-INVITE transaction"),
            });
        }
        let key =
            key_of(&request, Some(method)).ok_or_else(|| TransactionError::InvalidRequest {
                reason: "request has no top Via with a branch".into(),
            })?;
        if !key.branch.starts_with("z9hG4bK") {
            return Err(TransactionError::InvalidRequest {
                reason: format!("Via branch {:?} lacks the z9hG4bK magic cookie", key.branch),
            });
        }
        match request.cseq_header().and_then(|c| c.method()) {
            Ok(m) if m == method => {}
            _ => {
                return Err(TransactionError::InvalidRequest {
                    reason: format!("CSeq missing or not for {method}"),
                })
            }
        }

        let (final_tx, mut final_rx) = oneshot::channel();
        let provisional = Arc::new(Notify::new());
        {
            let mut state = self.inner.state();
            if state.pending.contains_key(&key) {
                return Err(TransactionError::InvalidRequest {
                    reason: format!("branch {} is already in use by a transaction", key.branch),
                });
            }
            let connection = target
                .kind
                .is_reliable()
                .then_some((target.kind, target.addr));
            state.pending.insert(
                key.clone(),
                Pending {
                    connection,
                    final_tx,
                    provisional: provisional.clone(),
                },
            );
        }
        let _guard = PendingGuard {
            inner: &self.inner,
            key: key.clone(),
        };

        let bytes = request.to_bytes();
        let transports = &self.inner.transports;
        let start = Instant::now();
        let deadline = start + timers.timer_f;
        transports.send(target, &self.inner.tls, &bytes).await?;

        let retransmit = !target.kind.is_reliable();
        let mut interval = timers.t1;
        let mut next_send = start + interval;
        // Bounded by Timer F: every iteration either returns or advances `next_send`.
        loop {
            tokio::select! {
                outcome = &mut final_rx => {
                    return match outcome {
                        Ok(Outcome::Final(response)) => {
                            if retransmit {
                                let now = Instant::now();
                                let mut state = self.inner.state();
                                state.completed.retain(|_, until| *until > now);
                                state.completed.insert(key, now + TIMER_K);
                            }
                            Ok(response)
                        }
                        Ok(Outcome::Closed) | Err(_) => Err(TransactionError::ConnectionClosed {
                            kind: target.kind,
                            remote: target.addr,
                        }),
                    };
                }
                _ = provisional.notified() => {
                    // Proceeding: retransmit at T2 from now on (RFC 3261 17.1.2.2).
                    interval = timers.t2;
                }
                _ = tokio::time::sleep_until(deadline) => {
                    return Err(TransactionError::Timeout {
                        after: timers.timer_f,
                        remote: target.addr,
                    });
                }
                _ = tokio::time::sleep_until(next_send), if retransmit => {
                    tracing::trace!(branch = %key.branch, %method, remote = %target.addr, "retransmitting");
                    transports.send(target, &self.inner.tls, &bytes).await?;
                    next_send = Instant::now() + interval;
                    interval = (interval * 2).min(timers.t2);
                }
            }
        }
    }

    /// Hands an incoming response to the transaction it belongs to (top Via branch + CSeq
    /// method). Returns it back if no transaction matched (a stray response). Retransmitted
    /// final responses of a recently completed UDP transaction are absorbed.
    pub fn handle_response(&self, response: Response) -> Option<Response> {
        let Some(key) = key_of(&response, None) else {
            return Some(response);
        };
        let provisional = response.status_code.code() < 200;
        let mut state = self.inner.state();
        if provisional {
            return match state.pending.get(&key) {
                Some(pending) => {
                    pending.provisional.notify_one();
                    None
                }
                None if state.completed.contains_key(&key) => None,
                None => Some(response),
            };
        }
        match state.pending.remove(&key) {
            Some(pending) => match pending.final_tx.send(Outcome::Final(response)) {
                Ok(()) => None,
                Err(Outcome::Final(response)) => Some(response),
                Err(Outcome::Closed) => None,
            },
            None => {
                let now = Instant::now();
                state.completed.retain(|_, until| *until > now);
                if state.completed.contains_key(&key) {
                    tracing::trace!(branch = %key.branch, "absorbed retransmitted final response");
                    None
                } else {
                    Some(response)
                }
            }
        }
    }

    /// Fails every transaction waiting on the TCP/TLS connection `kind`/`remote`.
    pub fn handle_connection_closed(&self, kind: TransportKind, remote: SocketAddr) {
        let mut state = self.inner.state();
        let keys: Vec<Key> = state
            .pending
            .iter()
            .filter(|(_, p)| p.connection == Some((kind, remote)))
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            if let Some(pending) = state.pending.remove(&key) {
                let _ = pending.final_tx.send(Outcome::Closed);
            }
        }
    }

    /// How many transactions are waiting for a final response.
    pub fn pending_count(&self) -> usize {
        self.inner.state().pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_carry_the_cookie_and_differ() {
        let a = new_branch();
        let b = new_branch();
        assert!(a.starts_with("z9hG4bK") && a.len() == 7 + 16, "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn default_timers_are_rfc_values() {
        let t = Timers::default();
        assert_eq!(t.timer_f, t.t1 * 64);
        assert_eq!(t.t2, Duration::from_secs(4));
    }
}
