//! Pure framing of SIP over byte streams (TCP, TLS): messages are delimited by the blank line
//! after the headers plus `Content-Length` bytes of body (RFC 3261 18.3), and CRLF keep-alives
//! (RFC 5626 4.4.1) may appear between messages.

use bytes::{Bytes, BytesMut};

/// Largest message accepted on a stream (headers + body).
pub const MAX_MESSAGE_SIZE: usize = 64 * 1024;

/// One unit taken off a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete SIP message (start line, headers, blank line, body).
    Message(Bytes),
    /// A double-CRLF keep-alive ping; the receiver should answer with a single CRLF.
    Ping,
    /// A single-CRLF keep-alive pong.
    Pong,
}

/// The stream cannot be framed any further; the connection should be closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    #[error("message on a stream transport has no Content-Length header")]
    MissingContentLength,
    #[error("invalid Content-Length value {0:?}")]
    InvalidContentLength(String),
    #[error("message of at least {size} bytes exceeds the maximum of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("Content-Length says {declared} bytes but the datagram carries {actual}")]
    Truncated { declared: usize, actual: usize },
}

/// Checks one datagram before it is parsed: RFC 3261 18.3 says a message whose
/// Content-Length is larger than the body it carries is discarded (a datagram cannot be
/// completed later). A missing Content-Length is allowed on UDP.
pub fn check_datagram(data: &[u8]) -> Result<(), FramingError> {
    let Some(header_end) = find(data, CRLFCRLF) else {
        return Ok(()); // the parser reports what is wrong with it
    };
    let actual = data.len() - header_end - CRLFCRLF.len();
    match content_length(&data[..header_end]) {
        Ok(declared) if declared > actual => Err(FramingError::Truncated { declared, actual }),
        Ok(_) | Err(FramingError::MissingContentLength) => Ok(()),
        Err(e) => Err(e),
    }
}

const CRLF: &[u8] = b"\r\n";
const CRLFCRLF: &[u8] = b"\r\n\r\n";

/// Takes the next frame off the front of `buf`. `Ok(None)` means more bytes are needed.
///
/// A lone `"\r\n"` (or `"\r\n\r"`) at the end of the buffer is kept until more bytes arrive,
/// because it may be the first half of a ping.
pub fn next_frame(buf: &mut BytesMut) -> Result<Option<Frame>, FramingError> {
    if buf.starts_with(CRLF) {
        if buf.len() >= 4 && &buf[..4] == CRLFCRLF {
            let _ = buf.split_to(4);
            return Ok(Some(Frame::Ping));
        }
        if buf.len() == 2 || (buf.len() == 3 && buf[2] == b'\r') {
            return Ok(None);
        }
        let _ = buf.split_to(2);
        return Ok(Some(Frame::Pong));
    }
    let Some(header_end) = find(buf, CRLFCRLF) else {
        if buf.len() > MAX_MESSAGE_SIZE {
            return Err(FramingError::TooLarge {
                size: buf.len(),
                max: MAX_MESSAGE_SIZE,
            });
        }
        return Ok(None);
    };
    let head_len = header_end + CRLFCRLF.len();
    let body_len = content_length(&buf[..header_end])?;
    let total = head_len
        .checked_add(body_len)
        .ok_or(FramingError::TooLarge {
            size: usize::MAX,
            max: MAX_MESSAGE_SIZE,
        })?;
    if total > MAX_MESSAGE_SIZE {
        return Err(FramingError::TooLarge {
            size: total,
            max: MAX_MESSAGE_SIZE,
        });
    }
    if buf.len() < total {
        return Ok(None);
    }
    Ok(Some(Frame::Message(buf.split_to(total).freeze())))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Content-Length (or compact `l`) from the header block (start line included, final CRLFCRLF not).
fn content_length(head: &[u8]) -> Result<usize, FramingError> {
    for line in head.split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = line[..colon].trim_ascii();
        if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
            let value = line[colon + 1..].trim_ascii();
            let text = String::from_utf8_lossy(value);
            return text
                .parse::<usize>()
                .map_err(|_| FramingError::InvalidContentLength(text.into_owned()));
        }
    }
    Err(FramingError::MissingContentLength)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &str = "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\nContent-Length: 5\r\n\r\nhello";

    fn frames(buf: &mut BytesMut) -> Vec<Frame> {
        let mut out = Vec::new();
        for _ in 0..100 {
            match next_frame(buf) {
                Ok(Some(f)) => out.push(f),
                Ok(None) => break,
                Err(e) => panic!("framing error {e}"),
            }
        }
        out
    }

    #[test]
    fn datagram_shorter_than_its_content_length_is_refused() {
        let short = OPTIONS.replace("Content-Length: 5", "Content-Length: 50");
        assert_eq!(
            check_datagram(short.as_bytes()),
            Err(FramingError::Truncated {
                declared: 50,
                actual: 5
            })
        );
        assert_eq!(check_datagram(OPTIONS.as_bytes()), Ok(()));
        let no_length = "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1\r\n\r\n";
        assert_eq!(check_datagram(no_length.as_bytes()), Ok(()));
    }

    #[test]
    fn whole_message() {
        let mut buf = BytesMut::from(OPTIONS);
        assert_eq!(
            frames(&mut buf),
            vec![Frame::Message(Bytes::from_static(OPTIONS.as_bytes()))]
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn split_reads_at_every_byte() {
        let bytes = OPTIONS.as_bytes();
        for cut in 1..bytes.len() {
            let mut buf = BytesMut::from(&bytes[..cut]);
            assert_eq!(next_frame(&mut buf), Ok(None), "cut at {cut}");
            buf.extend_from_slice(&bytes[cut..]);
            assert_eq!(
                next_frame(&mut buf),
                Ok(Some(Frame::Message(Bytes::copy_from_slice(bytes))))
            );
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn two_messages_in_one_read() {
        let mut buf = BytesMut::from(format!("{OPTIONS}{OPTIONS}").as_str());
        let got = frames(&mut buf);
        assert_eq!(got.len(), 2);
        assert!(got
            .iter()
            .all(|f| *f == Frame::Message(Bytes::from_static(OPTIONS.as_bytes()))));
    }

    #[test]
    fn compact_content_length() {
        let msg = "SIP/2.0 200 OK\r\nv: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl : 3\r\n\r\nabcEXTRA";
        let mut buf = BytesMut::from(msg);
        assert_eq!(
            next_frame(&mut buf),
            Ok(Some(Frame::Message(Bytes::from_static(
                b"SIP/2.0 200 OK\r\nv: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl : 3\r\n\r\nabc"
            ))))
        );
        assert_eq!(&buf[..], b"EXTRA");
    }

    #[test]
    fn header_names_are_case_insensitive_and_other_l_headers_ignored() {
        let msg = "SIP/2.0 200 OK\r\nLocation: x\r\nCONTENT-LENGTH: 0\r\n\r\n";
        let mut buf = BytesMut::from(msg);
        assert_eq!(
            next_frame(&mut buf),
            Ok(Some(Frame::Message(Bytes::from_static(msg.as_bytes()))))
        );
    }

    #[test]
    fn missing_content_length_is_an_error() {
        let mut buf = BytesMut::from("SIP/2.0 200 OK\r\nVia: x\r\n\r\n");
        assert_eq!(
            next_frame(&mut buf),
            Err(FramingError::MissingContentLength)
        );
    }

    #[test]
    fn invalid_content_length_is_an_error() {
        let mut buf = BytesMut::from("SIP/2.0 200 OK\r\nContent-Length: -1\r\n\r\n");
        assert!(matches!(
            next_frame(&mut buf),
            Err(FramingError::InvalidContentLength(_))
        ));
    }

    #[test]
    fn crlf_pings_and_pongs_between_messages() {
        let mut buf = BytesMut::from(format!("\r\n\r\n{OPTIONS}\r\n{OPTIONS}\r\n\r\n").as_str());
        let msg = Frame::Message(Bytes::from_static(OPTIONS.as_bytes()));
        assert_eq!(
            frames(&mut buf),
            vec![Frame::Ping, msg.clone(), Frame::Pong, msg, Frame::Ping]
        );
        assert!(buf.is_empty());
    }

    #[test]
    fn lone_crlf_waits_for_more_bytes() {
        let mut buf = BytesMut::from("\r\n");
        assert_eq!(next_frame(&mut buf), Ok(None));
        buf.extend_from_slice(b"\r");
        assert_eq!(next_frame(&mut buf), Ok(None));
        buf.extend_from_slice(b"\n");
        assert_eq!(next_frame(&mut buf), Ok(Some(Frame::Ping)));
    }

    #[test]
    fn oversize_declared_body() {
        let mut buf = BytesMut::from("SIP/2.0 200 OK\r\nContent-Length: 70000\r\n\r\n");
        assert!(matches!(
            next_frame(&mut buf),
            Err(FramingError::TooLarge {
                max: MAX_MESSAGE_SIZE,
                ..
            })
        ));
    }

    #[test]
    fn oversize_unterminated_headers() {
        let mut buf = BytesMut::from("SIP/2.0 200 OK\r\nX: ");
        buf.extend_from_slice(&vec![b'a'; MAX_MESSAGE_SIZE]);
        assert!(matches!(
            next_frame(&mut buf),
            Err(FramingError::TooLarge { .. })
        ));
    }

    #[test]
    fn huge_content_length_does_not_overflow() {
        let mut buf = BytesMut::from(
            format!("SIP/2.0 200 OK\r\nContent-Length: {}\r\n\r\n", usize::MAX).as_str(),
        );
        assert!(matches!(
            next_frame(&mut buf),
            Err(FramingError::TooLarge { .. })
        ));
    }
}
