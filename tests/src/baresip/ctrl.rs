//! The ctrl_tcp protocol: JSON objects in netstrings; answers carry the command's `token`,
//! events arrive unasked. Also parsers for the text some commands answer with.

use std::io::Read;
use std::net::TcpStream;
use std::sync::{mpsc, Arc, Condvar, Mutex};

use anyhow::{bail, Context, Result};
use serde_json::Value;

/// Longest netstring accepted from ctrl_tcp (a `callstat` answer is a few KiB).
const MAX_FRAME: usize = 1 << 20;

/// One event from ctrl_tcp, e.g. `CALL_ESTABLISHED`.
#[derive(Debug, Clone, PartialEq)]
pub struct BaresipEvent {
    /// `type`: `REGISTER_OK`, `CALL_INCOMING`, `CALL_RINGING`, `CALL_ESTABLISHED`,
    /// `CALL_CLOSED`, `CALL_DTMF_START`, `CALL_DTMF_END`, ...
    pub kind: String,
    /// `class`: `call`, `register`, `application`, `other`, ...
    pub class: String,
    /// `param`: the peer URI for call state events, the reason for `CALL_CLOSED`, the digit
    /// for `CALL_DTMF_START`.
    pub param: Option<String>,
    pub peer_uri: Option<String>,
    /// baresip's call id.
    pub call_id: Option<String>,
    /// The whole JSON object.
    pub json: Value,
}

impl BaresipEvent {
    fn from_json(v: Value) -> BaresipEvent {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        BaresipEvent {
            kind: s("type").unwrap_or_default(),
            class: s("class").unwrap_or_default(),
            param: s("param"),
            peer_uri: s("peeruri"),
            call_id: s("id"),
            json: v,
        }
    }
}

/// A call's state as `listcalls` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallState {
    /// `INCOMING`, `OUTGOING`, `RINGING`, `EARLY`, `ESTABLISHED`, `TERMINATED`, ...
    pub state: String,
    pub peer_uri: String,
}

/// What the reader thread shares with [`super::Baresip`].
#[derive(Default)]
pub(super) struct Shared {
    pub(super) events: Vec<BaresipEvent>,
    /// Set when the control connection ends.
    pub(super) closed: bool,
}

pub(super) type SharedState = Arc<(Mutex<Shared>, Condvar)>;

/// Reads netstrings from ctrl_tcp: answers go to `tx`, events into `shared`.
pub(super) fn read_ctrl(mut stream: TcpStream, tx: mpsc::Sender<Value>, shared: SharedState) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        loop {
            match parse_netstring(&buf) {
                Ok(Some((body, used))) => {
                    let value: Option<Value> = serde_json::from_slice(&body).ok();
                    buf.drain(..used);
                    let Some(value) = value else { continue };
                    if value.get("event").and_then(Value::as_bool) == Some(true) {
                        let (lock, cvar) = &*shared;
                        if let Ok(mut s) = lock.lock() {
                            s.events.push(BaresipEvent::from_json(value));
                        }
                        cvar.notify_all();
                    } else if value.get("response").and_then(Value::as_bool) == Some(true) {
                        let _ = tx.send(value);
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    // Out of sync: nothing sensible can follow.
                    buf.clear();
                    break;
                }
            }
        }
    }
    let (lock, cvar) = &*shared;
    if let Ok(mut s) = lock.lock() {
        s.closed = true;
    }
    cvar.notify_all();
}

/// One netstring (`<len>:<body>,`) at the start of `buf`: `Ok(Some((body, bytes used)))`,
/// `Ok(None)` if incomplete, `Err` if malformed.
pub fn parse_netstring(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>> {
    let Some(colon) = buf.iter().position(|&b| b == b':') else {
        if buf.len() > 10 || buf.iter().any(|b| !b.is_ascii_digit()) {
            bail!("malformed netstring length");
        }
        return Ok(None);
    };
    let len: usize = std::str::from_utf8(&buf[..colon])
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|s| s.parse().ok())
        .context("malformed netstring length")?;
    if len > MAX_FRAME {
        bail!("netstring of {len} bytes is too long");
    }
    let end = colon + 1 + len;
    if buf.len() < end + 1 {
        return Ok(None);
    }
    if buf[end] != b',' {
        bail!("netstring not terminated by ','");
    }
    Ok(Some((buf[colon + 1..end].to_vec(), end + 1)))
}

/// Parses `listcalls` output such as
/// `> [line 1]  0:00:01  ESTABLISHED             sip:1003@127.0.0.1:25070`.
pub fn parse_listcalls(text: &str) -> Vec<CallState> {
    strip_ansi(text)
        .lines()
        .filter(|l| l.contains("[line"))
        .filter_map(|l| {
            let after = &l[l.find(']')? + 1..];
            let mut words = after.split_whitespace();
            let _duration = words.next()?;
            let state = words.next()?.to_string();
            let peer_uri = words.next().unwrap_or_default().to_string();
            Some(CallState { state, peer_uri })
        })
        .collect()
}

/// Whether `reginfo` output shows a successful registration, e.g.
/// `> sip:1002@127.0.0.1:46957   OK  dialtone-e2e-kamailio Expires 300s` (the `OK` is
/// coloured with ANSI escapes).
pub fn reginfo_says_registered(text: &str) -> bool {
    strip_ansi(text)
        .lines()
        .filter(|l| l.contains("sip:"))
        .any(|l| l.split_whitespace().any(|w| w == "OK"))
}

/// `text` without ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn netstrings_parse_whole_partial_and_bad() {
        let (body, used) = parse_netstring(b"5:hello,3:abc,").unwrap().unwrap();
        assert_eq!((body.as_slice(), used), (&b"hello"[..], 8));
        assert_eq!(parse_netstring(b"5:hel").unwrap(), None);
        assert_eq!(parse_netstring(b"12").unwrap(), None);
        assert!(parse_netstring(b"5:hello;").is_err());
        assert!(parse_netstring(b"x:").is_err());
        assert!(parse_netstring(b"99999999:").is_err());
    }

    #[test]
    fn listcalls_lines_parse() {
        let text = "\n--- Active calls (2) ---\n> [line 1]  0:00:01  ESTABLISHED             \
                    sip:1003@127.0.0.1:25070\n  [line 2]  0:00:00   INCOMING             sip:1002@127.0.0.1\n\n";
        let calls = parse_listcalls(text);
        assert_eq!(
            calls,
            vec![
                CallState {
                    state: "ESTABLISHED".into(),
                    peer_uri: "sip:1003@127.0.0.1:25070".into()
                },
                CallState {
                    state: "INCOMING".into(),
                    peer_uri: "sip:1002@127.0.0.1".into()
                },
            ]
        );
        assert!(parse_listcalls("\n--- Active calls (0) ---\n\n").is_empty());
    }

    #[test]
    fn reginfo_ok_is_found_through_colours() {
        let ok = "\n--- User Agents (1) ---\n> sip:1002@127.0.0.1:46957                   \
                  \u{1b}[32mOK \u{1b}[;m dialtone-e2e-kamailio Expires 300s\n\n";
        assert!(reginfo_says_registered(ok));
        let not = "\n--- User Agents (1) ---\n> sip:1002@127.0.0.1:46957                   \
                   \u{1b}[31mERR\u{1b}[;m\n\n";
        assert!(!reginfo_says_registered(not));
        assert_eq!(strip_ansi("a\u{1b}[1;32mb\u{1b}[;mc"), "abc");
    }
}
