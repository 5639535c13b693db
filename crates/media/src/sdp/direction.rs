//! The media direction attribute (RFC 3264 5.1 and 6.1), seen from one side.

use std::fmt;

/// Which way media flows, from the point of view of the side that wrote the SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Direction {
    #[default]
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    pub fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The same flow seen from the other side (sendonly ↔ recvonly).
    pub fn reversed(self) -> Self {
        Direction::from_flags(self.receives(), self.sends())
    }

    /// What both allow: sending only if both allow it, receiving likewise.
    pub fn intersect(self, other: Direction) -> Self {
        Direction::from_flags(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }

    /// The direction to put in an answer to an offer with `offered` when we would like
    /// `wanted` (RFC 3264 6.1): sendonly → recvonly, recvonly → sendonly, inactive →
    /// inactive, sendrecv → whatever we want.
    pub fn answer_to(offered: Direction, wanted: Direction) -> Self {
        wanted.intersect(offered.reversed())
    }

    /// The attribute name, as in `a=sendrecv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// Parses an attribute name; `None` for anything else.
    pub fn from_attribute(name: &str) -> Option<Self> {
        match name {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Direction::*;
    use super::*;

    #[test]
    fn answers_follow_rfc3264_6_1() {
        assert_eq!(Direction::answer_to(SendOnly, SendRecv), RecvOnly);
        assert_eq!(Direction::answer_to(RecvOnly, SendRecv), SendOnly);
        assert_eq!(Direction::answer_to(Inactive, SendRecv), Inactive);
        assert_eq!(Direction::answer_to(SendRecv, SendRecv), SendRecv);
        assert_eq!(Direction::answer_to(SendRecv, SendOnly), SendOnly);
        assert_eq!(Direction::answer_to(SendOnly, SendOnly), Inactive);
    }

    #[test]
    fn attribute_names_round_trip() {
        for d in [SendRecv, SendOnly, RecvOnly, Inactive] {
            assert_eq!(Direction::from_attribute(d.as_str()), Some(d));
        }
        assert_eq!(Direction::from_attribute("sendrcv"), None);
    }
}
