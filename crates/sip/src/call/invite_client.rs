//! The INVITE client transaction (RFC 3261 17.1.1, with the Accepted state of RFC 6026), sans
//! IO: time is passed in, what to send and what happened comes out.

use std::time::Duration;

use rsipstack::sip::{Request, Response};
use tokio::time::Instant;

use super::message::{ack_for_failure, top_branch};
use crate::transaction::Timers;

/// What the transaction asks of its owner.
#[derive(Debug)]
pub(crate) enum InviteClientOutput {
    /// Send these bytes to the transaction's target (the INVITE again, or an ACK).
    Transmit(Vec<u8>),
    /// A 1xx.
    Provisional(Response),
    /// A 2xx (the first, or a retransmission in the Accepted state): the dialog ACKs it.
    Success(Response),
    /// A final non-2xx, already ACKed by the transaction.
    Failure(Response),
    /// Timer B: no final response.
    Timeout,
}

#[derive(Debug)]
enum State {
    Calling {
        /// Timer A (unreliable transports only).
        next_a: Option<Instant>,
        interval: Duration,
        timer_b: Instant,
    },
    Proceeding,
    /// RFC 6026: a 2xx arrived; further 2xx are passed up until Timer M.
    Accepted {
        timer_m: Instant,
    },
    /// A non-2xx arrived and was ACKed; retransmissions are ACKed again until Timer D.
    Completed {
        ack: Vec<u8>,
        timer_d: Instant,
    },
    Terminated,
}

#[derive(Debug)]
pub(crate) struct InviteClient {
    request: Request,
    bytes: Vec<u8>,
    branch: String,
    reliable: bool,
    timers: Timers,
    state: State,
}

impl InviteClient {
    /// Starts the transaction: the first transmission of `request` is returned with it.
    pub(crate) fn start(
        now: Instant,
        request: Request,
        reliable: bool,
        timers: &Timers,
    ) -> (InviteClient, Vec<u8>) {
        let bytes = request.to_bytes();
        let branch = top_branch(&request).unwrap_or_default();
        let state = State::Calling {
            next_a: (!reliable).then(|| now + timers.t1),
            interval: timers.t1,
            timer_b: now + timers.t1 * 64,
        };
        let tx = InviteClient {
            request,
            bytes: bytes.clone(),
            branch,
            reliable,
            timers: timers.clone(),
            state,
        };
        (tx, bytes)
    }

    pub(crate) fn branch(&self) -> &str {
        &self.branch
    }

    pub(crate) fn request(&self) -> &Request {
        &self.request
    }

    /// Whether no final response has arrived yet.
    pub(crate) fn is_pending(&self) -> bool {
        matches!(self.state, State::Calling { .. } | State::Proceeding)
    }

    /// Whether a provisional response has arrived (and no final one yet).
    pub(crate) fn is_proceeding(&self) -> bool {
        matches!(self.state, State::Proceeding)
    }

    pub(crate) fn is_terminated(&self) -> bool {
        matches!(self.state, State::Terminated)
    }

    pub(crate) fn handle_response(
        &mut self,
        now: Instant,
        response: Response,
    ) -> Vec<InviteClientOutput> {
        let status = response.status_code.code();
        let linger = if self.reliable {
            None
        } else {
            Some(now + self.timers.t1 * 64)
        };
        match &self.state {
            State::Calling { .. } | State::Proceeding => match status {
                100..=199 => {
                    self.state = State::Proceeding;
                    vec![InviteClientOutput::Provisional(response)]
                }
                200..=299 => {
                    self.state = State::Accepted {
                        timer_m: now + self.timers.t1 * 64,
                    };
                    vec![InviteClientOutput::Success(response)]
                }
                _ => {
                    let ack = ack_for_failure(&self.request, &response).to_bytes();
                    self.state = match linger {
                        Some(timer_d) => State::Completed {
                            ack: ack.clone(),
                            timer_d,
                        },
                        None => State::Terminated,
                    };
                    vec![
                        InviteClientOutput::Transmit(ack),
                        InviteClientOutput::Failure(response),
                    ]
                }
            },
            State::Accepted { .. } if (200..300).contains(&status) => {
                vec![InviteClientOutput::Success(response)]
            }
            State::Completed { ack, .. } if status >= 300 => {
                vec![InviteClientOutput::Transmit(ack.clone())]
            }
            _ => vec![],
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Vec<InviteClientOutput> {
        match &mut self.state {
            State::Calling {
                next_a,
                interval,
                timer_b,
            } => {
                if now >= *timer_b {
                    self.state = State::Terminated;
                    return vec![InviteClientOutput::Timeout];
                }
                match next_a {
                    Some(at) if now >= *at => {
                        // Timer A doubles without the T2 cap (17.1.1.2).
                        *interval *= 2;
                        *next_a = Some(now + *interval);
                        vec![InviteClientOutput::Transmit(self.bytes.clone())]
                    }
                    _ => vec![],
                }
            }
            State::Accepted { timer_m } if now >= *timer_m => {
                self.state = State::Terminated;
                vec![]
            }
            State::Completed { timer_d, .. } if now >= *timer_d => {
                self.state = State::Terminated;
                vec![]
            }
            _ => vec![],
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match &self.state {
            State::Calling {
                next_a, timer_b, ..
            } => Some(next_a.map_or(*timer_b, |a| a.min(*timer_b))),
            State::Accepted { timer_m } => Some(*timer_m),
            State::Completed { timer_d, .. } => Some(*timer_d),
            State::Proceeding | State::Terminated => None,
        }
    }

    /// The transport failed: the transaction ends (the owner reports the error).
    pub(crate) fn terminate(&mut self) {
        self.state = State::Terminated;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::call::message::tests_support::{invite, response_to};

    fn timers() -> Timers {
        Timers::default()
    }

    fn transmits(out: &[InviteClientOutput]) -> usize {
        out.iter()
            .filter(|o| matches!(o, InviteClientOutput::Transmit(_)))
            .count()
    }

    #[test]
    fn timer_a_doubles_until_timer_b() {
        let t0 = Instant::now();
        let (mut tx, first) = InviteClient::start(t0, invite(), false, &timers());
        assert!(!first.is_empty());
        let mut sends = vec![];
        let mut now = t0;
        let mut timed_out = false;
        for _ in 0..100 {
            let Some(at) = tx.poll_timeout() else { break };
            now = at;
            let out = tx.handle_timeout(now);
            if out.iter().any(|o| matches!(o, InviteClientOutput::Timeout)) {
                timed_out = true;
                break;
            }
            if transmits(&out) == 1 {
                sends.push(now - t0);
            }
        }
        assert!(timed_out);
        assert_eq!(now - t0, Duration::from_secs(32));
        let ms: Vec<u128> = sends.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, vec![500, 1500, 3500, 7500, 15500, 31500]);
        assert!(tx.is_terminated());
    }

    #[test]
    fn reliable_transports_do_not_retransmit() {
        let t0 = Instant::now();
        let (mut tx, _) = InviteClient::start(t0, invite(), true, &timers());
        assert_eq!(tx.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        assert!(tx.handle_timeout(t0 + Duration::from_secs(1)).is_empty());
    }

    #[test]
    fn provisional_stops_retransmissions_and_timer_b() {
        let t0 = Instant::now();
        let (mut tx, _) = InviteClient::start(t0, invite(), false, &timers());
        let out = tx.handle_response(t0, response_to(&invite(), 180, Some("t")));
        assert!(matches!(
            out.as_slice(),
            [InviteClientOutput::Provisional(_)]
        ));
        assert!(tx.is_proceeding());
        assert_eq!(tx.poll_timeout(), None);
    }

    #[test]
    fn failure_is_acked_and_retransmissions_reacked_until_timer_d() {
        let t0 = Instant::now();
        let (mut tx, _) = InviteClient::start(t0, invite(), false, &timers());
        let busy = response_to(&invite(), 486, Some("t"));
        let out = tx.handle_response(t0, busy.clone());
        assert_eq!(out.len(), 2);
        let InviteClientOutput::Transmit(ack) = &out[0] else {
            panic!("no ACK first: {out:?}");
        };
        let ack = String::from_utf8(ack.clone()).unwrap();
        assert!(ack.starts_with("ACK "), "{ack}");
        assert!(ack.contains(&format!("branch={}", tx.branch())), "{ack}");
        assert!(matches!(out[1], InviteClientOutput::Failure(_)));
        // A retransmitted 486 is ACKed again and not passed up.
        let again = tx.handle_response(t0 + Duration::from_secs(1), busy);
        assert_eq!(transmits(&again), 1);
        assert_eq!(again.len(), 1);
        assert_eq!(tx.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        tx.handle_timeout(t0 + Duration::from_secs(32));
        assert!(tx.is_terminated());
    }

    #[test]
    fn success_and_its_retransmissions_go_up() {
        let t0 = Instant::now();
        let (mut tx, _) = InviteClient::start(t0, invite(), true, &timers());
        let ok = response_to(&invite(), 200, Some("t"));
        let out = tx.handle_response(t0, ok.clone());
        assert!(matches!(out.as_slice(), [InviteClientOutput::Success(_)]));
        assert!(!tx.is_pending());
        let out = tx.handle_response(t0, ok);
        assert!(matches!(out.as_slice(), [InviteClientOutput::Success(_)]));
        // A late 4xx after the 2xx is ignored.
        assert!(tx
            .handle_response(t0, response_to(&invite(), 486, Some("u")))
            .is_empty());
        tx.handle_timeout(t0 + Duration::from_secs(32));
        assert!(tx.is_terminated());
    }
}
