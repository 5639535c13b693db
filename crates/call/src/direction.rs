//! SDP media direction (RFC 3264 section 6.1) and the offer/answer arithmetic that hold and
//! resume are made of (RFC 3264 section 8.4).

/// The direction attribute of the audio stream, from the point of view of whoever wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaDirection {
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl MediaDirection {
    pub fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => MediaDirection::SendRecv,
            (true, false) => MediaDirection::SendOnly,
            (false, true) => MediaDirection::RecvOnly,
            (false, false) => MediaDirection::Inactive,
        }
    }

    pub fn sends(self) -> bool {
        matches!(self, MediaDirection::SendRecv | MediaDirection::SendOnly)
    }

    pub fn receives(self) -> bool {
        matches!(self, MediaDirection::SendRecv | MediaDirection::RecvOnly)
    }

    /// The SDP attribute name: `sendrecv`, `sendonly`, `recvonly`, `inactive`.
    pub fn as_sdp(self) -> &'static str {
        match self {
            MediaDirection::SendRecv => "sendrecv",
            MediaDirection::SendOnly => "sendonly",
            MediaDirection::RecvOnly => "recvonly",
            MediaDirection::Inactive => "inactive",
        }
    }

    /// Our answer to an `offer` when we would like `wish` (RFC 3264 6.1): we send only if the
    /// offerer receives and we want to send, and receive only if the offerer sends.
    pub fn answer_to(offer: MediaDirection, wish: MediaDirection) -> MediaDirection {
        MediaDirection::from_flags(
            offer.receives() && wish.sends(),
            offer.sends() && wish.receives(),
        )
    }

    /// What our media does after our `offer` was answered with `answer`.
    pub fn negotiated(offer: MediaDirection, answer: MediaDirection) -> MediaDirection {
        MediaDirection::from_flags(
            offer.sends() && answer.receives(),
            offer.receives() && answer.sends(),
        )
    }

    /// The direction we offer in a re-INVITE (RFC 3264 8.4): `sendonly` to hold, `inactive`
    /// to hold a peer that already holds us, `sendrecv` otherwise.
    pub fn offer_for(local_hold: bool, remote_hold: bool) -> MediaDirection {
        match (local_hold, remote_hold) {
            (true, true) => MediaDirection::Inactive,
            (true, false) => MediaDirection::SendOnly,
            (false, _) => MediaDirection::SendRecv,
        }
    }

    /// What we would like when answering: everything, or only sending while we hold.
    pub fn wish(local_hold: bool) -> MediaDirection {
        if local_hold {
            MediaDirection::SendOnly
        } else {
            MediaDirection::SendRecv
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MediaDirection::{self, *};

    #[test]
    fn answer_to_follows_rfc3264_table() {
        let cases = [
            (SendRecv, SendRecv, SendRecv),
            (SendOnly, SendRecv, RecvOnly),
            (RecvOnly, SendRecv, SendOnly),
            (Inactive, SendRecv, Inactive),
            (SendRecv, SendOnly, SendOnly),
            (SendOnly, SendOnly, Inactive),
            (RecvOnly, SendOnly, SendOnly),
            (Inactive, SendOnly, Inactive),
        ];
        for (offer, wish, want) in cases {
            assert_eq!(
                MediaDirection::answer_to(offer, wish),
                want,
                "{offer:?} {wish:?}"
            );
        }
    }

    #[test]
    fn negotiated_mirrors_the_answer() {
        let cases = [
            (SendRecv, SendRecv, SendRecv),
            (SendRecv, SendOnly, RecvOnly),
            (SendRecv, RecvOnly, SendOnly),
            (SendOnly, RecvOnly, SendOnly),
            (SendOnly, Inactive, Inactive),
            (Inactive, Inactive, Inactive),
        ];
        for (offer, answer, want) in cases {
            assert_eq!(
                MediaDirection::negotiated(offer, answer),
                want,
                "{offer:?} {answer:?}"
            );
        }
    }

    #[test]
    fn hold_offers() {
        assert_eq!(MediaDirection::offer_for(false, false), SendRecv);
        assert_eq!(MediaDirection::offer_for(true, false), SendOnly);
        assert_eq!(MediaDirection::offer_for(true, true), Inactive);
        assert_eq!(MediaDirection::offer_for(false, true), SendRecv);
        assert_eq!(SendOnly.as_sdp(), "sendonly");
    }
}
