//! Writing our session description: one audio stream, plus rejected copies of any other
//! `m=` lines an offer had (RFC 3264 6: an answer has as many `m=` lines as the offer).

use std::net::IpAddr;

use sdp::description::common::{Address, Attribute, ConnectionInformation};
use sdp::description::media::{MediaDescription, MediaName, RangedPort};
use sdp::description::session::{Origin, TimeDescription, Timing};
use sdp::SessionDescription;

use super::remote::MediaLine;
use super::Direction;
use crate::codec::CodecInfo;

/// The name `a=rtpmap` gives RFC 4733 events.
pub const TELEPHONE_EVENT: &str = "telephone-event";

/// One payload format we put on our `m=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFormat {
    pub payload_type: u8,
    pub name: String,
    pub clock_rate: u32,
    pub channels: Option<u8>,
    pub fmtp: Option<String>,
    /// The codec table entry, `None` for telephone-event.
    pub codec: Option<&'static CodecInfo>,
}

impl LocalFormat {
    pub fn for_codec(codec: &'static CodecInfo, payload_type: u8) -> Self {
        LocalFormat {
            payload_type,
            name: codec.name.to_owned(),
            clock_rate: codec.clock_rate,
            channels: codec.channels,
            fmtp: codec.fmtp.map(str::to_owned),
            codec: Some(codec),
        }
    }

    pub fn telephone_event(payload_type: u8, clock_rate: u32) -> Self {
        LocalFormat {
            payload_type,
            name: TELEPHONE_EVENT.to_owned(),
            clock_rate,
            channels: None,
            fmtp: Some("0-16".to_owned()),
            codec: None,
        }
    }

    pub fn is_telephone_event(&self) -> bool {
        self.name.eq_ignore_ascii_case(TELEPHONE_EVENT)
    }
}

/// Everything our audio `m=` section says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    pub address: IpAddr,
    pub rtp_port: u16,
    /// `a=rtcp-mux` (only in an answer to an offer that had it).
    pub rtcp_mux: bool,
    pub formats: Vec<LocalFormat>,
    pub ptime_ms: u32,
    pub direction: Direction,
}

fn address_type(address: IpAddr) -> &'static str {
    match address {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

fn attribute(key: &str, value: Option<String>) -> Attribute {
    Attribute::new(key.to_owned(), value)
}

/// Writes the SDP body. `other_lines` are the offer's `m=` lines (when answering) and
/// `audio_index` the position of the audio one among them; every other line is rejected with
/// port 0.
pub fn write(
    session_id: u64,
    session_version: u64,
    media: &LocalMedia,
    other_lines: &[MediaLine],
    audio_index: usize,
) -> String {
    let addr_type = address_type(media.address);
    let connection = ConnectionInformation {
        network_type: "IN".to_owned(),
        address_type: addr_type.to_owned(),
        address: Some(Address {
            address: media.address.to_string(),
            ttl: None,
            range: None,
        }),
    };

    let mut attributes = Vec::new();
    for f in &media.formats {
        let channels = f.channels.map(|c| format!("/{c}")).unwrap_or_default();
        attributes.push(attribute(
            "rtpmap",
            Some(format!(
                "{} {}/{}{}",
                f.payload_type, f.name, f.clock_rate, channels
            )),
        ));
        if let Some(fmtp) = &f.fmtp {
            attributes.push(attribute(
                "fmtp",
                Some(format!("{} {}", f.payload_type, fmtp)),
            ));
        }
    }
    attributes.push(attribute("ptime", Some(media.ptime_ms.to_string())));
    if media.rtcp_mux {
        attributes.push(attribute("rtcp-mux", None));
    } else {
        attributes.push(attribute(
            "rtcp",
            Some(media.rtp_port.wrapping_add(1).to_string()),
        ));
    }
    attributes.push(attribute(media.direction.as_str(), None));

    let audio = MediaDescription {
        media_name: MediaName {
            media: "audio".to_owned(),
            port: RangedPort {
                value: media.rtp_port as isize,
                range: None,
            },
            protos: vec!["RTP".to_owned(), "AVP".to_owned()],
            formats: media
                .formats
                .iter()
                .map(|f| f.payload_type.to_string())
                .collect(),
        },
        media_title: None,
        connection_information: None,
        bandwidth: Vec::new(),
        encryption_key: None,
        attributes,
    };

    let mut media_descriptions = Vec::new();
    if other_lines.is_empty() {
        media_descriptions.push(audio);
    } else {
        let mut audio = Some(audio);
        for (i, line) in other_lines.iter().enumerate() {
            if i == audio_index {
                if let Some(a) = audio.take() {
                    media_descriptions.push(a);
                }
            } else {
                media_descriptions.push(rejected(line));
            }
        }
    }

    let desc = SessionDescription {
        version: 0,
        origin: Origin {
            username: "dialtone".to_owned(),
            session_id,
            session_version,
            network_type: "IN".to_owned(),
            address_type: addr_type.to_owned(),
            unicast_address: media.address.to_string(),
        },
        session_name: "Dialtone".to_owned(),
        session_information: None,
        uri: None,
        email_address: None,
        phone_number: None,
        connection_information: Some(connection),
        bandwidth: Vec::new(),
        time_descriptions: vec![TimeDescription {
            timing: Timing {
                start_time: 0,
                stop_time: 0,
            },
            repeat_times: Vec::new(),
        }],
        time_zones: Vec::new(),
        encryption_key: None,
        attributes: Vec::new(),
        media_descriptions,
    };
    desc.marshal()
}

/// A refused stream in an answer: same media and proto, port 0, one format.
fn rejected(line: &MediaLine) -> MediaDescription {
    MediaDescription {
        media_name: MediaName {
            media: line.media.clone(),
            port: RangedPort {
                value: 0,
                range: None,
            },
            protos: line.proto.split('/').map(str::to_owned).collect(),
            formats: line.formats.iter().take(1).cloned().collect(),
        },
        media_title: None,
        connection_information: None,
        bandwidth: Vec::new(),
        encryption_key: None,
        attributes: Vec::new(),
    }
}
