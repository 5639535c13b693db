//! A seeded sweep of awkward strings through every entry point: answers, never panics, and
//! whatever is accepted is clean.
#![allow(clippy::unwrap_used)]

use dialtone_links::{
    parse_link, screen_pop_url, validate_screen_pop_template, Link, LinkError, ScreenPopVars,
};

const PIECES: &[&str] = &[
    "0",
    "1",
    "9",
    "+",
    "*",
    "#",
    "-",
    ".",
    "(",
    ")",
    "/",
    " ",
    "%",
    "%2",
    "%20",
    "%2B",
    "%3B",
    "%00",
    "%FF",
    "%C3%BC",
    ":",
    "::",
    "@",
    ";",
    "=",
    "?",
    "&",
    "[",
    "]",
    "<",
    ">",
    "\"",
    "\0",
    "\r\n",
    "\t",
    "ü",
    "ß",
    "\u{a0}",
    "a",
    "Z",
    "p",
    "ext=",
    "phone-context=",
    "isub=",
    "sip:",
    "tel:",
    "//",
    "{",
    "}",
    "{e164}",
    "{name}",
    "example.com",
    "[::1]",
    "127.0.0.1",
    ":5060",
    "(0)",
    "00",
];
const STARTS: &[&str] = &[
    "",
    "tel:",
    "TEL:",
    "tel://",
    "sip:",
    "sips:",
    "SIP:",
    "callto:",
    "callto://",
    "javascript:",
    "https://crm.example.com/",
    "http://",
    "{number}",
];

fn strings() -> Vec<String> {
    let mut seed: u64 = 0x0bad_cafe_f00d_d00d;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap()
    };
    (0..4000)
        .map(|_| {
            let mut s = STARTS[next() % STARTS.len()].to_owned();
            for _ in 0..(next() % 12) {
                s.push_str(PIECES[next() % PIECES.len()]);
            }
            s
        })
        .collect()
}

#[test]
fn parse_link_accepts_only_clean_things() {
    let mut accepted = 0;
    for s in strings() {
        match parse_link(&s) {
            Ok(Link::Number(n)) => {
                accepted += 1;
                let digits = n.number.strip_prefix('+').unwrap_or(&n.number);
                assert!(
                    !digits.is_empty()
                        && digits
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == '*' || c == '#'),
                    "{s:?} gave {n:?}"
                );
                if let Some(ext) = &n.extension {
                    assert!(ext.chars().all(|c| c.is_ascii_digit()), "{s:?} gave {n:?}");
                }
            }
            Ok(Link::Sip { uri }) => {
                accepted += 1;
                assert!(
                    uri.starts_with("sip:") || uri.starts_with("sips:"),
                    "{s:?} gave {uri}"
                );
                assert!(
                    uri.chars().all(|c| c.is_ascii_graphic()
                        && !matches!(c, '<' | '>' | '"' | '\\' | '{' | '}' | '|' | '^' | '`')),
                    "{s:?} gave {uri:?}"
                );
                assert_eq!(
                    parse_link(&uri),
                    Ok(Link::Sip { uri: uri.clone() }),
                    "{s:?}"
                );
            }
            Ok(other) => panic!("{s:?} gave {other:?}"),
            Err(e) => {
                // Every error can be shown without raw control characters.
                assert!(!e.to_string().chars().any(char::is_control), "{s:?}: {e}");
            }
        }
    }
    assert!(
        accepted > 50,
        "the sweep should also hit valid links ({accepted})"
    );
}

#[test]
fn screen_pop_accepts_only_http_urls() {
    let vars = ScreenPopVars {
        e164: Some("+49301234567".into()),
        number: "0301234567".into(),
        name: Some("A & B".into()),
        call_id: "c1".into(),
        direction: "inbound",
        account_id: "a1".into(),
    };
    for s in strings() {
        let checked = validate_screen_pop_template(&s);
        match screen_pop_url(&s, &vars) {
            Ok(url) => {
                assert_eq!(checked, Ok(()), "{s:?}");
                let parsed = url::Url::parse(&url).unwrap();
                assert!(matches!(parsed.scheme(), "http" | "https"), "{s:?}");
            }
            Err(LinkError::InvalidTemplate { .. })
            | Err(LinkError::UnknownPlaceholder(_))
            | Err(LinkError::TooLong { .. }) => {}
            Err(e) => panic!("{s:?}: unexpected {e:?}"),
        }
    }
}
