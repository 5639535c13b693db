//! Reading and building the SIP messages of calls (`rsipstack::sip` stays inside this file and
//! the transaction/dialog modules of `call`).

use std::net::{IpAddr, SocketAddr};

use rsipstack::sip::headers::untyped::ToTypedHeader;
use rsipstack::sip::{
    Header, Headers, HeadersExt, Method, Request, Response, StatusCode, Uri, Version,
};

use super::dtmf::media_type;
use super::name_addr::{split_list, tag_of};
use crate::error::WireError;
use crate::transport::TransportKind;
use crate::wire::host_port;

/// What every message of a call carries, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ids {
    pub call_id: String,
    pub from: String,
    pub to: String,
    pub from_tag: Option<String>,
    pub to_tag: Option<String>,
    pub cseq: u32,
    pub method: Method,
    pub branch: String,
}

/// Call-ID, From, To, tags, CSeq and top Via branch; `None` if any of them is missing or
/// unreadable (such a message cannot belong to a call).
pub(crate) fn ids<M: HeadersExt>(message: &M) -> Option<Ids> {
    let headers = message.headers();
    let call_id = message.call_id_header().ok()?.value().trim().to_string();
    let from = first(headers, |h| match h {
        Header::From(v) => Some(v.value()),
        _ => None,
    })?;
    let to = first(headers, |h| match h {
        Header::To(v) => Some(v.value()),
        _ => None,
    })?;
    let cseq = message.cseq_header().ok()?;
    let branch = top_branch(message)?;
    Some(Ids {
        call_id,
        from_tag: tag_of(&from),
        to_tag: tag_of(&to),
        from,
        to,
        cseq: cseq.seq().ok()?,
        method: cseq.method().ok()?,
        branch,
    })
}

fn first(headers: &Headers, pick: impl Fn(&Header) -> Option<&str>) -> Option<String> {
    headers
        .iter()
        .find_map(|h| pick(h).map(|v| v.trim().to_string()))
}

/// The Call-ID alone (for routing).
pub(crate) fn call_id<M: HeadersExt>(message: &M) -> Option<String> {
    Some(message.call_id_header().ok()?.value().trim().to_string())
}

/// The `branch` of the top Via.
pub(crate) fn top_branch<M: HeadersExt>(message: &M) -> Option<String> {
    let via = message.top_via_header().ok()?.typed().ok()?;
    Some(via.branch()?.value().to_string())
}

/// The URI of the first Contact.
pub(crate) fn contact_uri(headers: &Headers) -> Option<String> {
    let value = first(headers, |h| match h {
        Header::Contact(v) => Some(v.value()),
        _ => None,
    })?;
    let entry = split_list(&value).into_iter().next()?;
    super::name_addr::NameAddr::parse(&entry).map(|na| na.uri)
}

/// Every Record-Route entry in message order (each `<uri;lr>` with its parameters).
pub(crate) fn record_route(headers: &Headers) -> Vec<String> {
    headers
        .iter()
        .filter_map(|h| match h {
            Header::RecordRoute(v) => Some(split_list(v.value())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Every Route header value of a request, as sent.
pub(crate) fn routes(headers: &Headers) -> Vec<Header> {
    headers
        .iter()
        .filter(|h| matches!(h, Header::Route(_)))
        .cloned()
        .collect()
}

/// The values of a header, each comma-separated element apart.
pub(crate) fn list_values(
    headers: &Headers,
    pick: impl Fn(&Header) -> Option<&str>,
) -> Vec<String> {
    headers
        .iter()
        .filter_map(|h| pick(h).map(split_list))
        .flatten()
        .collect()
}

pub(crate) fn content_type(headers: &Headers) -> Option<String> {
    first(headers, |h| match h {
        Header::ContentType(v) => Some(v.value()),
        _ => None,
    })
}

/// The body as text when it is an SDP (`application/sdp`), `None` without a body or for any
/// other content type (multipart bodies are not read).
pub(crate) fn sdp(headers: &Headers, body: &[u8]) -> Option<String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let ct = content_type(headers)?;
    (media_type(&ct) == "application/sdp").then(|| String::from_utf8_lossy(body).into_owned())
}

/// The Status-Line reason phrase.
pub(crate) fn reason(response: &Response) -> String {
    response
        .wire_reason
        .clone()
        .unwrap_or_else(|| response.status_code.text().to_string())
}

/// The challenges of a 401 (`WWW-Authenticate`) or 407 (`Proxy-Authenticate`).
pub(crate) fn challenges(response: &Response) -> Vec<String> {
    let status = response.status_code.code();
    response
        .headers
        .iter()
        .filter_map(|h| match h {
            Header::WwwAuthenticate(v) if status == 401 => Some(v.value().to_string()),
            Header::ProxyAuthenticate(v) if status == 407 => Some(v.value().to_string()),
            _ => None,
        })
        .collect()
}

pub(crate) fn parse_uri(text: &str) -> Result<Uri, WireError> {
    Uri::try_from(text).map_err(|e| WireError::BadUri {
        uri: text.to_string(),
        message: e.to_string(),
    })
}

/// The Via of a request we send: `rport` asks the server to answer to the packet's source
/// (RFC 3581).
pub(crate) fn via_value(kind: TransportKind, via: SocketAddr, branch: &str) -> String {
    format!(
        "SIP/2.0/{} {};branch={branch};rport",
        kind.via_name(),
        host_port(via)
    )
}

/// A message body and its Content-Type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Body<'a> {
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

impl<'a> Body<'a> {
    pub(crate) fn sdp(text: &'a str) -> Self {
        Body {
            content_type: "application/sdp",
            bytes: text.as_bytes(),
        }
    }
}

/// Everything a request of a call is built from.
pub(crate) struct RequestParts<'a> {
    pub method: Method,
    pub uri: &'a str,
    pub kind: TransportKind,
    pub via: SocketAddr,
    pub branch: &'a str,
    /// Route header values, in order.
    pub routes: &'a [String],
    /// From and To header values, tags included.
    pub from: &'a str,
    pub to: &'a str,
    pub call_id: &'a str,
    pub cseq: u32,
    /// Contact URI (INVITE and its 2xx need one).
    pub contact: Option<&'a str>,
    pub user_agent: &'a str,
    pub extra: Vec<Header>,
    pub body: Option<Body<'a>>,
}

/// The methods we accept, for Allow headers.
pub(crate) const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO";

pub(crate) fn build_request(parts: RequestParts<'_>) -> Result<Request, WireError> {
    let mut headers = Headers::default();
    headers.push(Header::Via(
        via_value(parts.kind, parts.via, parts.branch).into(),
    ));
    for route in parts.routes {
        headers.push(Header::Route(route.clone().into()));
    }
    headers.push(Header::MaxForwards("70".into()));
    headers.push(Header::From(parts.from.to_string().into()));
    headers.push(Header::To(parts.to.to_string().into()));
    headers.push(Header::CallId(parts.call_id.to_string().into()));
    headers.push(Header::CSeq(
        format!("{} {}", parts.cseq, parts.method).into(),
    ));
    if let Some(contact) = parts.contact {
        headers.push(Header::Contact(format!("<{contact}>").into()));
    }
    if matches!(parts.method, Method::Invite) {
        headers.push(Header::Allow(ALLOW.into()));
    }
    if !parts.user_agent.is_empty() {
        headers.push(Header::UserAgent(parts.user_agent.to_string().into()));
    }
    headers.extend(parts.extra);
    let body = push_body(&mut headers, parts.body);
    Ok(Request {
        method: parts.method,
        uri: parse_uri(parts.uri)?,
        version: Version::V2,
        headers,
        body,
    })
}

fn push_body(headers: &mut Headers, body: Option<Body<'_>>) -> Vec<u8> {
    match body {
        Some(body) => {
            headers.push(Header::ContentType(body.content_type.to_string().into()));
            headers.push(Header::ContentLength(body.bytes.len().to_string().into()));
            body.bytes.to_vec()
        }
        None => {
            headers.push(Header::ContentLength("0".into()));
            vec![]
        }
    }
}

/// Header names the stack writes itself; callers may not add them.
const MANAGED: &[&str] = &[
    "via",
    "v",
    "from",
    "f",
    "to",
    "t",
    "call-id",
    "i",
    "cseq",
    "contact",
    "m",
    "content-length",
    "l",
    "content-type",
    "c",
    "max-forwards",
    "route",
    "record-route",
    "authorization",
    "proxy-authorization",
];

/// A caller-supplied header, checked so that it cannot break or take over the message.
pub(crate) fn extra_header(name: &str, value: &str) -> Result<Header, WireError> {
    let bad = |reason| WireError::BadHeader {
        name: name.to_string(),
        reason,
    };
    let token = |c: char| c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(bad("not a header name"));
    }
    if value.contains(['\r', '\n', '\0']) {
        return Err(bad("line breaks in the value"));
    }
    if MANAGED.iter().any(|m| m.eq_ignore_ascii_case(name)) {
        return Err(bad("written by the SIP stack itself"));
    }
    Ok(Header::Other(name.to_string(), value.to_string()))
}

/// A response to `request` (RFC 3261 8.2.6, 12.1.1): Via (the top one stamped with
/// `received`/`rport`, RFC 3581), From, Call-ID, CSeq copied; To with `to_tag` added when the
/// request had none; Record-Route copied into dialog-creating INVITE responses.
pub(crate) fn build_response(
    request: &Request,
    source: SocketAddr,
    status: u16,
    to_tag: Option<&str>,
    extra: Vec<Header>,
    body: Option<Body<'_>>,
) -> Response {
    let mut headers = Headers::default();
    let mut first_via = true;
    let copy_rr = request.method == Method::Invite && (101..300).contains(&status);
    for header in request.headers.iter() {
        match header {
            Header::Via(v) if first_via => {
                first_via = false;
                headers.push(Header::Via(stamp_via(v.value(), source).into()));
            }
            Header::Via(_) | Header::From(_) | Header::CallId(_) | Header::CSeq(_) => {
                headers.push(header.clone())
            }
            Header::RecordRoute(_) if copy_rr => headers.push(header.clone()),
            Header::To(to) => {
                let value = to.value();
                match to_tag {
                    Some(tag) if status > 100 && tag_of(value).is_none() => {
                        headers.push(Header::To(format!("{value};tag={tag}").into()))
                    }
                    _ => headers.push(header.clone()),
                }
            }
            _ => {}
        }
    }
    headers.extend(extra);
    let body = push_body(&mut headers, body);
    Response {
        status_code: status_code(status, None),
        version: Version::V2,
        headers,
        body,
        wire_reason: None,
    }
}

/// The status code with `reason` as its phrase, or the standard phrase (a generic one for
/// codes rsipstack does not know, instead of its "Other").
pub(crate) fn status_code(status: u16, reason: Option<&str>) -> StatusCode {
    if let Some(reason) = reason.filter(|r| !r.is_empty() && !r.contains(['\r', '\n'])) {
        return StatusCode::Other(status, reason.to_string());
    }
    let code = StatusCode::from(status);
    if matches!(code, StatusCode::Other(..)) {
        let generic = match status {
            100..=199 => "Session Progress",
            200..=299 => "OK",
            300..=399 => "Redirection",
            400..=499 => "Request Failure",
            500..=599 => "Server Failure",
            _ => "Global Failure",
        };
        return StatusCode::Other(status, generic.to_string());
    }
    code
}

/// Adds `received` and fills an empty `rport` in the first element of a Via value.
fn stamp_via(value: &str, source: SocketAddr) -> String {
    let mut elements = split_list(value);
    let Some(top) = elements.first_mut() else {
        return value.to_string();
    };
    let mut params: Vec<String> = top.split(';').map(|p| p.trim().to_string()).collect();
    let sent_by_ip = params
        .first()
        .and_then(|p| p.split_whitespace().nth(1))
        .and_then(|hp| {
            let host = match hp.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or(""),
                None => hp.split(':').next().unwrap_or(""),
            };
            host.parse::<IpAddr>().ok()
        });
    let mut rport = false;
    for p in params.iter_mut().skip(1) {
        if p.eq_ignore_ascii_case("rport") {
            *p = format!("rport={}", source.port());
            rport = true;
        }
    }
    let has_received = params
        .iter()
        .skip(1)
        .any(|p| p.to_ascii_lowercase().starts_with("received="));
    if !has_received && (rport || sent_by_ip != Some(source.ip())) {
        params.push(format!("received={}", source.ip()));
    }
    *top = params.join(";");
    elements.join(", ")
}

/// The top Via of a request only (for ACK and CANCEL, which carry just that one).
fn top_via_header(request: &Request) -> Option<Header> {
    request.headers.iter().find_map(|h| match h {
        Header::Via(v) => split_list(v.value())
            .into_iter()
            .next()
            .map(|top| Header::Via(top.into())),
        _ => None,
    })
}

/// The ACK a client transaction sends for a non-2xx final response (RFC 3261 17.1.1.3): same
/// Request-URI, top Via (branch), From, Call-ID, CSeq number and Route as the INVITE; To of
/// the response.
pub(crate) fn ack_for_failure(invite: &Request, response: &Response) -> Request {
    hop_by_hop(invite, Method::Ack, Some(response))
}

/// The CANCEL of a pending INVITE (RFC 3261 9.1): like the INVITE's ACK, but the To of the
/// INVITE (no tag).
pub(crate) fn cancel_for(invite: &Request) -> Request {
    hop_by_hop(invite, Method::Cancel, None)
}

fn hop_by_hop(invite: &Request, method: Method, response: Option<&Response>) -> Request {
    let mut headers = Headers::default();
    if let Some(via) = top_via_header(invite) {
        headers.push(via);
    }
    headers.extend(routes(&invite.headers));
    headers.push(Header::MaxForwards("70".into()));
    let cseq = invite
        .cseq_header()
        .ok()
        .and_then(|c| c.seq().ok())
        .unwrap_or(1);
    let to_source = response.map(|r| &r.headers).unwrap_or(&invite.headers);
    for header in invite.headers.iter() {
        match header {
            Header::From(_) | Header::CallId(_) => headers.push(header.clone()),
            _ => {}
        }
    }
    if let Some(to) = to_source.iter().find(|h| matches!(h, Header::To(_))) {
        headers.push(to.clone());
    }
    headers.push(Header::CSeq(format!("{cseq} {method}").into()));
    headers.push(Header::ContentLength("0".into()));
    Request {
        method,
        uri: invite.uri.clone(),
        version: Version::V2,
        headers,
        body: vec![],
    }
}

/// Replaces the branch of the top Via and the CSeq number of a request (a retry after a
/// challenge is a new transaction, RFC 3261 8.1.3.5).
pub(crate) fn renumber(request: &mut Request, old_branch: &str, new_branch: &str, cseq: u32) {
    let method = request.method;
    let mut via_done = false;
    for header in request.headers.iter_mut() {
        match header {
            Header::Via(v) if !via_done => {
                via_done = true;
                let value = v.value().replacen(old_branch, new_branch, 1);
                *header = Header::Via(value.into());
            }
            Header::CSeq(_) => *header = Header::CSeq(format!("{cseq} {method}").into()),
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests_support {
    use super::*;
    use rsipstack::sip::SipMessage;

    pub(crate) fn invite_text() -> String {
        "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 10.0.0.9:5080;branch=z9hG4bKabc;rport, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKzzz\r\n\
         Record-Route: <sip:p2;lr>, <sip:p1;lr>\r\n\
         Route: <sip:p0;lr>\r\n\
         Max-Forwards: 70\r\n\
         From: \"Al\" <sip:al@h>;tag=f1\r\n\
         To: <sip:bob@h>\r\n\
         Call-ID: cid-1\r\n\
         CSeq: 7 INVITE\r\n\
         Contact: <sip:al@10.0.0.9:5080>;expires=60\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: 4\r\n\r\nv=0\n"
            .to_string()
    }

    pub(crate) fn parse_request(text: &str) -> Request {
        match SipMessage::try_from(text.as_bytes().to_vec()).unwrap() {
            SipMessage::Request(r) => r,
            SipMessage::Response(_) => panic!("not a request"),
        }
    }

    pub(crate) fn parse_response(bytes: Vec<u8>) -> Response {
        match SipMessage::try_from(bytes).unwrap() {
            SipMessage::Response(r) => r,
            SipMessage::Request(_) => panic!("not a response"),
        }
    }

    pub(crate) fn invite() -> Request {
        parse_request(&invite_text())
    }

    /// A response to `request` as it would arrive from the network.
    pub(crate) fn response_to(request: &Request, status: u16, to_tag: Option<&str>) -> Response {
        let source = "192.0.2.7:40000".parse().unwrap();
        parse_response(build_response(request, source, status, to_tag, vec![], None).to_bytes())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::tests_support::*;
    use super::*;

    fn source() -> SocketAddr {
        "192.0.2.7:40000".parse().unwrap()
    }

    #[test]
    fn ids_and_bodies_are_read() {
        let invite = parse_request(&invite_text());
        let ids = ids(&invite).unwrap();
        assert_eq!(ids.call_id, "cid-1");
        assert_eq!(ids.from_tag.as_deref(), Some("f1"));
        assert_eq!(ids.to_tag, None);
        assert_eq!((ids.cseq, ids.method), (7, Method::Invite));
        assert_eq!(ids.branch, "z9hG4bKabc");
        assert_eq!(
            contact_uri(&invite.headers).as_deref(),
            Some("sip:al@10.0.0.9:5080")
        );
        assert_eq!(
            record_route(&invite.headers),
            vec!["<sip:p2;lr>", "<sip:p1;lr>"]
        );
        assert_eq!(sdp(&invite.headers, &invite.body).as_deref(), Some("v=0\n"));
    }

    #[test]
    fn responses_copy_the_right_headers_and_stamp_the_via() {
        let invite = parse_request(&invite_text());
        let ringing = build_response(&invite, source(), 180, Some("t9"), vec![], None);
        let text = String::from_utf8(ringing.to_bytes()).unwrap();
        assert!(text.starts_with("SIP/2.0 180 "), "{text}");
        assert!(
            text.contains("branch=z9hG4bKabc;rport=40000;received=192.0.2.7"),
            "{text}"
        );
        assert!(
            text.contains("SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKzzz"),
            "{text}"
        );
        assert!(text.contains("To: <sip:bob@h>;tag=t9"), "{text}");
        assert!(
            text.contains("Record-Route: <sip:p2;lr>, <sip:p1;lr>"),
            "{text}"
        );
        assert!(!text.contains("Route: <sip:p0"), "{text}");
        let parsed = parse_response(ringing.to_bytes());
        assert_eq!(ids(&parsed).unwrap().to_tag.as_deref(), Some("t9"));

        let busy = build_response(&invite, source(), 486, Some("t9"), vec![], None);
        let text = String::from_utf8(busy.to_bytes()).unwrap();
        assert!(!text.contains("Record-Route"), "{text}");
        let trying = build_response(&invite, source(), 100, Some("t9"), vec![], None);
        assert_eq!(ids(&trying).unwrap().to_tag, None);
    }

    #[test]
    fn reason_phrases() {
        assert_eq!(status_code(486, None).text(), "Busy Here");
        assert_eq!(
            status_code(486, Some("Gone fishing")).text(),
            "Gone fishing"
        );
        assert_eq!(status_code(486, Some("Gone fishing")).code(), 486);
        assert_eq!(status_code(486, Some("x\r\ny")).text(), "Busy Here");
        assert_eq!(status_code(499, None).text(), "Request Failure");
    }

    #[test]
    fn via_stamping() {
        let s = source();
        assert_eq!(
            stamp_via("SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1", s),
            "SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK1"
        );
        assert_eq!(
            stamp_via("SIP/2.0/UDP host.example;branch=z9hG4bK1", s),
            "SIP/2.0/UDP host.example;branch=z9hG4bK1;received=192.0.2.7"
        );
        assert_eq!(
            stamp_via("SIP/2.0/TCP [2001:db8::1]:5060;rport;branch=b", s),
            "SIP/2.0/TCP [2001:db8::1]:5060;rport=40000;branch=b;received=192.0.2.7"
        );
    }

    #[test]
    fn ack_and_cancel_follow_the_invite() {
        let invite = parse_request(&invite_text());
        let busy = build_response(&invite, source(), 486, Some("t9"), vec![], None);
        let ack = ack_for_failure(&invite, &busy);
        let text = String::from_utf8(ack.to_bytes()).unwrap();
        assert!(
            text.starts_with("ACK sip:bob@127.0.0.1:5070 SIP/2.0\r\n"),
            "{text}"
        );
        assert_eq!(text.matches("Via:").count(), 1, "{text}");
        assert!(text.contains("branch=z9hG4bKabc"), "{text}");
        assert!(text.contains("Route: <sip:p0;lr>"), "{text}");
        assert!(text.contains("CSeq: 7 ACK"), "{text}");
        assert!(text.contains(";tag=t9"), "{text}");

        let cancel = cancel_for(&invite);
        let text = String::from_utf8(cancel.to_bytes()).unwrap();
        assert!(
            text.starts_with("CANCEL sip:bob@127.0.0.1:5070 SIP/2.0\r\n"),
            "{text}"
        );
        assert!(text.contains("CSeq: 7 CANCEL"), "{text}");
        assert!(text.contains("To: <sip:bob@h>\r\n"), "{text}");
        assert!(text.contains("branch=z9hG4bKabc"), "{text}");
    }

    #[test]
    fn renumbering_changes_branch_and_cseq_only() {
        let mut invite = parse_request(&invite_text());
        renumber(&mut invite, "z9hG4bKabc", "z9hG4bKnew", 8);
        let ids = ids(&invite).unwrap();
        assert_eq!(ids.branch, "z9hG4bKnew");
        assert_eq!((ids.cseq, ids.method), (8, Method::Invite));
        let text = String::from_utf8(invite.to_bytes()).unwrap();
        assert!(text.contains("branch=z9hG4bKzzz"), "{text}");
    }

    #[test]
    fn extra_headers_are_checked() {
        assert!(extra_header("X-Crm-Id", "42").is_ok());
        assert!(extra_header("Call-Info", "<http://x>;purpose=info").is_ok());
        assert!(extra_header("X-Bad", "a\r\nVia: x").is_err());
        assert!(extra_header("Bad Name", "v").is_err());
        assert!(extra_header("call-id", "v").is_err());
        assert!(extra_header("", "v").is_err());
    }

    #[test]
    fn requests_are_built_with_body_and_contact() {
        let request = build_request(RequestParts {
            method: Method::Invite,
            uri: "sip:bob@127.0.0.1:5070",
            kind: TransportKind::Tcp,
            via: "127.0.0.1:5080".parse().unwrap(),
            branch: "z9hG4bKx",
            routes: &["<sip:proxy;lr>".to_string()],
            from: "<sip:al@h>;tag=1",
            to: "<sip:bob@h>",
            call_id: "c",
            cseq: 1,
            contact: Some("sip:al@127.0.0.1:5080;transport=tcp"),
            user_agent: "test",
            extra: vec![],
            body: Some(Body::sdp("v=0\r\n")),
        })
        .unwrap();
        let text = String::from_utf8(request.to_bytes()).unwrap();
        assert!(
            text.contains("Via: SIP/2.0/TCP 127.0.0.1:5080;branch=z9hG4bKx;rport"),
            "{text}"
        );
        assert!(text.contains("Route: <sip:proxy;lr>"), "{text}");
        assert!(
            text.contains("Contact: <sip:al@127.0.0.1:5080;transport=tcp>"),
            "{text}"
        );
        assert!(text.contains("Content-Length: 5\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\nv=0\r\n"), "{text}");
    }
}
