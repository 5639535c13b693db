//! `to_e164` and `normalize` against libphonenumber's numbering plans.
#![allow(clippy::unwrap_used)]

use dialtone_links::{normalize, parse_link, to_e164, DialNumber, Link, LinkError, Normalized};

#[test]
fn national_and_international_forms() {
    let cases = [
        // Germany
        ("030 1234567", "DE", "+49301234567"),
        ("030/1234567", "DE", "+49301234567"),
        ("(030) 123 45 67", "DE", "+49301234567"),
        ("+49 30 1234567", "DE", "+49301234567"),
        ("+49 (0)30 1234567", "DE", "+49301234567"),
        ("0049 30 1234567", "DE", "+49301234567"),
        ("0049 30 1234567", "US", "+49301234567"),
        ("+49301234567", "GB", "+49301234567"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("030 1234567", "de", "+49301234567"),
        (" 030 1234567 ", " de ", "+49301234567"),
        // United States
        ("(201) 555-0123", "US", "+12015550123"),
        ("201.555.0123", "US", "+12015550123"),
        ("1-201-555-0123", "US", "+12015550123"),
        ("+1 201 555 0123", "DE", "+12015550123"),
        ("011 49 30 1234567", "US", "+49301234567"),
        ("001 201 555 0123", "DE", "+12015550123"),
        // United Kingdom
        ("020 7946 0958", "GB", "+442079460958"),
        ("07400 123456", "GB", "+447400123456"),
        ("+44 (0)20 7946 0958", "DE", "+442079460958"),
        ("0044 20 7946 0958", "DE", "+442079460958"),
        ("00 44 20 7946 0958", "GB", "+442079460958"),
        // Italy keeps its leading zero after the country code, whatever the default region.
        ("06 6988 1234", "IT", "+390669881234"),
        ("+39 06 6988 1234", "DE", "+390669881234"),
        ("0039 06 6988 1234", "US", "+390669881234"),
    ];
    for (number, region, want) in cases {
        assert_eq!(
            to_e164(number, region).as_deref(),
            Ok(want),
            "{number} in {region}"
        );
    }
}

#[test]
fn invalid_numbers_are_refused() {
    let cases = [
        ("030 12", "DE"),
        ("1002", "DE"),
        ("112", "DE"),
        ("+49 12", "DE"),
        ("+999 1234567", "DE"),
        ("(201) 555-012", "US"),
        ("+1 000 555 0123", "DE"),
        ("0000000000", "GB"),
        ("00", "DE"),
        ("*97#", "DE"),
    ];
    for (number, region) in cases {
        let err = to_e164(number, region).unwrap_err();
        assert!(
            matches!(err, LinkError::NotE164 { .. }),
            "{number} in {region}: {err:?}"
        );
    }
    assert!(matches!(
        to_e164("030 abc", "DE"),
        Err(LinkError::InvalidNumber { .. })
    ));
    assert!(matches!(
        to_e164("", "DE"),
        Err(LinkError::InvalidNumber { .. })
    ));
    assert!(matches!(
        to_e164(&"1".repeat(10_000), "DE"),
        Err(LinkError::TooLong { .. })
    ));
}

#[test]
fn unknown_regions_are_refused() {
    for region in ["", "D", "DEU", "XX", "ZZ", "49", "D1", "Ä", "EU", "de-DE"] {
        assert_eq!(
            to_e164("+49301234567", region),
            Err(LinkError::InvalidRegion(region.to_owned())),
            "{region:?}"
        );
        let n = DialNumber {
            number: "1002".into(),
            ..Default::default()
        };
        assert_eq!(
            normalize(&n, region),
            Err(LinkError::InvalidRegion(region.to_owned())),
            "{region:?}"
        );
    }
}

fn dial(number: &str) -> DialNumber {
    DialNumber {
        number: number.to_owned(),
        ..Default::default()
    }
}

#[test]
fn normalize_sorts_short_and_e164() {
    let e164 = |s: &str| Normalized::E164(s.to_owned());
    let short = |s: &str| Normalized::Short(s.to_owned());
    let cases = [
        ("1002", "DE", short("1002")),
        ("112", "DE", short("112")),
        ("911", "US", short("911")),
        ("999", "GB", short("999")),
        ("123456", "DE", short("123456")),
        ("*97", "DE", short("*97")),
        ("*97#", "US", short("*97#")),
        ("#31#", "DE", short("#31#")),
        ("0", "DE", short("0")),
        ("000", "AU", short("000")),
        ("0301234567", "DE", e164("+49301234567")),
        ("+49301234567", "US", e164("+49301234567")),
        ("004930 1234567", "US", e164("+49301234567")),
        ("2015550123", "US", e164("+12015550123")),
        ("02079460958", "GB", e164("+442079460958")),
    ];
    for (number, region, want) in cases {
        assert_eq!(
            normalize(&dial(number), region),
            Ok(want),
            "{number} in {region}"
        );
    }
    for (number, region) in [("1234567", "DE"), ("0301", "DE"), ("+4912", "DE")] {
        assert!(
            matches!(
                normalize(&dial(number), region),
                Err(LinkError::NotE164 { .. })
            ),
            "{number} in {region}"
        );
    }
    assert!(matches!(
        normalize(&dial("12ab"), "DE"),
        Err(LinkError::InvalidNumber { .. })
    ));
}

#[test]
fn phone_context_picks_the_region() {
    let Ok(Link::Number(n)) = parse_link("tel:030-1234567;phone-context=+49") else {
        panic!("not a number");
    };
    assert_eq!(
        normalize(&n, "US"),
        Ok(Normalized::E164("+49301234567".into()))
    );
    // A domain context leaves the default region in charge.
    let Ok(Link::Number(n)) = parse_link("tel:2015550123;phone-context=example.com") else {
        panic!("not a number");
    };
    assert_eq!(
        normalize(&n, "US"),
        Ok(Normalized::E164("+12015550123".into()))
    );
    // An extension is not part of the number.
    let Ok(Link::Number(n)) = parse_link("tel:+1-201-555-0123;ext=42") else {
        panic!("not a number");
    };
    assert_eq!(
        normalize(&n, "DE"),
        Ok(Normalized::E164("+12015550123".into()))
    );
    assert_eq!(n.extension.as_deref(), Some("42"));
}

/// Deterministic digit strings of every length up to the limit, in several regions: the
/// numbering-plan code must answer (Ok or Err), never panic, and an E.164 answer must be
/// `+` and digits and read back as itself in any region. (Not "at most 15 digits":
/// libphonenumber takes some long German direct-dial numbers as valid, and so do we.)
#[test]
fn many_digit_strings_never_panic() {
    let mut seed: u64 = 0x5eed_1234_abcd_ef01;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let regions = ["DE", "US", "GB", "AU", "FR", "IT", "JP", "BR", "IN", "CH"];
    for round in 0..600 {
        let len = 1 + round % 24;
        let digits: String = (0..len)
            .map(|_| char::from(b'0' + (next() % 10) as u8))
            .collect();
        let prefix = ["", "+", "00", "0", "011"][round % 5];
        let number = format!("{prefix}{digits}");
        let region = regions[round % regions.len()];
        for out in [
            to_e164(&number, region),
            normalize(&dial(&number), region).map(|n| n.as_str().to_owned()),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(d) = out.strip_prefix('+') {
                assert!(
                    !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()),
                    "{number} in {region} gave {out}"
                );
                assert_eq!(to_e164(&out, "JP"), Ok(out.clone()), "{number} in {region}");
            }
        }
    }
}
