//! Dialog state (RFC 3261 12): identifiers, sequence numbers, route set and remote target, and
//! the requests sent inside a dialog.

use std::net::SocketAddr;

use rsipstack::sip::uri::{Host, Param, Scheme};
use rsipstack::sip::{Header, Method, Request, Response, Transport};

use super::message::{self, Body, Ids, RequestParts};
use super::name_addr::{split_name_addr, tag_of};
use crate::error::WireError;
use crate::transport::{Target, TransportKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DialogState {
    Early,
    Confirmed,
}

#[derive(Debug, Clone)]
pub(crate) struct Dialog {
    pub call_id: String,
    pub local_tag: String,
    pub remote_tag: String,
    /// Our From (UAC) or To (UAS) header value, tag included.
    pub local_party: String,
    /// The peer's, tag included.
    pub remote_party: String,
    /// The CSeq of the last request we sent in the dialog (0: none yet).
    pub local_seq: u32,
    /// The CSeq of the last request the peer sent.
    pub remote_seq: Option<u32>,
    /// Route header values, in the order requests carry them.
    pub route_set: Vec<String>,
    pub remote_target: String,
    pub state: DialogState,
    /// RFC 3261 12.1.1: set for sips Request-URIs; nothing depends on it yet.
    #[allow(dead_code)]
    pub secure: bool,
}

/// Where and how an in-dialog request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestTarget {
    pub request_uri: String,
    pub routes: Vec<String>,
}

impl Dialog {
    /// The UAC side, from the INVITE we sent and a 1xx (with a To tag) or 2xx response (a
    /// 2xx without To tag is broken but must still be ACKed: its tag counts as empty).
    pub(crate) fn uac(invite: &Request, response: &Response) -> Option<Dialog> {
        let req = message::ids(invite)?;
        let resp = message::ids(response)?;
        let confirmed = (200..300).contains(&response.status_code.code());
        let remote_tag = resp.to_tag.or_else(|| confirmed.then(String::new))?;
        let mut route_set = message::record_route(&response.headers);
        route_set.reverse();
        let remote_target =
            message::contact_uri(&response.headers).unwrap_or_else(|| invite.uri.to_string());
        Some(Dialog {
            call_id: req.call_id,
            local_tag: req.from_tag.unwrap_or_default(),
            remote_tag,
            local_party: req.from,
            remote_party: resp.to,
            local_seq: req.cseq,
            remote_seq: None,
            route_set,
            remote_target,
            state: if confirmed {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            secure: invite.uri.scheme == Some(Scheme::Sips),
        })
    }

    /// The UAS side, from the INVITE we received and the tag we put in our responses. `None`
    /// without a Contact (nowhere to send requests).
    pub(crate) fn uas(invite: &Request, local_tag: &str) -> Option<Dialog> {
        let req = message::ids(invite)?;
        let remote_target = message::contact_uri(&invite.headers)?;
        let local_party = if tag_of(&req.to).is_some() {
            req.to.clone()
        } else {
            format!("{};tag={local_tag}", req.to)
        };
        Some(Dialog {
            call_id: req.call_id,
            local_tag: local_tag.to_string(),
            remote_tag: req.from_tag.unwrap_or_default(),
            local_party,
            remote_party: req.from,
            local_seq: 0,
            remote_seq: Some(req.cseq),
            route_set: message::record_route(&invite.headers),
            remote_target,
            state: DialogState::Early,
            secure: invite.uri.scheme == Some(Scheme::Sips),
        })
    }

    /// Whether a request we received belongs to this dialog (its To tag is ours, its From tag
    /// the peer's).
    pub(crate) fn matches_request(&self, ids: &Ids) -> bool {
        ids.call_id == self.call_id
            && ids.to_tag.as_deref() == Some(self.local_tag.as_str())
            && ids.from_tag.as_deref().unwrap_or("") == self.remote_tag
    }

    /// RFC 3261 12.2.2: a request with a lower CSeq than the last one is out of order (500).
    /// Records the CSeq when it is acceptable.
    pub(crate) fn accept_remote_cseq(&mut self, cseq: u32) -> bool {
        if self.remote_seq.is_some_and(|last| cseq < last) {
            return false;
        }
        self.remote_seq = Some(cseq);
        true
    }

    /// The CSeq for the next request we send.
    pub(crate) fn next_cseq(&mut self) -> u32 {
        self.local_seq = self.local_seq.wrapping_add(1).max(1);
        self.local_seq
    }

    /// A 2xx/target refresh told us a new Contact.
    pub(crate) fn update_remote_target(&mut self, headers: &rsipstack::sip::Headers) {
        if let Some(uri) = message::contact_uri(headers) {
            self.remote_target = uri;
        }
    }

    /// Request-URI and Route headers (RFC 3261 12.2.1.1), loose or strict routing.
    pub(crate) fn request_target(&self) -> RequestTarget {
        let Some(first) = self.route_set.first() else {
            return RequestTarget {
                request_uri: self.remote_target.clone(),
                routes: vec![],
            };
        };
        let loose = split_name_addr(first)
            .map(|(na, _)| {
                na.uri
                    .split(';')
                    .skip(1)
                    .any(|p| p.eq_ignore_ascii_case("lr"))
            })
            .unwrap_or(true);
        if loose {
            return RequestTarget {
                request_uri: self.remote_target.clone(),
                routes: self.route_set.clone(),
            };
        }
        let first_uri = split_name_addr(first)
            .map(|(na, _)| na.uri)
            .unwrap_or_else(|| first.clone());
        let mut routes: Vec<String> = self.route_set[1..].to_vec();
        routes.push(format!("<{}>", self.remote_target));
        RequestTarget {
            request_uri: first_uri,
            routes,
        }
    }

    /// Where in-dialog requests are sent: the first route or the remote target when its host
    /// is an IP address; otherwise (a host name: no DNS here) `fallback`, the proxy or peer
    /// the call's first request went to or came from.
    pub(crate) fn next_hop(&self, fallback: &Target) -> Target {
        let uri = match self.route_set.first() {
            Some(route) => split_name_addr(route).map(|(na, _)| na.uri),
            None => Some(self.remote_target.clone()),
        };
        uri.and_then(|uri| target_of_uri(&uri, fallback))
            .unwrap_or_else(|| fallback.clone())
    }

    /// A request inside this dialog. `cseq`: `None` takes the next local CSeq (ACK and
    /// CANCEL pass the INVITE's).
    pub(crate) fn request(
        &mut self,
        method: Method,
        cseq: Option<u32>,
        local: Local,
        branch: &str,
        extra: Vec<Header>,
        body: Option<Body<'_>>,
    ) -> Result<Request, WireError> {
        let cseq = match cseq {
            Some(c) => c,
            None => self.next_cseq(),
        };
        let target = self.request_target();
        let contact = matches!(method, Method::Invite).then_some(local.contact.as_str());
        message::build_request(RequestParts {
            method,
            uri: &target.request_uri,
            kind: local.kind,
            via: local.via,
            branch,
            routes: &target.routes,
            from: &self.local_party,
            to: &self.remote_party,
            call_id: &self.call_id,
            cseq,
            contact,
            user_agent: &local.user_agent,
            extra,
            body,
        })
    }
}

/// Our side of the requests we send: Via address and transport, Contact, User-Agent.
#[derive(Debug, Clone)]
pub(crate) struct Local {
    pub kind: TransportKind,
    pub via: SocketAddr,
    pub contact: String,
    pub user_agent: String,
}

/// The target an IP-literal SIP URI names; `None` for host names.
fn target_of_uri(uri: &str, fallback: &Target) -> Option<Target> {
    let uri = message::parse_uri(uri).ok()?;
    let Host::IpAddr(ip) = uri.host_with_port.host else {
        return None;
    };
    let sips = uri.scheme == Some(Scheme::Sips);
    let transport = uri.params.iter().find_map(|p| match p {
        Param::Transport(t) => Some(*t),
        _ => None,
    });
    let kind = match transport {
        Some(Transport::Tcp) if !sips => TransportKind::Tcp,
        Some(Transport::Tls) => TransportKind::Tls,
        _ if sips => TransportKind::Tls,
        _ => TransportKind::Udp,
    };
    let default_port = if kind == TransportKind::Tls {
        5061
    } else {
        5060
    };
    let port = uri
        .host_with_port
        .port
        .map(|p| p.value())
        .unwrap_or(default_port);
    let addr = SocketAddr::new(ip, port);
    if addr == fallback.addr {
        // The same hop as the first request: keep its transport and connection.
        return Some(fallback.clone());
    }
    Some(Target::new(kind, addr))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::call::message::build_response;
    use crate::call::message::tests_support::{invite, parse_response};

    fn ok_with(rr: &str, contact: &str) -> Response {
        let source = "192.0.2.7:40000".parse().unwrap();
        let mut headers = vec![Header::Contact(contact.to_string().into())];
        if !rr.is_empty() {
            headers.push(Header::RecordRoute(rr.to_string().into()));
        }
        parse_response(build_response(&invite(), source, 200, Some("rt"), headers, None).to_bytes())
    }

    fn fallback() -> Target {
        Target::new(TransportKind::Tcp, "192.0.2.50:5060".parse().unwrap())
    }

    #[test]
    fn uac_dialog_reverses_the_record_route() {
        // The INVITE carries Record-Route <p2>, <p1>; the 2xx copies them; build_response
        // appends ours after.
        let ok = ok_with(
            "<sip:192.0.2.50;lr>",
            "<sip:bob@192.0.2.9:5062;transport=tcp>",
        );
        let d = Dialog::uac(&invite(), &ok).unwrap();
        assert_eq!(d.state, DialogState::Confirmed);
        assert_eq!(d.local_tag, "f1");
        assert_eq!(d.remote_tag, "rt");
        assert_eq!(d.local_seq, 7);
        assert_eq!(
            d.route_set,
            vec!["<sip:192.0.2.50;lr>", "<sip:p1;lr>", "<sip:p2;lr>"]
        );
        assert_eq!(d.remote_target, "sip:bob@192.0.2.9:5062;transport=tcp");
        let t = d.request_target();
        assert_eq!(t.request_uri, d.remote_target);
        assert_eq!(t.routes, d.route_set);
        // First route is the fallback's address: same transport and connection.
        assert_eq!(d.next_hop(&fallback()), fallback());
    }

    #[test]
    fn next_hop_without_routes_is_the_remote_target() {
        let source = "192.0.2.7:40000".parse().unwrap();
        let mut inv = invite();
        inv.headers.retain(|h| !matches!(h, Header::RecordRoute(_)));
        let ok = parse_response(
            build_response(
                &inv,
                source,
                200,
                Some("rt"),
                vec![Header::Contact(
                    "<sip:bob@192.0.2.9:5062;transport=tcp>".into(),
                )],
                None,
            )
            .to_bytes(),
        );
        let d = Dialog::uac(&inv, &ok).unwrap();
        assert!(d.route_set.is_empty());
        assert_eq!(
            d.next_hop(&fallback()),
            Target::new(TransportKind::Tcp, "192.0.2.9:5062".parse().unwrap())
        );
        let mut named = d.clone();
        named.remote_target = "sip:bob@pbx.example.com".into();
        assert_eq!(named.next_hop(&fallback()), fallback());
        let mut sips = d.clone();
        sips.remote_target = "sips:bob@192.0.2.9".into();
        assert_eq!(
            sips.next_hop(&fallback()),
            Target::new(TransportKind::Tls, "192.0.2.9:5061".parse().unwrap())
        );
    }

    #[test]
    fn strict_routes_put_the_route_in_the_request_uri() {
        let ok = ok_with("<sip:192.0.2.50>", "<sip:bob@192.0.2.9>");
        let mut d = Dialog::uac(&invite(), &ok).unwrap();
        d.route_set = vec!["<sip:192.0.2.50>".into(), "<sip:p1;lr>".into()];
        let t = d.request_target();
        assert_eq!(t.request_uri, "sip:192.0.2.50");
        assert_eq!(t.routes, vec!["<sip:p1;lr>", "<sip:bob@192.0.2.9>"]);
    }

    #[test]
    fn uas_dialog_and_request_matching() {
        let inv = invite();
        let mut d = Dialog::uas(&inv, "ours").unwrap();
        assert_eq!(d.local_party, "<sip:bob@h>;tag=ours");
        assert_eq!(d.remote_party, "\"Al\" <sip:al@h>;tag=f1");
        assert_eq!(d.route_set, vec!["<sip:p2;lr>", "<sip:p1;lr>"]);
        assert_eq!(d.remote_target, "sip:al@10.0.0.9:5080");
        assert_eq!(d.remote_seq, Some(7));
        // CSeq order.
        assert!(!d.accept_remote_cseq(6));
        assert!(d.accept_remote_cseq(8));
        // Our first request.
        let local = Local {
            kind: TransportKind::Udp,
            via: "127.0.0.1:5080".parse().unwrap(),
            contact: "sip:bob@127.0.0.1:5080".into(),
            user_agent: "t".into(),
        };
        let bye = d
            .request(Method::Bye, None, local, "z9hG4bKb1", vec![], None)
            .unwrap();
        let ids = message::ids(&bye).unwrap();
        assert_eq!(ids.cseq, 1);
        assert_eq!(ids.from_tag.as_deref(), Some("ours"));
        assert_eq!(ids.to_tag.as_deref(), Some("f1"));
        let text = String::from_utf8(bye.to_bytes()).unwrap();
        assert!(
            text.starts_with("BYE sip:al@10.0.0.9:5080 SIP/2.0"),
            "{text}"
        );
        assert!(text.contains("Route: <sip:p2;lr>"), "{text}");
        assert!(!text.contains("Contact"), "{text}");

        // The peer's next request matches only with both tags right.
        let mut ids = message::ids(&inv).unwrap();
        assert!(!d.matches_request(&ids));
        ids.to_tag = Some("ours".into());
        assert!(d.matches_request(&ids));
        ids.from_tag = Some("other".into());
        assert!(!d.matches_request(&ids));
    }

    #[test]
    fn uas_dialog_needs_a_contact() {
        let mut inv = invite();
        inv.headers.retain(|h| !matches!(h, Header::Contact(_)));
        assert!(Dialog::uas(&inv, "x").is_none());
    }
}
