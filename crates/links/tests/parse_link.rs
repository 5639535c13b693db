//! `parse_link`: tel:, callto:, sip:/sips:, typed input and hostile input.
#![allow(clippy::unwrap_used)]

use dialtone_links::{parse_link, DialNumber, Link, LinkError};

fn num(number: &str, extension: Option<&str>, phone_context: Option<&str>) -> Link {
    Link::Number(DialNumber {
        number: number.to_owned(),
        extension: extension.map(str::to_owned),
        phone_context: phone_context.map(str::to_owned),
    })
}

fn sip(uri: &str) -> Link {
    Link::Sip {
        uri: uri.to_owned(),
    }
}

#[test]
fn tel_links() {
    let cases = [
        ("tel:+1-201-555-0123", num("+12015550123", None, None)),
        ("TEL:+1.201.555.0123", num("+12015550123", None, None)),
        ("tel:+1(201)555-0123", num("+12015550123", None, None)),
        ("tel:+49%2030%20123456", num("+4930123456", None, None)),
        ("tel:%2B4930123456", num("+4930123456", None, None)),
        ("tel:+49 30 123456", num("+4930123456", None, None)),
        ("  tel:+4930123456  ", num("+4930123456", None, None)),
        ("tel://+4930123456", num("+4930123456", None, None)),
        (
            "tel:+1-201-555-0123;ext=1234",
            num("+12015550123", Some("1234"), None),
        ),
        (
            "tel:+1-201-555-0123;EXT=12-34",
            num("+12015550123", Some("1234"), None),
        ),
        (
            "tel:7042;phone-context=example.com",
            num("7042", None, Some("example.com")),
        ),
        (
            "tel:7042;Phone-Context=Example.COM",
            num("7042", None, Some("example.com")),
        ),
        (
            "tel:863-1234;phone-context=+1-914-555",
            num("8631234", None, Some("+1914555")),
        ),
        (
            "tel:030-123456;phone-context=%2B49",
            num("030123456", None, Some("+49")),
        ),
        (
            "tel:863-1234;ext=5;phone-context=+1-914-555",
            num("8631234", Some("5"), Some("+1914555")),
        ),
        // Parameters that change nothing to dial.
        (
            "tel:+1-201-555-0123;isub=1411",
            num("+12015550123", None, None),
        ),
        (
            "tel:+1-201-555-0123;foo=bar;isub=1;ext=9",
            num("+12015550123", Some("9"), None),
        ),
        ("tel:+1-201-555-0123;", num("+12015550123", None, None)),
        // A phone-context on a global number has no meaning and is dropped.
        (
            "tel:+4930123;phone-context=+49",
            num("+4930123", None, None),
        ),
        // Local numbers without a context are accepted (CRMs write them).
        ("tel:030 1234567", num("0301234567", None, None)),
        ("tel:*97%23", num("*97#", None, None)),
        ("tel:*97#", num("*97#", None, None)),
        ("tel:+49 (0)30 123456", num("+4930123456", None, None)),
    ];
    for (input, want) in cases {
        assert_eq!(parse_link(input), Ok(want), "{input}");
    }
}

#[test]
fn bad_tel_links() {
    let cases = [
        ("tel:", "no digits"),
        ("tel:+", "no digits"),
        ("tel:---", "no digits"),
        ("tel:+1-800-FLOWERS", "letters"),
        ("tel:7042ABC;phone-context=example.com", "letters"),
        ("tel:+4930123p123", "pause"),
        ("tel:+4930123,123", "pause"),
        ("tel:+49*30", "only allowed in numbers without"),
        ("tel:12+34", "`+`"),
        ("tel:+4930123;ext=", "no digits"),
        ("tel:+4930123;ext=12a", "extension"),
        ("tel:+4930123;ext=*1", "extension may only hold digits"),
        ("tel:+4930123;ext=1;ext=2", "twice"),
        ("tel:1;phone-context=a;phone-context=b", "twice"),
        ("tel:1;phone-context=exa_mple.com", "phone-context"),
        ("tel:1;phone-context=", "phone-context"),
        ("tel:+4930%3B123", "pause"),
        ("tel:+49%FF30", "UTF-8"),
        ("tel:+49%0030", "control"),
        ("tel:+49\u{0}30", "control"),
        ("tel:+4930;isub=\n1", "control"),
        ("tel:<script>alert(1)</script>", "`<`"),
        ("tel:+49<script>", "`<`"),
        ("tel:+4930?x=1", "`?`"),
    ];
    for (input, needle) in cases {
        let err = parse_link(input).unwrap_err();
        assert!(
            matches!(err, LinkError::InvalidNumber { .. }),
            "{input}: {err:?}"
        );
        assert!(err.to_string().contains(needle), "{input}: {err}");
    }
}

#[test]
fn too_many_digits() {
    let ok = format!("tel:+{}", "1".repeat(64));
    assert!(parse_link(&ok).is_ok());
    let long = format!("tel:+{}", "1".repeat(65));
    assert_eq!(
        parse_link(&long),
        Err(LinkError::TooLong {
            max: 64,
            unit: "digits"
        })
    );
    // Separators do not count.
    let spaced = format!("tel:+{}", "1-".repeat(64));
    assert!(parse_link(&spaced).is_ok());
}

#[test]
fn callto_links() {
    let cases = [
        ("callto://+49301234567", num("+49301234567", None, None)),
        ("callto:+49301234567", num("+49301234567", None, None)),
        ("CallTo://+49301234567/", num("+49301234567", None, None)),
        ("callto:0049 30 123", num("004930123", None, None)),
        ("callto:0049%2030%20123", num("004930123", None, None)),
        ("callto://%2B49301234567", num("+49301234567", None, None)),
        ("callto:bob@example.com", sip("sip:bob@example.com")),
        ("callto://bob@example.com", sip("sip:bob@example.com")),
        ("callto://bob@example.com/", sip("sip:bob@example.com")),
        ("callto:1002@10.0.0.1:5060", sip("sip:1002@10.0.0.1:5060")),
        ("callto:sip:bob@example.com", sip("sip:bob@example.com")),
        ("callto:SIPS:bob@example.com", sip("sips:bob@example.com")),
    ];
    for (input, want) in cases {
        assert_eq!(parse_link(input), Ok(want), "{input}");
    }
}

#[test]
fn bad_callto_links() {
    assert_eq!(parse_link("callto:"), Err(LinkError::Empty));
    assert_eq!(parse_link("callto://"), Err(LinkError::Empty));
    for input in [
        "callto:echo123",
        "callto:+49 30 <b>",
        "callto:bob@",
        "callto:@example.com",
        "callto:bob@exa mple.com",
        "callto:bob@example.com%0d%0aVia:x",
        "callto:+49%0030",
    ] {
        let err = parse_link(input).unwrap_err();
        assert!(
            matches!(
                err,
                LinkError::InvalidNumber { .. } | LinkError::InvalidUri { .. }
            ),
            "{input}: {err:?}"
        );
    }
}

#[test]
fn sip_uris() {
    let cases = [
        ("sip:bob@example.com", "sip:bob@example.com"),
        ("SIP:bob@example.com", "sip:bob@example.com"),
        ("Sips:Bob@Example.com", "sips:Bob@Example.com"),
        ("  sip:1002@pbx.example.com  ", "sip:1002@pbx.example.com"),
        ("sip:example.com", "sip:example.com"),
        ("sip:example.com:5061", "sip:example.com:5061"),
        (
            "sip:1003@127.0.0.1:5070;transport=tcp",
            "sip:1003@127.0.0.1:5070;transport=tcp",
        ),
        (
            "sip:alice:secret@atlanta.com;lr",
            "sip:alice:secret@atlanta.com;lr",
        ),
        ("sip:bob@[2001:db8::1]:5060", "sip:bob@[2001:db8::1]:5060"),
        ("sip:[::1]", "sip:[::1]"),
        (
            "sip:+4930123;phone-context=example.com@gw.example.com;user=phone",
            "sip:+4930123;phone-context=example.com@gw.example.com;user=phone",
        ),
        (
            "sip:bob@example.com?subject=project%20x&priority=urgent",
            "sip:bob@example.com?subject=project%20x&priority=urgent",
        ),
        ("sip:b%40b@example.com", "sip:b%40b@example.com"),
    ];
    for (input, want) in cases {
        assert_eq!(parse_link(input), Ok(sip(want)), "{input}");
    }
}

#[test]
fn bad_sip_uris() {
    let cases = [
        ("sip:", "empty"),
        ("sip:bob@", "no host"),
        ("sip:@example.com", "user part"),
        ("sip::pw@example.com", "user part"),
        ("sip:bob@example.com;", "no name"),
        ("sip:bob@exa mple.com", "white space"),
        ("sip:bob@example.com\r\nVia: evil", "control"),
        ("sip:bob@example.com\u{0}", "control"),
        ("sip:<bob@example.com>", "percent-encoded"),
        ("sip:\"bob\"@example.com", "percent-encoded"),
        ("sip:bob@a@example.com", "more than one"),
        ("sip:bob@example.com:0", "port"),
        ("sip:bob@example.com:65536", "port"),
        ("sip:bob@example.com:50a", "port"),
        ("sip:bob@example.com:", "port"),
        ("sip:bob@[2001:db8::1", "`]`"),
        ("sip:bob@[nothex]", "no valid host"),
        ("sip:bob@999.1.1.1", "no valid host"),
        ("sip:bob@-example.com", "no valid host"),
        ("sip:bob@exa_mple.com", "no valid host"),
        ("sip:bob@example..com", "no valid host"),
        ("sip:bjørn@example.com", "non-ASCII"),
        ("sip:bob%2@example.com", "hex"),
        ("sip:bob@example.com;lr;", "no name"),
    ];
    for (input, needle) in cases {
        let err = parse_link(input).unwrap_err();
        assert!(
            matches!(err, LinkError::InvalidUri { .. }),
            "{input}: {err:?}"
        );
        assert!(err.to_string().contains(needle), "{input}: {err}");
    }
}

#[test]
fn typed_input() {
    let cases = [
        ("1002", num("1002", None, None)),
        (" +49 (30) 123-45.67 ", num("+49301234567", None, None)),
        ("030/1234567", num("0301234567", None, None)),
        ("(+49) 30 1234567", num("+49301234567", None, None)),
        ("*97#", num("*97#", None, None)),
        ("112", num("112", None, None)),
        ("bob@example.com", sip("sip:bob@example.com")),
        ("1002@127.0.0.1:5060", sip("sip:1002@127.0.0.1:5060")),
    ];
    for (input, want) in cases {
        assert_eq!(parse_link(input), Ok(want), "{input}");
    }
}

#[test]
fn bad_typed_input() {
    assert_eq!(parse_link(""), Err(LinkError::Empty));
    assert_eq!(parse_link(" \t "), Err(LinkError::Empty));
    for input in [
        "support",
        "12<34",
        "1\r\nVia: x",
        "+",
        "bob@",
        "bob@ex ample.com",
    ] {
        let err = parse_link(input).unwrap_err();
        assert!(
            matches!(
                err,
                LinkError::InvalidNumber { .. } | LinkError::InvalidUri { .. }
            ),
            "{input}: {err:?}"
        );
    }
}

#[test]
fn other_schemes_are_refused() {
    let cases = [
        ("javascript:alert(1)", "javascript"),
        ("JavaScript:alert(document.cookie)//tel:+49", "javascript"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data"),
        ("http://example.com/tel:+4930", "http"),
        ("https://example.com", "https"),
        ("file:///etc/passwd", "file"),
        ("vbscript:msgbox", "vbscript"),
        ("skype:echo123?call", "skype"),
        ("mailto:bob@example.com", "mailto"),
        ("sms:+4930123", "sms"),
        ("tel+evil:123", "tel+evil"),
    ];
    for (input, scheme) in cases {
        assert_eq!(
            parse_link(input),
            Err(LinkError::UnsupportedScheme(scheme.to_owned())),
            "{input}"
        );
    }
    // A scheme hidden behind white space or control characters is no scheme: what is left
    // is not a number either.
    for input in ["java\tscript:alert(1)", "\u{0}javascript:alert(1)"] {
        assert!(
            matches!(parse_link(input), Err(LinkError::InvalidNumber { .. })),
            "{input:?}"
        );
    }
}

#[test]
fn huge_input_is_refused_early() {
    for input in [
        format!("tel:+{}", "1".repeat(10_000)),
        format!("sip:{}@example.com", "a".repeat(10_000)),
        format!("callto:{}", "1".repeat(10_000)),
        "9".repeat(10_000),
        format!("javascript:{}", "x".repeat(10_000)),
    ] {
        assert_eq!(
            parse_link(&input),
            Err(LinkError::TooLong {
                max: dialtone_links::MAX_INPUT_LEN,
                unit: "characters"
            })
        );
    }
}

#[test]
fn errors_do_not_carry_raw_control_characters() {
    let err = parse_link("1\r\nVia: x").unwrap_err().to_string();
    assert!(!err.contains('\r') && !err.contains('\n'), "{err}");
    assert!(err.contains("\\r\\n"), "{err}");
}
