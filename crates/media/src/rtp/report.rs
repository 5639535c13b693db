//! RTCP compound packets (RFC 3550 6): SR or RR with one report block, SDES CNAME, and BYE,
//! built and parsed with the `rtcp` crate.

use std::time::Duration;

use bytes::Bytes;
use rtcp::goodbye::Goodbye;
use rtcp::packet::Packet;
use rtcp::receiver_report::ReceiverReport;
use rtcp::reception_report::ReceptionReport;
use rtcp::sender_report::SenderReport;
use rtcp::source_description::{
    SdesType, SourceDescription, SourceDescriptionChunk, SourceDescriptionItem,
};

use super::ntp;
use crate::MediaError;

/// Our sender information for an SR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderInfo {
    pub ntp_time: u64,
    pub rtp_time: u32,
    pub packet_count: u32,
    pub octet_count: u32,
}

/// One reception report block about a source we hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportBlock {
    pub ssrc: u32,
    pub fraction_lost: u8,
    /// Cumulative lost, signed (24 bits on the wire).
    pub cumulative_lost: i32,
    pub extended_highest_seq: u32,
    /// In RTP ticks.
    pub jitter: u32,
    /// The middle 32 bits of the last SR's NTP time, 0 if none.
    pub last_sr: u32,
    /// Since that SR, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    fn to_rtcp(self) -> ReceptionReport {
        let lost = self.cumulative_lost.clamp(-(1 << 23), (1 << 23) - 1);
        ReceptionReport {
            ssrc: self.ssrc,
            fraction_lost: self.fraction_lost,
            total_lost: (lost as u32) & 0x00ff_ffff,
            last_sequence_number: self.extended_highest_seq,
            jitter: self.jitter,
            last_sender_report: self.last_sr,
            delay: self.delay_since_last_sr,
        }
    }

    fn from_rtcp(r: &ReceptionReport) -> Self {
        // Sign-extend the 24-bit cumulative loss.
        let raw = r.total_lost & 0x00ff_ffff;
        let lost = ((raw << 8) as i32) >> 8;
        ReportBlock {
            ssrc: r.ssrc,
            fraction_lost: r.fraction_lost,
            cumulative_lost: lost,
            extended_highest_seq: r.last_sequence_number,
            jitter: r.jitter,
            last_sr: r.last_sender_report,
            delay_since_last_sr: r.delay,
        }
    }

    /// The round-trip time this block tells, given the compact NTP time it arrived at
    /// (RFC 3550 6.4.1: A - LSR - DLSR). `None` without an SR to refer to.
    pub fn round_trip(&self, arrival_compact: u32) -> Option<Duration> {
        if self.last_sr == 0 {
            return None;
        }
        let rtt = arrival_compact
            .wrapping_sub(self.last_sr)
            .wrapping_sub(self.delay_since_last_sr);
        // A negative result (clock trouble, a stale block) is no measurement.
        if (rtt as i32) < 0 {
            return None;
        }
        Some(ntp::from_compact(rtt))
    }
}

/// A sender report's identity, for the LSR of our next report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderReportSeen {
    pub ssrc: u32,
    pub ntp_time: u64,
    pub rtp_time: u32,
    pub packet_count: u32,
}

/// What a received compound packet told us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedRtcp {
    pub sender_reports: Vec<SenderReportSeen>,
    /// Report blocks from SRs and RRs, with the SSRC of the reporter.
    pub blocks: Vec<RemoteReport>,
    /// SSRCs that said goodbye.
    pub bye: Vec<u32>,
}

/// A report block and who sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteReport {
    pub reporter: u32,
    pub block: ReportBlock,
}

/// Builds SR (with `sender`) or RR, SDES CNAME and, with `bye`, a BYE.
pub fn build_compound(
    ssrc: u32,
    sender: Option<SenderInfo>,
    blocks: &[ReportBlock],
    cname: &str,
    bye: bool,
) -> Result<Vec<u8>, MediaError> {
    let reports: Vec<ReceptionReport> = blocks.iter().map(|b| b.to_rtcp()).collect();
    let mut packets: Vec<Box<dyn Packet + Send + Sync>> = Vec::new();
    match sender {
        Some(info) => packets.push(Box::new(SenderReport {
            ssrc,
            ntp_time: info.ntp_time,
            rtp_time: info.rtp_time,
            packet_count: info.packet_count,
            octet_count: info.octet_count,
            reports,
            profile_extensions: Bytes::new(),
        })),
        None => packets.push(Box::new(ReceiverReport {
            ssrc,
            reports,
            profile_extensions: Bytes::new(),
        })),
    }
    packets.push(Box::new(SourceDescription {
        chunks: vec![SourceDescriptionChunk {
            source: ssrc,
            items: vec![SourceDescriptionItem {
                sdes_type: SdesType::SdesCname,
                text: Bytes::copy_from_slice(cname.as_bytes()),
            }],
        }],
    }));
    if bye {
        packets.push(Box::new(Goodbye {
            sources: vec![ssrc],
            reason: Bytes::new(),
        }));
    }
    let data = rtcp::packet::marshal(&packets).map_err(webrtc_util::Error::from)?;
    Ok(data.to_vec())
}

/// RFC 5761 4: on a shared port, RTCP packet types 200-204 (and the rest of 192-223) sit
/// where an RTP header has marker + payload type 64-95.
pub fn is_rtcp(data: &[u8]) -> bool {
    data.len() >= 8 && data[0] >> 6 == 2 && (192..=223).contains(&data[1])
}

/// Parses a compound packet; unknown packet types are skipped.
pub fn parse_compound(data: &[u8]) -> Result<ParsedRtcp, rtcp::Error> {
    let mut buf = data;
    let packets = rtcp::packet::unmarshal(&mut buf)?;
    let mut parsed = ParsedRtcp::default();
    for p in &packets {
        let any = p.as_any();
        if let Some(sr) = any.downcast_ref::<SenderReport>() {
            parsed.sender_reports.push(SenderReportSeen {
                ssrc: sr.ssrc,
                ntp_time: sr.ntp_time,
                rtp_time: sr.rtp_time,
                packet_count: sr.packet_count,
            });
            parsed
                .blocks
                .extend(sr.reports.iter().map(|r| RemoteReport {
                    reporter: sr.ssrc,
                    block: ReportBlock::from_rtcp(r),
                }));
        } else if let Some(rr) = any.downcast_ref::<ReceiverReport>() {
            parsed
                .blocks
                .extend(rr.reports.iter().map(|r| RemoteReport {
                    reporter: rr.ssrc,
                    block: ReportBlock::from_rtcp(r),
                }));
        } else if let Some(bye) = any.downcast_ref::<Goodbye>() {
            parsed.bye.extend_from_slice(&bye.sources);
        }
    }
    Ok(parsed)
}
