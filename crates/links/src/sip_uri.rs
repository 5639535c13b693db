//! The basic shape of a `sip:`/`sips:` URI (RFC 3261 §19.1):
//! `scheme:[user[:password]@]host[:port][;params][?headers]`.
//!
//! Checked: no white space, control characters, non-ASCII or `<>"\{}|^` and backquote
//! anywhere (they must be percent-encoded, and would break a header); `%` escapes are
//! well-formed; at most one `@` before the headers, with a non-empty user before it; a host
//! that is a domain name, an IPv4 address or a bracketed IPv6 address; a port of 1–65535;
//! parameters with names. Parameter values and headers are not interpreted.

use crate::error::LinkError;
use crate::tel::is_domain_name;
use std::net::Ipv6Addr;

/// Checks `rest` (what follows `scheme:`) and gives `scheme:rest`; `scheme` is lower case.
pub(crate) fn parse_sip(input: &str, scheme: &str, rest: &str) -> Result<String, LinkError> {
    check(rest).map_err(|reason| LinkError::InvalidUri {
        input: input.to_owned(),
        reason: reason.to_owned(),
    })?;
    Ok(format!("{scheme}:{rest}"))
}

fn check(rest: &str) -> Result<(), &'static str> {
    if rest.is_empty() {
        return Err("it is empty after the scheme");
    }
    for c in rest.chars() {
        if c.is_control() {
            return Err("it contains control characters");
        }
        if c.is_whitespace() {
            return Err("it contains white space");
        }
        if !c.is_ascii() {
            return Err("non-ASCII characters must be percent-encoded");
        }
        if matches!(c, '<' | '>' | '"' | '\\' | '{' | '}' | '|' | '^' | '`') {
            return Err("it contains a character that must be percent-encoded (<>\"\\{}|^`)");
        }
    }
    check_escapes(rest)?;

    let before_headers = rest.split_once('?').map_or(rest, |(b, _)| b);
    let host_and_params = match before_headers.split_once('@') {
        Some((user, host)) => {
            if user.is_empty() || user.starts_with(':') {
                return Err("the user part before `@` is empty");
            }
            if host.contains('@') {
                return Err("it has more than one `@`");
            }
            host
        }
        None => before_headers,
    };
    let (host_port, params) = host_and_params
        .split_once(';')
        .map_or((host_and_params, None), |(h, p)| (h, Some(p)));
    check_host_port(host_port)?;
    if let Some(params) = params {
        for param in params.split(';') {
            let name = param.split_once('=').map_or(param, |(n, _)| n);
            if name.is_empty() {
                return Err("a `;` parameter has no name");
            }
        }
    }
    Ok(())
}

fn check_escapes(s: &str) -> Result<(), &'static str> {
    let bytes = s.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err("a `%` is not followed by two hex digits");
        }
    }
    Ok(())
}

fn check_host_port(host_port: &str) -> Result<(), &'static str> {
    if host_port.is_empty() {
        return Err("it has no host");
    }
    let (host_ok, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (addr, after) = v6
            .split_once(']')
            .ok_or("an IPv6 host lacks its closing `]`")?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("junk after the IPv6 host")?),
        };
        (addr.parse::<Ipv6Addr>().is_ok(), port)
    } else {
        let (host, port) = host_port
            .split_once(':')
            .map_or((host_port, None), |(h, p)| (h, Some(p)));
        // A host of digits and dots must be a valid IPv4 address (`999.1.1.1` is not).
        let all_numeric = host
            .split('.')
            .all(|l| l.chars().all(|c| c.is_ascii_digit()));
        let ok = if all_numeric {
            host.parse::<std::net::Ipv4Addr>().is_ok()
        } else {
            is_domain_name(host)
        };
        (ok, port)
    };
    if !host_ok {
        return Err("it has no valid host");
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.chars().all(|c| c.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p != 0);
        if !valid {
            return Err("the port is not a number from 1 to 65535");
        }
    }
    Ok(())
}
