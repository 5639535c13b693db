//! Reading a remote session description: the one audio stream we care about, with its
//! address, payload formats, direction and RTCP port.

use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use sdp::description::common::ConnectionInformation;
use sdp::description::media::MediaDescription;
use sdp::SessionDescription;

use super::Direction;
use crate::MediaError;

/// One payload format of the remote audio stream, as its `m=`, `a=rtpmap` and `a=fmtp` say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFormat {
    pub payload_type: u8,
    /// The encoding name (`PCMU`, `opus`, `telephone-event`); empty for an unknown static PT.
    pub name: String,
    pub clock_rate: u32,
    pub channels: Option<u8>,
    pub fmtp: Option<String>,
}

/// One `m=` line as it appeared, so that an answer can mirror (and reject) the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaLine {
    pub media: String,
    pub proto: String,
    pub formats: Vec<String>,
}

/// The parts of a remote SDP that matter for one audio call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteDescription {
    pub session_id: u64,
    pub session_version: u64,
    /// The `c=` address of the audio stream (media level, else session level).
    pub address: IpAddr,
    pub rtp_port: u16,
    /// From `a=rtcp` (RFC 3605); `None` means RTP port + 1 on the same address.
    pub rtcp: Option<SocketAddr>,
    /// `a=rtcp-mux` (RFC 5761): RTCP shares the RTP port.
    pub rtcp_mux: bool,
    /// Payload formats in the order of the `m=` line.
    pub formats: Vec<RemoteFormat>,
    /// As written (media level, else session level, else sendrecv).
    pub direction: Direction,
    /// `c=0.0.0.0` (or `::`): old-style hold (RFC 2543, RFC 3264 8.4).
    pub held_by_address: bool,
    pub ptime_ms: Option<u32>,
    /// Every `m=` line, and which one is the audio stream we use.
    pub media_lines: Vec<MediaLine>,
    pub audio_index: usize,
}

impl RemoteDescription {
    /// The direction in effect, with `c=0.0.0.0` counted as "do not send to me".
    pub fn effective_direction(&self) -> Direction {
        if self.held_by_address {
            Direction::from_flags(self.direction.sends(), false)
        } else {
            self.direction
        }
    }

    pub fn rtp_addr(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.rtp_port)
    }

    /// Where to send RTCP: the RTP address under rtcp-mux, else `a=rtcp`, else port + 1.
    pub fn rtcp_addr(&self) -> SocketAddr {
        if self.rtcp_mux {
            return self.rtp_addr();
        }
        self.rtcp
            .unwrap_or_else(|| SocketAddr::new(self.address, self.rtp_port.wrapping_add(1)))
    }

    /// The formats with this encoding name (case-insensitive) and clock rate.
    pub fn find(&self, name: &str, clock_rate: u32) -> Option<&RemoteFormat> {
        self.formats
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name) && f.clock_rate == clock_rate)
    }
}

/// RFC 3551 static audio payload types, for an `m=` line without `a=rtpmap`.
fn static_format(pt: u8) -> Option<(&'static str, u32)> {
    Some(match pt {
        0 => ("PCMU", 8000),
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        8 => ("PCMA", 8000),
        9 => ("G722", 8000),
        13 => ("CN", 8000),
        18 => ("G729", 8000),
        _ => return None,
    })
}

/// Parses an SDP body and picks its first RTP audio stream.
pub fn parse(text: &str) -> Result<RemoteDescription, MediaError> {
    let desc = SessionDescription::unmarshal(&mut Cursor::new(text.as_bytes()))?;
    let media_lines: Vec<MediaLine> = desc
        .media_descriptions
        .iter()
        .map(|m| MediaLine {
            media: m.media_name.media.clone(),
            proto: m.media_name.protos.join("/"),
            formats: m.media_name.formats.clone(),
        })
        .collect();
    let audio_index = desc
        .media_descriptions
        .iter()
        .position(is_plain_rtp_audio)
        .ok_or(MediaError::NoAudioStream)?;
    let media = &desc.media_descriptions[audio_index];
    let port = media.media_name.port.value;
    if port == 0 {
        return Err(MediaError::StreamRejected);
    }
    let rtp_port = u16::try_from(port).map_err(|_| MediaError::SdpInvalid {
        field: "m= port",
        value: port.to_string(),
    })?;
    let connection = media
        .connection_information
        .as_ref()
        .or(desc.connection_information.as_ref())
        .ok_or(MediaError::SdpInvalid {
            field: "c=",
            value: "missing".to_owned(),
        })?;
    let address = connection_address(connection)?;
    let held_by_address = address.is_unspecified();

    let direction = media_direction(media)
        .or_else(|| {
            desc.attributes
                .iter()
                .find_map(|a| Direction::from_attribute(&a.key))
        })
        .unwrap_or(Direction::SendRecv);

    let rtcp = media
        .attribute("rtcp")
        .flatten()
        .map(|v| parse_rtcp_attribute(v, address))
        .transpose()?;
    let rtcp_mux = media.attribute("rtcp-mux").is_some();
    let ptime_ms = media
        .attribute("ptime")
        .flatten()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|&p| p > 0);

    let formats = media
        .media_name
        .formats
        .iter()
        .filter_map(|f| f.parse::<u8>().ok().filter(|pt| *pt < 128))
        .map(|pt| read_format(media, pt))
        .collect();

    Ok(RemoteDescription {
        session_id: desc.origin.session_id,
        session_version: desc.origin.session_version,
        address,
        rtp_port,
        rtcp,
        rtcp_mux,
        formats,
        direction,
        held_by_address,
        ptime_ms,
        media_lines,
        audio_index,
    })
}

/// `m=audio` over plain RTP/AVP or RTP/AVPF (we do not do SRTP).
fn is_plain_rtp_audio(m: &MediaDescription) -> bool {
    let protos = &m.media_name.protos;
    m.media_name.media == "audio"
        && protos.iter().any(|p| p == "RTP")
        && protos.iter().any(|p| p == "AVP" || p == "AVPF")
}

fn media_direction(m: &MediaDescription) -> Option<Direction> {
    m.attributes
        .iter()
        .find_map(|a| Direction::from_attribute(&a.key))
}

fn connection_address(c: &ConnectionInformation) -> Result<IpAddr, MediaError> {
    let raw = c
        .address
        .as_ref()
        .map(|a| a.address.as_str())
        .unwrap_or_default();
    // Multicast forms carry "/ttl"; unicast ones never do.
    let host = raw.split('/').next().unwrap_or_default();
    let invalid = || MediaError::SdpInvalid {
        field: "c= address",
        value: raw.to_owned(),
    };
    match c.address_type.as_str() {
        "IP4" => host
            .parse::<Ipv4Addr>()
            .map(IpAddr::V4)
            .map_err(|_| invalid()),
        "IP6" => host
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

/// `a=rtcp:<port> [IN IP4 <address>]` (RFC 3605).
fn parse_rtcp_attribute(value: &str, default: IpAddr) -> Result<SocketAddr, MediaError> {
    let invalid = || MediaError::SdpInvalid {
        field: "a=rtcp",
        value: value.to_owned(),
    };
    let mut parts = value.split_whitespace();
    let port = parts
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .ok_or_else(invalid)?;
    let address = match (parts.next(), parts.next(), parts.next()) {
        (Some("IN"), Some(_), Some(addr)) => addr.parse::<IpAddr>().map_err(|_| invalid())?,
        _ => default,
    };
    Ok(SocketAddr::new(address, port))
}

fn read_format(media: &MediaDescription, pt: u8) -> RemoteFormat {
    let prefix = format!("{pt} ");
    let value_of = |key: &str| {
        media
            .attributes
            .iter()
            .filter(|a| a.key == key)
            .filter_map(|a| a.value.as_deref())
            .find_map(|v| v.strip_prefix(&prefix).map(str::trim))
    };
    let fmtp = value_of("fmtp").map(str::to_owned);
    let rtpmap = value_of("rtpmap").and_then(|v| {
        let mut it = v.split('/');
        let name = it.next()?.trim().to_owned();
        let clock_rate = it.next()?.trim().parse::<u32>().ok()?;
        let channels = it.next().and_then(|c| c.trim().parse::<u8>().ok());
        Some((name, clock_rate, channels))
    });
    let (name, clock_rate, channels) = match rtpmap {
        Some(found) => found,
        None => match static_format(pt) {
            Some((name, rate)) => (name.to_owned(), rate, None),
            None => (String::new(), 0, None),
        },
    };
    RemoteFormat {
        payload_type: pt,
        name,
        clock_rate,
        channels,
        fmtp,
    }
}
