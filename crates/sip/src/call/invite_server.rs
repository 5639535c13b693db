//! The INVITE server transaction (RFC 3261 17.2.1 with RFC 6026's Accepted state) and the
//! retransmission of our 2xx until its ACK arrives (13.3.1.4, done by the dialog layer), sans
//! IO.

use std::time::Duration;

use rsipstack::sip::Response;
use tokio::time::Instant;

use crate::transaction::Timers;

/// How long a UDP server transaction absorbs a late ACK after confirmation (Timer I = T4).
const TIMER_I: Duration = Duration::from_secs(5);

#[derive(Debug)]
enum State {
    /// No final response yet; `last` is the last provisional sent (re-sent when the INVITE is
    /// retransmitted).
    Proceeding {
        last: Vec<u8>,
    },
    /// A 2xx was sent; the dialog retransmits it. INVITE retransmissions get it again.
    Accepted {
        response: Vec<u8>,
        timer_l: Instant,
    },
    /// A non-2xx was sent; retransmitted (UDP) until the ACK or Timer H.
    Completed {
        response: Vec<u8>,
        next_g: Option<Instant>,
        interval: Duration,
        timer_h: Instant,
    },
    /// The ACK for the non-2xx arrived; absorb ACK retransmissions until Timer I.
    Confirmed {
        timer_i: Instant,
    },
    Terminated,
}

/// What the transaction asks of its owner when a timer fires.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum InviteServerOutput {
    /// Send these bytes again to where the INVITE came from.
    Retransmit(Vec<u8>),
    /// Timer H: the ACK for our non-2xx never came.
    AckTimeout,
}

#[derive(Debug)]
pub(crate) struct InviteServer {
    branch: String,
    reliable: bool,
    timers: Timers,
    state: State,
}

impl InviteServer {
    pub(crate) fn new(branch: String, reliable: bool, timers: &Timers) -> Self {
        InviteServer {
            branch,
            reliable,
            timers: timers.clone(),
            state: State::Proceeding { last: vec![] },
        }
    }

    pub(crate) fn branch(&self) -> &str {
        &self.branch
    }

    /// Whether no final response has been sent yet.
    pub(crate) fn is_proceeding(&self) -> bool {
        matches!(self.state, State::Proceeding { .. })
    }

    pub(crate) fn is_terminated(&self) -> bool {
        matches!(self.state, State::Terminated)
    }

    /// Records a response we send (the caller transmits the returned bytes). Ignored (returns
    /// `None`) once a final response went out.
    pub(crate) fn respond(&mut self, now: Instant, response: &Response) -> Option<Vec<u8>> {
        if !self.is_proceeding() {
            return None;
        }
        let bytes = response.to_bytes();
        let status = response.status_code.code();
        self.state = match status {
            100..=199 => State::Proceeding {
                last: bytes.clone(),
            },
            200..=299 => State::Accepted {
                response: bytes.clone(),
                timer_l: now + self.timers.t1 * 64,
            },
            _ => State::Completed {
                response: bytes.clone(),
                next_g: (!self.reliable).then(|| now + self.timers.t1),
                interval: self.timers.t1,
                timer_h: now + self.timers.t1 * 64,
            },
        };
        Some(bytes)
    }

    /// The INVITE came again: what to send back (the last response, if any).
    pub(crate) fn handle_retransmission(&self) -> Option<Vec<u8>> {
        match &self.state {
            State::Proceeding { last } if !last.is_empty() => Some(last.clone()),
            State::Accepted { response, .. } | State::Completed { response, .. } => {
                Some(response.clone())
            }
            _ => None,
        }
    }

    /// An ACK with this transaction's branch (the ACK for a non-2xx). Returns whether it was
    /// for us.
    pub(crate) fn handle_ack(&mut self, now: Instant) -> bool {
        match self.state {
            State::Completed { .. } => {
                self.state = if self.reliable {
                    State::Terminated
                } else {
                    State::Confirmed {
                        timer_i: now + TIMER_I,
                    }
                };
                true
            }
            State::Confirmed { .. } => true,
            _ => false,
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Option<InviteServerOutput> {
        let t2 = self.timers.t2;
        match &mut self.state {
            State::Completed {
                response,
                next_g,
                interval,
                timer_h,
            } => {
                if now >= *timer_h {
                    self.state = State::Terminated;
                    return Some(InviteServerOutput::AckTimeout);
                }
                match next_g {
                    Some(at) if now >= *at => {
                        *interval = (*interval * 2).min(t2);
                        *next_g = Some(now + *interval);
                        Some(InviteServerOutput::Retransmit(response.clone()))
                    }
                    _ => None,
                }
            }
            State::Accepted { timer_l, .. } if now >= *timer_l => {
                self.state = State::Terminated;
                None
            }
            State::Confirmed { timer_i } if now >= *timer_i => {
                self.state = State::Terminated;
                None
            }
            _ => None,
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match &self.state {
            State::Completed {
                next_g, timer_h, ..
            } => Some(next_g.map_or(*timer_h, |g| g.min(*timer_h))),
            State::Accepted { timer_l, .. } => Some(*timer_l),
            State::Confirmed { timer_i } => Some(*timer_i),
            State::Proceeding { .. } | State::Terminated => None,
        }
    }
}

/// Our 2xx to an INVITE, re-sent at T1, 2·T1, … capped at T2 until the ACK (matched by the
/// dialog on CSeq) arrives, for at most 64·T1.
#[derive(Debug)]
pub(crate) struct AckWait {
    pub(crate) cseq: u32,
    response: Vec<u8>,
    next: Instant,
    interval: Duration,
    deadline: Instant,
    t2: Duration,
}

/// What an [`AckWait`] asks for when its timer fires.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AckWaitOutput {
    Retransmit(Vec<u8>),
    /// 64·T1 passed without an ACK.
    GiveUp,
}

impl AckWait {
    pub(crate) fn new(now: Instant, cseq: u32, response: Vec<u8>, timers: &Timers) -> Self {
        AckWait {
            cseq,
            response,
            next: now + timers.t1,
            interval: timers.t1,
            deadline: now + timers.t1 * 64,
            t2: timers.t2,
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Option<AckWaitOutput> {
        if now >= self.deadline {
            return Some(AckWaitOutput::GiveUp);
        }
        if now >= self.next {
            self.interval = (self.interval * 2).min(self.t2);
            self.next = now + self.interval;
            return Some(AckWaitOutput::Retransmit(self.response.clone()));
        }
        None
    }

    pub(crate) fn poll_timeout(&self) -> Instant {
        self.next.min(self.deadline)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::call::message::tests_support::{invite, response_to};

    #[test]
    fn provisional_then_retransmitted_invite_gets_it_again() {
        let t0 = Instant::now();
        let mut tx = InviteServer::new("b".into(), false, &Timers::default());
        assert_eq!(tx.handle_retransmission(), None);
        let trying = tx.respond(t0, &response_to(&invite(), 100, None)).unwrap();
        assert_eq!(tx.handle_retransmission(), Some(trying));
        let ringing = tx
            .respond(t0, &response_to(&invite(), 180, Some("t")))
            .unwrap();
        assert_eq!(tx.handle_retransmission(), Some(ringing));
        assert!(tx.is_proceeding());
        assert_eq!(tx.poll_timeout(), None);
    }

    #[test]
    fn failure_is_retransmitted_until_ack() {
        let t0 = Instant::now();
        let timers = Timers::default();
        let mut tx = InviteServer::new("b".into(), false, &timers);
        let busy = tx
            .respond(t0, &response_to(&invite(), 486, Some("t")))
            .unwrap();
        assert!(!tx.is_proceeding());
        assert!(tx
            .respond(t0, &response_to(&invite(), 200, Some("t")))
            .is_none());
        let mut at = vec![];
        for _ in 0..4 {
            let now = tx.poll_timeout().unwrap();
            assert_eq!(
                tx.handle_timeout(now),
                Some(InviteServerOutput::Retransmit(busy.clone()))
            );
            at.push((now - t0).as_millis());
        }
        assert_eq!(at, vec![500, 1500, 3500, 7500]);
        // Capped at T2 = 4 s.
        assert_eq!(tx.poll_timeout(), Some(t0 + Duration::from_millis(11500)));
        assert!(tx.handle_ack(t0 + Duration::from_secs(8)));
        assert_eq!(tx.handle_retransmission(), None);
        assert!(
            tx.handle_ack(t0 + Duration::from_secs(9)),
            "ACK retransmission absorbed"
        );
        tx.handle_timeout(t0 + Duration::from_secs(13));
        assert!(tx.is_terminated());
    }

    #[test]
    fn failure_without_ack_times_out() {
        let t0 = Instant::now();
        let mut tx = InviteServer::new("b".into(), true, &Timers::default());
        tx.respond(t0, &response_to(&invite(), 603, Some("t")));
        assert_eq!(tx.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        assert_eq!(
            tx.handle_timeout(t0 + Duration::from_secs(32)),
            Some(InviteServerOutput::AckTimeout)
        );
        assert!(tx.is_terminated());
    }

    #[test]
    fn accepted_resends_the_2xx_on_invite_retransmission() {
        let t0 = Instant::now();
        let mut tx = InviteServer::new("b".into(), false, &Timers::default());
        let ok = tx
            .respond(t0, &response_to(&invite(), 200, Some("t")))
            .unwrap();
        assert_eq!(tx.handle_retransmission(), Some(ok));
        assert!(
            !tx.handle_ack(t0),
            "the ACK for a 2xx belongs to the dialog"
        );
        tx.handle_timeout(t0 + Duration::from_secs(32));
        assert!(tx.is_terminated());
    }

    #[test]
    fn ack_wait_doubles_to_t2_then_gives_up() {
        let t0 = Instant::now();
        let mut wait = AckWait::new(t0, 1, b"200".to_vec(), &Timers::default());
        let mut sends = vec![];
        for _ in 0..50 {
            let now = wait.poll_timeout();
            match wait.handle_timeout(now) {
                Some(AckWaitOutput::Retransmit(_)) => sends.push((now - t0).as_millis()),
                Some(AckWaitOutput::GiveUp) => {
                    assert_eq!(now - t0, Duration::from_secs(32));
                    break;
                }
                None => {}
            }
        }
        assert_eq!(&sends[..5], &[500, 1500, 3500, 7500, 11500]);
        assert_eq!(*sends.last().unwrap(), 31500);
    }
}
