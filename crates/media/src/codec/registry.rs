//! The codec table: every codec Dialtone can speak, found by SDP name and clock rate.

use super::g711::{Pcmu, PCMU};
use super::{AudioCodec, CodecInfo};

/// Every supported codec, in Dialtone's default preference order.
pub fn supported() -> &'static [CodecInfo] {
    &[PCMU]
}

/// Finds a codec by its `a=rtpmap` encoding name (case-insensitive) and clock rate.
pub fn find(name: &str, clock_rate: u32) -> Option<&'static CodecInfo> {
    supported()
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name) && c.clock_rate == clock_rate)
}

/// A fresh encoder/decoder for one call.
pub fn instantiate(info: &CodecInfo) -> Option<Box<dyn AudioCodec>> {
    match info.name {
        "PCMU" => Some(Box::new(Pcmu::new())),
        _ => None,
    }
}
