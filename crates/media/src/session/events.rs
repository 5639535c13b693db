//! What a media session hands back: packets to send and events to report.

use std::net::SocketAddr;

use crate::stats::CallQuality;

/// Which of our two sockets a packet leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransmitKind {
    /// The RTP socket (`local_rtp`). RTCP comes out with this kind too when the peer
    /// negotiated rtcp-mux.
    Rtp,
    /// The RTCP socket (`local_rtp` port + 1).
    Rtcp,
}

/// One datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    pub to: SocketAddr,
    pub data: Vec<u8>,
    pub kind: TransmitKind,
}

/// Something the application should know about.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MediaEvent {
    /// The first RTP packet from the peer arrived (once per session).
    FirstPacket,
    /// Symmetric RTP: from now on we send to this address (where the peer's RTP comes from).
    RemoteAddressLatched(SocketAddr),
    /// A DTMF digit (RFC 4733), reported once per key press.
    DtmfReceived(char),
    /// Periodic call quality (every `stats_interval`).
    Stats(CallQuality),
    /// No RTP for `rtp_timeout` while the peer should be sending (once, until RTP resumes).
    Timeout,
    /// The peer sent an RTCP BYE.
    RemoteBye,
}
