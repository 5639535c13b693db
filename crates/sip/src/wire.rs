//! Between our own types and SIP messages on the wire (`rsipstack::sip`): building the
//! requests a user agent sends, reading the responses it gets, answering requests it receives.

use std::net::{IpAddr, SocketAddr};

use rand::distributions::Alphanumeric;
use rand::Rng;
use rsipstack::sip::headers::untyped::ToTypedHeader;
use rsipstack::sip::{
    Header, Headers, HeadersExt, Method, Request, Response, StatusCode, Uri, Version,
};

use crate::error::WireError;
use crate::registration::{RegisterRequest, RegisterResponse};
use crate::transport::TransportKind;

/// A random token of `len` alphanumerics (tags, Call-IDs, branches).
pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// What stays the same across the REGISTERs of one binding (RFC 3261 10.2: same Call-ID,
/// From tag, increasing CSeq).
#[derive(Debug, Clone)]
pub struct RegisterBinding {
    /// `sip:domain[:port]`.
    pub request_uri: String,
    /// `sip:user@domain`.
    pub aor: String,
    pub display_name: Option<String>,
    /// User part of our Contact.
    pub contact_user: String,
    pub transport: TransportKind,
    pub call_id: String,
    pub from_tag: String,
    pub user_agent: String,
    /// A Route header value for an outbound proxy (`<sip:proxy;lr>`), if any.
    pub route: Option<String>,
}

/// `host:port` with IPv6 in brackets.
pub fn host_port(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) => format!("{ip}:{}", addr.port()),
        IpAddr::V6(ip) => format!("[{ip}]:{}", addr.port()),
    }
}

/// The Contact URI for a local (or NAT-public) address.
pub fn contact_uri(user: &str, addr: SocketAddr, transport: TransportKind) -> String {
    match transport.uri_param() {
        Some(t) => format!("sip:{user}@{};transport={t}", host_port(addr)),
        None => format!("sip:{user}@{}", host_port(addr)),
    }
}

fn uri(text: &str) -> Result<Uri, WireError> {
    Uri::try_from(text).map_err(|e| WireError::BadUri {
        uri: text.to_string(),
        message: e.to_string(),
    })
}

fn quoted(name: &str) -> String {
    let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\" ")
}

/// Via (with `rport`, RFC 3581), the outbound proxy's Route, Max-Forwards: the headers every
/// out-of-dialog request of a binding starts with.
fn first_headers(binding: &RegisterBinding, via: SocketAddr, branch: &str) -> Headers {
    let mut headers = Headers::default();
    headers.push(Header::Via(
        format!(
            "SIP/2.0/{} {};branch={branch};rport",
            binding.transport.via_name(),
            host_port(via)
        )
        .into(),
    ));
    if let Some(route) = &binding.route {
        headers.push(Header::Route(route.clone().into()));
    }
    headers.push(Header::MaxForwards("70".into()));
    headers
}

/// Builds one REGISTER of a binding.
///
/// `via` is the local address the request leaves from; `contact` the address we want calls
/// on (the same, or the NAT-public address the registrar saw).
pub fn register_request(
    binding: &RegisterBinding,
    via: SocketAddr,
    contact: SocketAddr,
    register: &RegisterRequest,
    branch: &str,
) -> Result<Request, WireError> {
    let display = binding
        .display_name
        .as_deref()
        .map(quoted)
        .unwrap_or_default();
    let mut headers = first_headers(binding, via, branch);
    headers.push(Header::From(
        format!("{display}<{}>;tag={}", binding.aor, binding.from_tag).into(),
    ));
    headers.push(Header::To(format!("{display}<{}>", binding.aor).into()));
    headers.push(Header::CallId(binding.call_id.clone().into()));
    headers.push(Header::CSeq(format!("{} REGISTER", register.cseq).into()));
    headers.push(Header::Contact(
        format!(
            "<{}>",
            contact_uri(&binding.contact_user, contact, binding.transport)
        )
        .into(),
    ));
    headers.push(Header::Expires(register.expires.to_string().into()));
    if let Some((header, value)) = &register.authorization {
        headers.push(match header {
            crate::registration::AuthHeader::Authorization => {
                Header::Authorization(value.clone().into())
            }
            crate::registration::AuthHeader::ProxyAuthorization => {
                Header::ProxyAuthorization(value.clone().into())
            }
        });
    }
    headers.push(Header::Allow(crate::call::ALLOW.into()));
    headers.push(Header::UserAgent(binding.user_agent.clone().into()));
    headers.push(Header::ContentLength("0".into()));
    Ok(Request {
        method: Method::Register,
        uri: uri(&binding.request_uri)?,
        version: Version::V2,
        headers,
        body: vec![],
    })
}

/// An out-of-dialog OPTIONS, used to probe that a registrar still answers over UDP.
pub fn options_request(
    binding: &RegisterBinding,
    via: SocketAddr,
    cseq: u32,
    branch: &str,
) -> Result<Request, WireError> {
    let mut headers = first_headers(binding, via, branch);
    headers.push(Header::From(
        format!("<{}>;tag={}", binding.aor, random_token(10)).into(),
    ));
    headers.push(Header::To(format!("<{}>", binding.request_uri).into()));
    headers.push(Header::CallId(random_token(24).into()));
    headers.push(Header::CSeq(format!("{cseq} OPTIONS").into()));
    headers.push(Header::UserAgent(binding.user_agent.clone().into()));
    headers.push(Header::ContentLength("0".into()));
    Ok(Request {
        method: Method::Options,
        uri: uri(&binding.request_uri)?,
        version: Version::V2,
        headers,
        body: vec![],
    })
}

/// What the registration state machine needs from a REGISTER response, and the address the
/// registrar saw us at (`received`/`rport` of our Via), when it differs from `contact`.
pub fn read_register_response(
    response: &Response,
    contact: SocketAddr,
) -> (RegisterResponse, Option<SocketAddr>) {
    let status = response.status_code.code();
    // The Status-Line phrase. Not `Response::reason_phrase()`: that is the RFC 3326 `Reason:`
    // header (`Q.850;cause=21;...`), a different thing.
    let reason = response
        .wire_reason
        .clone()
        .unwrap_or_else(|| response.status_code.text().to_string());
    let mut out = RegisterResponse {
        status,
        reason,
        ..Default::default()
    };
    for header in response.headers.iter() {
        match header {
            Header::WwwAuthenticate(v) if status == 401 => {
                out.challenges.push(v.value().to_string())
            }
            Header::ProxyAuthenticate(v) if status == 407 => {
                out.challenges.push(v.value().to_string())
            }
            Header::MinExpires(v) => out.min_expires = v.value().trim().parse().ok(),
            Header::RetryAfter(v) => {
                out.retry_after = v
                    .value()
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|s| s.parse().ok())
            }
            Header::Other(name, v) if name.eq_ignore_ascii_case("Min-Expires") => {
                out.min_expires = v.trim().parse().ok()
            }
            _ => {}
        }
    }
    if (200..300).contains(&status) {
        out.granted_expires = granted_expires(response, contact);
    }
    (out, seen_address(response, contact))
}

/// The lifetime granted to our contact: its `expires` param in the 200's Contact list, else
/// the Expires header.
fn granted_expires(response: &Response, contact: SocketAddr) -> Option<u32> {
    let ours = response.typed_contact_headers().ok().and_then(|contacts| {
        contacts
            .into_iter()
            .find(|c| contact_matches(&c.uri, contact))
            .and_then(|c| c.expires())
    });
    ours.or_else(|| {
        response
            .expires_header()
            .and_then(|e| e.value().trim().parse().ok())
    })
}

fn contact_matches(uri: &Uri, addr: SocketAddr) -> bool {
    let port = uri
        .host_with_port
        .port
        .as_ref()
        .map(|p| p.value().to_owned())
        .unwrap_or(5060);
    let host = uri.host_with_port.host.to_string();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    port == addr.port() && host.parse::<IpAddr>().ok() == Some(addr.ip())
}

/// `received`/`rport` of the top Via, if they say something other than `contact`.
fn seen_address(response: &Response, contact: SocketAddr) -> Option<SocketAddr> {
    let via = response.via_header().ok()?.typed().ok()?;
    let ip = match via.received() {
        Some(Ok(ip)) => ip,
        _ => contact.ip(),
    };
    let port = via.rport().flatten().unwrap_or(contact.port());
    let seen = SocketAddr::new(ip, port);
    (seen != contact).then_some(seen)
}

/// A response to `request` (RFC 3261 8.2.6): Via, From, Call-ID and CSeq copied, a To tag
/// added when the request had none.
pub fn response_to(request: &Request, status: u16, reason: &str, extra: Vec<Header>) -> Response {
    let mut headers = Headers::default();
    for header in request.headers.iter() {
        match header {
            Header::Via(_) | Header::From(_) | Header::CallId(_) | Header::CSeq(_) => {
                headers.push(header.clone())
            }
            Header::To(to) => {
                let value = to.value();
                if value.contains(";tag=") {
                    headers.push(header.clone());
                } else {
                    headers.push(Header::To(
                        format!("{value};tag={}", random_token(10)).into(),
                    ));
                }
            }
            _ => {}
        }
    }
    headers.extend(extra);
    headers.push(Header::ContentLength("0".into()));
    let status_code = StatusCode::from(status);
    let reason = (status_code.text() != reason).then(|| reason.to_string());
    Response {
        status_code,
        version: Version::V2,
        headers,
        body: vec![],
        wire_reason: reason,
    }
}
