//! The offer/answer state of one call (RFC 3264): our last description, the offer waiting
//! for an answer, what was negotiated, and the `o=` version that grows with every change.

use std::net::IpAddr;

use super::local::{self, LocalFormat, LocalMedia};
use super::negotiate::{self, Negotiated};
use super::remote;
use super::Direction;
use crate::codec::CodecInfo;
use crate::MediaError;

/// What we offer and accept, fixed for a call except the address (which a re-INVITE may
/// change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalParams {
    pub address: IpAddr,
    /// Even; RTCP is on the next port.
    pub rtp_port: u16,
    /// Our codecs, most preferred first.
    pub codecs: Vec<&'static CodecInfo>,
    pub ptime_ms: u32,
    /// telephone-event/8000 (101 by custom).
    pub dtmf_payload_type: u8,
}

#[derive(Debug, Clone)]
struct PendingOffer {
    formats: Vec<LocalFormat>,
    direction: Direction,
}

/// One call's SDP negotiation.
#[derive(Debug, Clone)]
pub struct OfferAnswer {
    params: LocalParams,
    session_id: u64,
    session_version: u64,
    /// Our last body with the `o=` line left out, to tell whether a new one changed.
    last_body: Option<String>,
    /// The formats of our last description (offer or answer), to keep PTs stable.
    formats: Vec<LocalFormat>,
    /// The `rtcp-mux` we last agreed to.
    rtcp_mux: bool,
    pending: Option<PendingOffer>,
    negotiated: Option<Negotiated>,
}

impl OfferAnswer {
    /// `session_id` goes in `o=` (any number; the session derives it from its seed).
    pub fn new(params: LocalParams, session_id: u64) -> Self {
        OfferAnswer {
            params,
            session_id,
            session_version: session_id % 1_000_000,
            last_body: None,
            formats: Vec::new(),
            rtcp_mux: false,
            pending: None,
            negotiated: None,
        }
    }

    pub fn params(&self) -> &LocalParams {
        &self.params
    }

    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }

    /// An offer of ours is waiting for its answer.
    pub fn has_pending_offer(&self) -> bool {
        self.pending.is_some()
    }

    /// The `o=` session version of our last description.
    pub fn session_version(&self) -> u64 {
        self.session_version
    }

    /// Moves our media to another address/port (used by the next offer or answer).
    pub fn set_local_address(&mut self, address: IpAddr, rtp_port: u16) {
        self.params.address = address;
        self.params.rtp_port = rtp_port;
    }

    /// Changes the direction we want now (hold/resume); the next offer carries it.
    pub fn set_direction(&mut self, direction: Direction) {
        if let Some(n) = &mut self.negotiated {
            n.local_direction = direction;
        }
    }

    /// A new offer (initial, or a re-offer for hold/resume/address change). A re-offer keeps
    /// the negotiated codec first and every payload type as before.
    pub fn create_offer(&mut self, direction: Direction) -> String {
        let mut keep = self.formats.clone();
        if let Some(n) = &self.negotiated {
            if let Some(i) = keep
                .iter()
                .position(|f| f.codec.is_some() && f.payload_type == n.recv_payload_type)
            {
                let current = keep.remove(i);
                keep.insert(0, current);
            }
        }
        let formats =
            negotiate::offer_formats(&self.params.codecs, self.params.dtmf_payload_type, &keep);
        let media = self.local_media(formats.clone(), false, direction);
        let body = self.write(&media, &[], 0);
        self.formats = formats.clone();
        self.pending = Some(PendingOffer { formats, direction });
        body
    }

    /// Forgets the outstanding offer (the remote refused the re-INVITE): the negotiated
    /// state stays as it was.
    pub fn offer_rejected(&mut self) {
        self.pending = None;
    }

    /// The remote answer to our outstanding offer.
    pub fn apply_answer(&mut self, sdp: &str) -> Result<&Negotiated, MediaError> {
        let pending = self.pending.take().ok_or(MediaError::NoOfferPending)?;
        let answer = remote::parse(sdp)?;
        let negotiated = negotiate::apply_answer(
            &pending.formats,
            &answer,
            self.params.ptime_ms,
            pending.direction,
        )?;
        Ok(self.negotiated.insert(negotiated))
    }

    /// Answers a remote offer (initial or re-INVITE); `local_direction` is what we want
    /// (sendrecv, or sendonly/inactive while we hold).
    pub fn accept_offer(
        &mut self,
        sdp: &str,
        local_direction: Direction,
    ) -> Result<(String, &Negotiated), MediaError> {
        let offer = remote::parse(sdp)?;
        let (formats, negotiated) = negotiate::answer_offer(
            &offer,
            &self.params.codecs,
            self.params.ptime_ms,
            local_direction,
        )?;
        let media = self.local_media(formats.clone(), offer.rtcp_mux, negotiated.local_direction);
        let body = self.write(&media, &offer.media_lines, offer.audio_index);
        self.formats = formats;
        self.rtcp_mux = offer.rtcp_mux;
        self.pending = None;
        Ok((body, self.negotiated.insert(negotiated)))
    }

    fn local_media(
        &self,
        formats: Vec<LocalFormat>,
        rtcp_mux: bool,
        direction: Direction,
    ) -> LocalMedia {
        LocalMedia {
            address: self.params.address,
            rtp_port: self.params.rtp_port,
            rtcp_mux,
            formats,
            ptime_ms: self.params.ptime_ms,
            direction,
        }
    }

    /// Writes a body, growing the `o=` version only when the content changed (RFC 3264 8).
    fn write(
        &mut self,
        media: &LocalMedia,
        lines: &[remote::MediaLine],
        audio_index: usize,
    ) -> String {
        let probe = local::write(self.session_id, 0, media, lines, audio_index);
        let content: String = probe
            .lines()
            .filter(|l| !l.starts_with("o="))
            .collect::<Vec<_>>()
            .join("\n");
        match &self.last_body {
            Some(last) if *last == content => {}
            Some(_) => self.session_version += 1,
            None => {}
        }
        self.last_body = Some(content);
        local::write(
            self.session_id,
            self.session_version,
            media,
            lines,
            audio_index,
        )
    }
}
