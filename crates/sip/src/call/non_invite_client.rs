//! The non-INVITE client transaction (RFC 3261 17.1.2) for the requests of a call (BYE,
//! CANCEL, INFO), sans IO. REGISTER and OPTIONS keep using the async
//! [`crate::transaction::ClientTransactions`].

use std::time::Duration;

use rsipstack::sip::{Request, Response};
use tokio::time::Instant;

use super::message::top_branch;
use crate::transaction::Timers;

/// How long a completed UDP transaction absorbs retransmitted responses (Timer K = T4).
const TIMER_K: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub(crate) enum NonInviteOutput {
    Transmit(Vec<u8>),
    Final(Response),
    /// Timer F.
    Timeout,
}

#[derive(Debug)]
enum State {
    /// `next_e` is `None` over reliable transports.
    Trying {
        next_e: Option<Instant>,
        interval: Duration,
        timer_f: Instant,
    },
    Completed {
        timer_k: Instant,
    },
    Terminated,
}

#[derive(Debug)]
pub(crate) struct NonInviteClient {
    request: Request,
    bytes: Vec<u8>,
    branch: String,
    reliable: bool,
    timers: Timers,
    state: State,
}

impl NonInviteClient {
    pub(crate) fn start(
        now: Instant,
        request: Request,
        reliable: bool,
        timers: &Timers,
    ) -> (NonInviteClient, Vec<u8>) {
        let bytes = request.to_bytes();
        let branch = top_branch(&request).unwrap_or_default();
        let tx = NonInviteClient {
            request,
            bytes: bytes.clone(),
            branch,
            reliable,
            timers: timers.clone(),
            state: State::Trying {
                next_e: (!reliable).then(|| now + timers.t1),
                interval: timers.t1,
                timer_f: now + timers.timer_f,
            },
        };
        (tx, bytes)
    }

    pub(crate) fn branch(&self) -> &str {
        &self.branch
    }

    pub(crate) fn request(&self) -> &Request {
        &self.request
    }

    pub(crate) fn is_pending(&self) -> bool {
        matches!(self.state, State::Trying { .. })
    }

    pub(crate) fn is_terminated(&self) -> bool {
        matches!(self.state, State::Terminated)
    }

    pub(crate) fn handle_response(
        &mut self,
        now: Instant,
        response: Response,
    ) -> Option<NonInviteOutput> {
        let State::Trying {
            next_e, interval, ..
        } = &mut self.state
        else {
            return None; // retransmitted final response: absorbed
        };
        if response.status_code.code() < 200 {
            // Proceeding: retransmit at T2 from now on.
            if next_e.is_some() {
                *interval = self.timers.t2;
                *next_e = Some(now + self.timers.t2);
            }
            return None;
        }
        self.state = if self.reliable {
            State::Terminated
        } else {
            State::Completed {
                timer_k: now + TIMER_K,
            }
        };
        Some(NonInviteOutput::Final(response))
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Option<NonInviteOutput> {
        let t2 = self.timers.t2;
        match &mut self.state {
            State::Trying {
                next_e,
                interval,
                timer_f,
            } => {
                if now >= *timer_f {
                    self.state = State::Terminated;
                    return Some(NonInviteOutput::Timeout);
                }
                match next_e {
                    Some(at) if now >= *at => {
                        *interval = (*interval * 2).min(t2);
                        *next_e = Some(now + *interval);
                        Some(NonInviteOutput::Transmit(self.bytes.clone()))
                    }
                    _ => None,
                }
            }
            State::Completed { timer_k } if now >= *timer_k => {
                self.state = State::Terminated;
                None
            }
            _ => None,
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match &self.state {
            State::Trying {
                next_e, timer_f, ..
            } => Some(next_e.map_or(*timer_f, |e| e.min(*timer_f))),
            State::Completed { timer_k } => Some(*timer_k),
            State::Terminated => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::call::message::tests_support::{parse_request, response_to};

    fn bye() -> Request {
        parse_request(
            "BYE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKbye\r\n\
             From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\
             Content-Length: 0\r\n\r\n",
        )
    }

    #[test]
    fn timer_e_doubles_to_t2_and_timer_f_ends_it() {
        let t0 = Instant::now();
        let (mut tx, _) = NonInviteClient::start(t0, bye(), false, &Timers::default());
        assert_eq!(tx.branch(), "z9hG4bKbye");
        let mut sends = vec![];
        let mut timed_out = false;
        for _ in 0..100 {
            let Some(now) = tx.poll_timeout() else { break };
            match tx.handle_timeout(now) {
                Some(NonInviteOutput::Transmit(_)) => sends.push((now - t0).as_millis()),
                Some(NonInviteOutput::Timeout) => {
                    assert_eq!(now - t0, Duration::from_secs(32));
                    timed_out = true;
                    break;
                }
                _ => {}
            }
        }
        assert!(timed_out);
        assert_eq!(&sends[..5], &[500, 1500, 3500, 7500, 11500]);
    }

    #[test]
    fn final_response_completes_and_later_copies_are_absorbed() {
        let t0 = Instant::now();
        let (mut tx, _) = NonInviteClient::start(t0, bye(), false, &Timers::default());
        assert!(tx
            .handle_response(t0, response_to(&bye(), 100, None))
            .is_none());
        assert_eq!(tx.poll_timeout(), Some(t0 + Duration::from_secs(4)));
        let out = tx.handle_response(t0, response_to(&bye(), 200, None));
        assert!(matches!(out, Some(NonInviteOutput::Final(r)) if r.status_code.code() == 200));
        assert!(tx
            .handle_response(t0, response_to(&bye(), 200, None))
            .is_none());
        assert!(!tx.is_pending());
        tx.handle_timeout(t0 + Duration::from_secs(5));
        assert!(tx.is_terminated());
    }
}
