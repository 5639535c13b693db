//! The call API's own types: what the engine passes in and gets out. No SIP wire types here.

use std::fmt;
use std::net::SocketAddr;

use tokio::sync::mpsc;

use super::handle::CallHandle;
use super::name_addr::NameAddr;
use crate::digest::Password;
use crate::transaction::Timers;
use crate::transport::{Target, TlsSettings, TransportKind};

/// Digest credentials for the INVITE (and later requests) of a call.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: Password,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

/// Everything needed to place a call.
#[derive(Debug, Clone)]
pub struct OutgoingCall {
    /// Where the INVITE goes: the account's proxy/registrar, or the peer itself.
    pub target: Target,
    pub tls: TlsSettings,
    /// `sip:bob@example.com`.
    pub request_uri: String,
    /// Us: display name and address-of-record.
    pub from: NameAddr,
    pub to: NameAddr,
    /// User part of our Contact.
    pub contact_user: String,
    /// The address for our Contact (e.g. the NAT-public address the registrar saw);
    /// `None`: the local address the INVITE leaves from.
    pub contact_addr: Option<SocketAddr>,
    /// A pre-loaded Route (`<sip:proxy;lr>`), as for REGISTER.
    pub route: Option<String>,
    /// Answers 401/407 challenges when set.
    pub credentials: Option<Credentials>,
    /// The SDP offer (RFC 3264), sent as the INVITE body.
    pub sdp_offer: String,
    /// `None`: the agent's.
    pub user_agent: Option<String>,
    /// Further headers (`X-…`, `Call-Info`, …). Headers the stack writes itself (Via, From,
    /// To, Call-ID, CSeq, Contact, Route, Content-*, Max-Forwards, *Authorization) are refused.
    pub extra_headers: Vec<(String, String)>,
    pub timers: Timers,
}

impl OutgoingCall {
    /// A call with no credentials, route, extra headers or Contact override, RFC timers, and
    /// the From URI's user part as Contact user.
    pub fn new(
        target: Target,
        request_uri: impl Into<String>,
        from: NameAddr,
        to: NameAddr,
        sdp_offer: impl Into<String>,
    ) -> Self {
        let contact_user = user_part(&from.uri).unwrap_or("dialtone").to_string();
        OutgoingCall {
            target,
            tls: TlsSettings::default(),
            request_uri: request_uri.into(),
            from,
            to,
            contact_user,
            contact_addr: None,
            route: None,
            credentials: None,
            sdp_offer: sdp_offer.into(),
            user_agent: None,
            extra_headers: vec![],
            timers: Timers::default(),
        }
    }
}

/// `alice` of `sip:alice@host`.
pub(crate) fn user_part(uri: &str) -> Option<&str> {
    let rest = uri.split_once(':')?.1;
    let user = rest.split_once('@')?.0;
    let user = user.split(';').next().unwrap_or(user);
    let user = user.split(':').next().unwrap_or(user);
    (!user.is_empty()).then_some(user)
}

/// A call coming in, delivered as [`crate::agent::AgentEvent::IncomingCall`]. 100 Trying has
/// already been sent; answer with [`CallHandle::ring`], [`CallHandle::accept`] or
/// [`CallHandle::reject`].
#[derive(Debug)]
pub struct IncomingCall {
    pub handle: CallHandle,
    pub from: NameAddr,
    pub to: NameAddr,
    pub request_uri: String,
    /// `None` for an INVITE without SDP: then the SDP given to `accept` is an offer and the
    /// answer arrives in [`CallEvent::Confirmed`].
    pub sdp_offer: Option<String>,
    /// Where the INVITE came from (the proxy, or the peer).
    pub source: SocketAddr,
    pub transport: TransportKind,
    /// `Call-Info` values, one per element (e.g. `<http://x>;answer-after=0`).
    pub call_info: Vec<String>,
    /// `Alert-Info` values, one per element.
    pub alert_info: Vec<String>,
    /// The first `P-Asserted-Identity`, if any.
    pub asserted_identity: Option<NameAddr>,
    /// Events of this call; closed after the last one.
    pub events: mpsc::Receiver<CallEvent>,
}

/// What happens in a call. The channel closes after an event that ends the call
/// ([`CallEvent::ends_call`]); after [`CallHandle::reject`] it closes without one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallEvent {
    /// Outgoing: a 1xx other than 100 (`180 Ringing`, `183 Session Progress` with early
    /// media SDP, …).
    Provisional {
        status: u16,
        reason: String,
        sdp: Option<String>,
    },
    /// Outgoing: a 2xx to the INVITE; the ACK is already sent. Also arrives after
    /// [`CallHandle::cancel`] when the answer crossed the CANCEL: then call
    /// [`CallHandle::bye`].
    Answered { sdp: Option<String> },
    /// Outgoing: a final non-2xx (487 after our CANCEL, 486 busy, a challenge we could not
    /// answer, …). Ends the call.
    Failed { status: u16, reason: String },
    /// Outgoing: no final response in time (Timer B, or 64·T1 after our CANCEL). Ends the call.
    Timeout,
    /// Outgoing: the INVITE could not be sent (connection refused, TLS failure, …). Ends the
    /// call.
    TransportError { message: String },
    /// Incoming: the caller cancelled before we answered (we sent 200 + 487). Ends the call.
    Cancelled,
    /// Incoming: the ACK for our 200 arrived, with the SDP answer when the INVITE had no offer.
    Confirmed { sdp: Option<String> },
    /// Incoming: our 200 (to the INVITE or a re-INVITE) was never ACKed within 64·T1. The
    /// dialog is still up: usually call [`CallHandle::bye`].
    AckTimeout,
    /// The peer hung up (we answered 200). Ends the call.
    ByeReceived,
    /// Our BYE got its final response (408 when it timed out, 503 when it could not be
    /// sent). Ends the call.
    ByeCompleted { status: u16 },
    /// The peer sent a re-INVITE (hold, resume, codec change): answer with
    /// [`CallHandle::answer_reinvite`] or [`CallHandle::reject_reinvite`].
    Reinvite { sdp: Option<String> },
    /// Our re-INVITE was answered with a 2xx (ACK sent).
    ReinviteAnswered { sdp: Option<String> },
    /// Our re-INVITE failed (491 glare: retry later; 408/481: the dialog is gone, hang up).
    ReinviteFailed { status: u16, reason: String },
    /// A DTMF digit arrived in an INFO (`application/dtmf-relay` or `application/dtmf`).
    Info {
        dtmf: char,
        duration_ms: Option<u32>,
    },
}

impl CallEvent {
    /// Whether the call is over after this event.
    pub fn ends_call(&self) -> bool {
        matches!(
            self,
            CallEvent::Failed { .. }
                | CallEvent::Timeout
                | CallEvent::TransportError { .. }
                | CallEvent::Cancelled
                | CallEvent::ByeReceived
                | CallEvent::ByeCompleted { .. }
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn user_parts() {
        assert_eq!(user_part("sip:alice@h"), Some("alice"));
        assert_eq!(user_part("sips:bob:pw@h:5061"), Some("bob"));
        assert_eq!(user_part("sip:+1555;phone-context=x@h"), Some("+1555"));
        assert_eq!(user_part("sip:h"), None);
        assert_eq!(user_part("tel:+1555"), None);
    }

    #[test]
    fn credentials_hide_the_password() {
        let c = Credentials {
            username: "u".into(),
            password: Password::new("hunter2"),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
