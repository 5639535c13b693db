//! RTP and RTCP for one audio stream (RFC 3550), with the packets themselves marshalled by
//! the webrtc-rs `rtp` and `rtcp` crates: a sender (SSRC, sequence, timestamp, marker), a
//! per-source receiver (extended sequence, loss, interarrival jitter), symmetric-RTP latching
//! and RTCP reports with round-trip time.

mod latch;
pub mod ntp;
mod receiver;
mod report;
mod sender;

pub use latch::{Latch, LatchDecision};
pub use ntp::NtpClock;
pub use receiver::{Receiver, SourceStats};
pub use report::{
    build_compound, is_rtcp, parse_compound, ParsedRtcp, RemoteReport, ReportBlock, SenderInfo,
    SenderReportSeen,
};
pub use sender::RtpSender;

#[cfg(test)]
mod tests;
