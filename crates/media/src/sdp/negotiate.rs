//! Choosing the codec, payload types and telephone-event of a call from an offer and an
//! answer (RFC 3264 5 and 6), by encoding name and clock rate over our codec table.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use super::local::{LocalFormat, TELEPHONE_EVENT};
use super::remote::{RemoteDescription, RemoteFormat};
use super::Direction;
use crate::codec::CodecInfo;
use crate::MediaError;

/// The telephone-event payload types of a call (RFC 4733).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPayloads {
    /// The PT we send events with (the one in the remote SDP).
    pub send_payload_type: u8,
    /// The PT the remote sends events with (the one in our SDP).
    pub recv_payload_type: u8,
    /// The RTP clock rate of the events (8000, or 48000 next to Opus).
    pub clock_rate: u32,
}

/// What an offer/answer exchange settled for the audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// Our codec table entry for the chosen codec.
    pub codec: &'static CodecInfo,
    /// The PT we send audio with (the remote SDP's number for the codec).
    pub send_payload_type: u8,
    /// The PT we expect audio with (our SDP's number; equal to the send PT when we answered).
    pub recv_payload_type: u8,
    /// The remote `a=fmtp` of the chosen codec (Opus parameters, for instance).
    pub remote_fmtp: Option<String>,
    pub dtmf: Option<DtmfPayloads>,
    /// The remote RTP address from the SDP (before symmetric-RTP latching).
    pub remote_rtp: SocketAddr,
    /// The remote RTCP address: `a=rtcp`, else RTP port + 1, else the RTP address (rtcp-mux).
    pub remote_rtcp: SocketAddr,
    pub rtcp_mux: bool,
    /// The remote direction, with `c=0.0.0.0` counted as "do not send to me".
    pub remote_direction: Direction,
    /// The direction we put in our SDP.
    pub local_direction: Direction,
    /// The packetization we send with and play out at.
    pub ptime_ms: u32,
    /// The remote `a=ptime`, if any.
    pub remote_ptime_ms: Option<u32>,
}

impl Negotiated {
    /// The direction in effect for us: we send only if we and they allow it, likewise for
    /// receiving.
    pub fn direction(&self) -> Direction {
        self.local_direction
            .intersect(self.remote_direction.reversed())
    }

    /// `PCMU/8000`, `opus/48000/2`.
    pub fn codec_name(&self) -> String {
        codec_name(self.codec)
    }

    /// The remote side holds the call (it will not receive: sendonly, inactive or 0.0.0.0).
    pub fn remote_hold(&self) -> bool {
        !self.remote_direction.receives()
    }
}

/// `name/clock[/channels]` as in `a=rtpmap`.
pub fn codec_name(codec: &CodecInfo) -> String {
    match codec.channels {
        Some(ch) => format!("{}/{}/{}", codec.name, codec.clock_rate, ch),
        None => format!("{}/{}", codec.name, codec.clock_rate),
    }
}

/// The formats of an offer: `keep` first with the payload types it had before (a re-offer),
/// then our codecs in preference order (static PT, else a free one from 96), then
/// telephone-event/8000 on `dtmf_payload_type` and telephone-event at every other audio
/// clock rate we offer (48000 next to Opus, as baresip does).
pub fn offer_formats(
    codecs: &[&'static CodecInfo],
    dtmf_payload_type: u8,
    keep: &[LocalFormat],
) -> Vec<LocalFormat> {
    let mut formats: Vec<LocalFormat> = keep.to_vec();
    let mut used: BTreeSet<u8> = formats.iter().map(|f| f.payload_type).collect();
    let has_event_at = |formats: &[LocalFormat], rate: u32| {
        formats
            .iter()
            .any(|f| f.is_telephone_event() && f.clock_rate == rate)
    };
    if !has_event_at(&formats, 8000) {
        used.insert(dtmf_payload_type);
    }
    for &codec in codecs {
        let already = formats
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(codec.name) && f.clock_rate == codec.clock_rate);
        if already {
            continue;
        }
        let pt = match codec.static_payload_type {
            Some(pt) if !used.contains(&pt) => Some(pt),
            _ => free_dynamic(&used),
        };
        if let Some(pt) = pt {
            used.insert(pt);
            formats.push(LocalFormat::for_codec(codec, pt));
        }
    }
    // Events go after every codec.
    let (mut audio, mut events): (Vec<_>, Vec<_>) =
        formats.into_iter().partition(|f| !f.is_telephone_event());
    let mut rates: Vec<u32> = vec![8000];
    for f in &audio {
        if !rates.contains(&f.clock_rate) {
            rates.push(f.clock_rate);
        }
    }
    for rate in rates {
        if has_event_at(&events, rate) {
            continue;
        }
        let pt = if rate == 8000 {
            Some(dtmf_payload_type)
        } else {
            free_dynamic(&used)
        };
        if let Some(pt) = pt {
            used.insert(pt);
            events.push(LocalFormat::telephone_event(pt, rate));
        }
    }
    audio.append(&mut events);
    audio
}

fn free_dynamic(used: &BTreeSet<u8>) -> Option<u8> {
    (96u8..=127).find(|pt| !used.contains(pt))
}

/// Our answer to a remote offer: the first codec in OUR preference that the offer has (by
/// name and clock rate), with the offerer's payload type, and the offerer's telephone-event
/// at the codec's clock rate (else at 8000).
pub fn answer_offer(
    offer: &RemoteDescription,
    codecs: &[&'static CodecInfo],
    ptime_ms: u32,
    local_direction: Direction,
) -> Result<(Vec<LocalFormat>, Negotiated), MediaError> {
    let (codec, remote) = codecs
        .iter()
        .find_map(|&c| offer.find(c.name, c.clock_rate).map(|f| (c, f)))
        .ok_or(MediaError::NoCommonCodec)?;
    let mut formats = vec![LocalFormat::for_codec(codec, remote.payload_type)];
    let event = remote_event(offer, codec.clock_rate);
    if let Some(ev) = event {
        formats.push(LocalFormat::telephone_event(ev.payload_type, ev.clock_rate));
    }
    let dtmf = event.map(|ev| DtmfPayloads {
        send_payload_type: ev.payload_type,
        recv_payload_type: ev.payload_type,
        clock_rate: ev.clock_rate,
    });
    let direction = Direction::answer_to(offer.effective_direction(), local_direction);
    let negotiated = build(
        offer,
        codec,
        remote,
        remote.payload_type,
        dtmf,
        ptime_ms,
        direction,
    );
    Ok((formats, negotiated))
}

/// Applies the remote answer to our offer `offered`: the first format in the answer that we
/// offered is the codec; we send with the answer's PTs and receive with ours.
pub fn apply_answer(
    offered: &[LocalFormat],
    answer: &RemoteDescription,
    ptime_ms: u32,
    local_direction: Direction,
) -> Result<Negotiated, MediaError> {
    let (ours, remote, codec) = answer
        .formats
        .iter()
        .find_map(|rf| {
            offered.iter().find_map(|of| {
                let codec = of.codec?;
                (of.name.eq_ignore_ascii_case(&rf.name) && of.clock_rate == rf.clock_rate)
                    .then_some((of, rf, codec))
            })
        })
        .ok_or(MediaError::NoCommonCodec)?;
    let dtmf = remote_event(answer, codec.clock_rate).and_then(|ev| {
        let ours = offered
            .iter()
            .find(|f| f.is_telephone_event() && f.clock_rate == ev.clock_rate)?;
        Some(DtmfPayloads {
            send_payload_type: ev.payload_type,
            recv_payload_type: ours.payload_type,
            clock_rate: ev.clock_rate,
        })
    });
    Ok(build(
        answer,
        codec,
        remote,
        ours.payload_type,
        dtmf,
        ptime_ms,
        local_direction,
    ))
}

/// The remote telephone-event at `clock_rate`, else at 8000.
fn remote_event(desc: &RemoteDescription, clock_rate: u32) -> Option<&RemoteFormat> {
    desc.find(TELEPHONE_EVENT, clock_rate)
        .or_else(|| desc.find(TELEPHONE_EVENT, 8000))
}

fn build(
    remote: &RemoteDescription,
    codec: &'static CodecInfo,
    format: &RemoteFormat,
    recv_payload_type: u8,
    dtmf: Option<DtmfPayloads>,
    ptime_ms: u32,
    local_direction: Direction,
) -> Negotiated {
    Negotiated {
        codec,
        send_payload_type: format.payload_type,
        recv_payload_type,
        remote_fmtp: format.fmtp.clone(),
        dtmf,
        remote_rtp: remote.rtp_addr(),
        remote_rtcp: remote.rtcp_addr(),
        rtcp_mux: remote.rtcp_mux,
        remote_direction: remote.effective_direction(),
        local_direction,
        ptime_ms,
        remote_ptime_ms: remote.ptime_ms,
    }
}
