//! Symmetric RTP (RFC 4961; "comedia" latching): send to where the peer's packets come
//! from, which behind a NAT is not the address its SDP names.
//!
//! Until latched, a packet from the SDP address latches at once; a packet from elsewhere
//! needs a second one in sequence (same source, same SSRC, next sequence number) before the
//! session moves there, so a single stray packet cannot steal the stream. Once latched,
//! packets from any other address are ignored and counted. A new remote description
//! (re-INVITE) starts over.

use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchDecision {
    /// From the latched source: use it.
    Accept,
    /// This packet latched the stream to its source: use it (and tell the application).
    Latched(SocketAddr),
    /// Not (yet) from the peer: drop it.
    Ignore,
}

#[derive(Debug, Clone, Default)]
pub struct Latch {
    /// The RTP address in the remote SDP.
    expected: Option<SocketAddr>,
    latched: Option<SocketAddr>,
    /// A source seen once before latching: (address, SSRC, sequence).
    candidate: Option<(SocketAddr, u32, u16)>,
    ignored: u64,
}

impl Latch {
    pub fn new(expected: Option<SocketAddr>) -> Self {
        Latch {
            expected,
            ..Latch::default()
        }
    }

    /// A new remote description: unlatch unless the address stayed the same.
    pub fn reset(&mut self, expected: Option<SocketAddr>) {
        if self.expected != expected {
            *self = Latch {
                ignored: self.ignored,
                ..Latch::new(expected)
            };
        }
    }

    pub fn on_packet(&mut self, from: SocketAddr, ssrc: u32, seq: u16) -> LatchDecision {
        match self.latched {
            Some(addr) if addr == from => LatchDecision::Accept,
            Some(_) => {
                self.ignored += 1;
                LatchDecision::Ignore
            }
            None if Some(from) == self.expected => self.latch(from),
            None => match self.candidate {
                Some((addr, s, q)) if addr == from && s == ssrc && seq == q.wrapping_add(1) => {
                    self.latch(from)
                }
                _ => {
                    self.candidate = Some((from, ssrc, seq));
                    self.ignored += 1;
                    LatchDecision::Ignore
                }
            },
        }
    }

    fn latch(&mut self, from: SocketAddr) -> LatchDecision {
        self.latched = Some(from);
        self.candidate = None;
        LatchDecision::Latched(from)
    }

    /// Where to send: the latched source, else the SDP address.
    pub fn destination(&self) -> Option<SocketAddr> {
        self.latched.or(self.expected)
    }

    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// Packets dropped because they came from somewhere else.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }
}
