//! `apply_rules` combinations and `DialRules` config loading.
#![allow(clippy::unwrap_used)]

use dialtone_links::{apply_rules, DialRules, LinkError, Normalized, ReplaceCountry};

fn rules(
    strip_plus: bool,
    outside: Option<&str>,
    replace: Option<(&str, &str)>,
    idd: Option<&str>,
) -> DialRules {
    DialRules {
        strip_plus,
        outside_prefix: outside.map(str::to_owned),
        replace_country: replace.map(|(cc, with)| ReplaceCountry {
            country_code: cc.to_owned(),
            with: with.to_owned(),
        }),
        international_prefix: idd.map(str::to_owned),
    }
}

#[test]
fn combinations() {
    let de = "+4930123";
    let gb = "+442079460958";
    let cases = [
        // Default: as is.
        (rules(false, None, None, None), de, "+4930123"),
        (rules(true, None, None, None), de, "4930123"),
        (rules(false, None, Some(("49", "0")), None), de, "030123"),
        (
            rules(false, None, Some(("49", "0")), None),
            gb,
            "+442079460958",
        ),
        (
            rules(true, None, Some(("49", "0")), None),
            gb,
            "442079460958",
        ),
        (rules(false, None, None, Some("00")), gb, "00442079460958"),
        (
            rules(false, None, Some(("49", "0")), Some("00")),
            de,
            "030123",
        ),
        (
            rules(false, None, Some(("49", "0")), Some("00")),
            gb,
            "00442079460958",
        ),
        // international_prefix wins over strip_plus.
        (rules(true, None, None, Some("00")), gb, "00442079460958"),
        (rules(false, Some("0"), None, None), de, "0+4930123"),
        (rules(true, Some("0"), None, None), de, "04930123"),
        (
            rules(false, Some("0"), Some(("49", "0")), Some("00")),
            de,
            "0030123",
        ),
        (
            rules(false, Some("0"), Some(("49", "0")), Some("00")),
            gb,
            "000442079460958",
        ),
        (
            rules(false, Some("9"), None, Some("011")),
            gb,
            "9011442079460958",
        ),
        // Replacing with nothing gives the national significant number.
        (rules(false, None, Some(("49", "")), None), de, "30123"),
        // A `+` in the country code is tolerated; an empty one never matches.
        (rules(false, None, Some(("+49", "0")), None), de, "030123"),
        (rules(false, None, Some(("", "0")), None), de, "+4930123"),
        // Country code 1 must not catch +1 only by accident of digits: +44 stays.
        (
            rules(false, None, Some(("1", "")), Some("00")),
            gb,
            "00442079460958",
        ),
        (
            rules(false, None, Some(("1", "1")), Some("011")),
            "+12015550123",
            "12015550123",
        ),
    ];
    for (r, number, want) in cases {
        assert_eq!(
            apply_rules(&Normalized::E164(number.to_owned()), &r),
            want,
            "{number} with {r:?}"
        );
    }
}

#[test]
fn short_numbers_are_untouched() {
    let all = rules(true, Some("0"), Some(("49", "0")), Some("00"));
    for short in ["1002", "112", "*97#", "0"] {
        assert_eq!(
            apply_rules(&Normalized::Short(short.to_owned()), &all),
            short
        );
    }
}

#[test]
fn config_loading() {
    let r: DialRules = toml::from_str(
        r#"
        strip_plus = true
        outside_prefix = "0"
        international_prefix = "00"
        replace_country = { country_code = "49", with = "0" }
        "#,
    )
    .unwrap();
    assert_eq!(r, rules(true, Some("0"), Some(("49", "0")), Some("00")));
    assert_eq!(r.validate(), Ok(()));

    let empty: DialRules = toml::from_str("").unwrap();
    assert_eq!(empty, DialRules::default());
    let empty: DialRules = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, DialRules::default());

    for bad in [
        r#"{"stripPlus": true}"#,
        r#"{"strip_plus": true, "prefix": "0"}"#,
        r#"{"replace_country": {"country_code": "49"}}"#,
        r#"{"replace_country": {"country_code": "49", "with": "0", "x": 1}}"#,
        r#"{"strip_plus": "yes"}"#,
    ] {
        assert!(serde_json::from_str::<DialRules>(bad).is_err(), "{bad}");
    }
}

#[test]
fn validation() {
    assert_eq!(DialRules::default().validate(), Ok(()));
    assert_eq!(rules(false, Some("*0#"), None, None).validate(), Ok(()));
    assert_eq!(
        rules(false, None, Some(("353", "")), None).validate(),
        Ok(())
    );
    let cases = [
        (rules(false, Some(""), None, None), "outside_prefix"),
        (rules(false, Some("0a"), None, None), "outside_prefix"),
        (
            rules(false, Some(&"0".repeat(17)), None, None),
            "outside_prefix",
        ),
        (rules(false, None, None, Some("")), "international_prefix"),
        (rules(false, None, None, Some("+")), "international_prefix"),
        (
            rules(false, None, None, Some("*00")),
            "international_prefix",
        ),
        (
            rules(false, None, Some(("+49", "0")), None),
            "replace_country.country_code",
        ),
        (
            rules(false, None, Some(("", "0")), None),
            "replace_country.country_code",
        ),
        (
            rules(false, None, Some(("4912", "0")), None),
            "replace_country.country_code",
        ),
        (
            rules(false, None, Some(("49", "o")), None),
            "replace_country.with",
        ),
    ];
    for (r, field) in cases {
        match r.validate() {
            Err(LinkError::InvalidDialRule { field: f, .. }) => assert_eq!(f, field, "{r:?}"),
            other => panic!("{r:?}: {other:?}"),
        }
    }
}
