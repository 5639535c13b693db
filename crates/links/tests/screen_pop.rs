//! Screen-pop templates: encoding, placeholders and refusing what is not an http(s) URL.
#![allow(clippy::unwrap_used)]

use dialtone_links::{screen_pop_url, validate_screen_pop_template, LinkError, ScreenPopVars};

fn vars() -> ScreenPopVars<'static> {
    ScreenPopVars {
        e164: Some("+49301234567".into()),
        number: "030 123&4".into(),
        name: Some("Jürgen Müller & Söhne".into()),
        call_id: "a84b4c76e66710@pc33".into(),
        direction: "inbound",
        account_id: "work/1".into(),
    }
}

#[test]
fn all_placeholders_are_filled_and_encoded() {
    let url = screen_pop_url(
        "https://crm.example.com/pop?e={e164}&n={number}&who={name}&id={callId}&d={direction}&a={accountId}",
        &vars(),
    )
    .unwrap();
    assert_eq!(
        url,
        "https://crm.example.com/pop?e=%2B49301234567&n=030%20123%264\
         &who=J%C3%BCrgen%20M%C3%BCller%20%26%20S%C3%B6hne&id=a84b4c76e66710%40pc33\
         &d=inbound&a=work%2F1"
    );
}

#[test]
fn values_cannot_escape_their_component() {
    let mut v = vars();
    v.name = Some("x#frag?a=b/../../admin".into());
    v.number = "+1 (201) 555-0123".into();
    let url = screen_pop_url("http://10.0.0.5:8080/c/{name}?q={number}", &v).unwrap();
    assert_eq!(
        url,
        "http://10.0.0.5:8080/c/x%23frag%3Fa%3Db%2F..%2F..%2Fadmin?q=%2B1%20%28201%29%20555-0123"
    );
    let parsed = url::Url::parse(&url).unwrap();
    assert_eq!(parsed.fragment(), None);
    assert_eq!(parsed.host_str(), Some("10.0.0.5"));
}

#[test]
fn missing_values_are_empty() {
    let mut v = vars();
    v.e164 = None;
    v.name = None;
    assert_eq!(
        screen_pop_url("https://crm.example.com/?e={e164}&n={name}#{direction}", &v).unwrap(),
        "https://crm.example.com/?e=&n=#inbound"
    );
}

#[test]
fn a_template_without_placeholders_is_a_url() {
    assert_eq!(
        screen_pop_url("HTTPS://CRM.example.com", &vars()).unwrap(),
        "https://crm.example.com/"
    );
}

#[test]
fn unknown_and_unbalanced_placeholders() {
    for (t, name) in [
        ("https://crm.example.com/{phone}", "phone"),
        ("https://crm.example.com/{E164}", "E164"),
        ("https://crm.example.com/{call_id}", "call_id"),
        ("https://crm.example.com/{}", ""),
    ] {
        assert_eq!(
            validate_screen_pop_template(t),
            Err(LinkError::UnknownPlaceholder(name.to_owned())),
            "{t}"
        );
        assert_eq!(
            screen_pop_url(t, &vars()),
            Err(LinkError::UnknownPlaceholder(name.to_owned())),
            "{t}"
        );
    }
    for t in [
        "https://crm.example.com/{e164",
        "https://crm.example.com/e164}",
        "https://crm.example.com/{{e164}}",
        "https://crm.example.com/{e1{64}",
    ] {
        assert!(
            matches!(
                validate_screen_pop_template(t),
                Err(LinkError::InvalidTemplate { .. })
            ),
            "{t}"
        );
    }
}

#[test]
fn only_http_urls_with_a_fixed_host() {
    let cases = [
        "javascript:alert({name})",
        "javascript:alert(1)",
        "JAVASCRIPT://crm.example.com/%0aalert(1)",
        "data:text/html,{name}",
        "file:///etc/{name}",
        "{e164}",
        "{direction}://crm.example.com/",
        "https://{name}/",
        "https://crm.{accountId}.example.com/",
        "https://user:{name}@crm.example.com/",
        "https://crm.example.com:{number}/",
        "https://crm.example.com{number}",
        "https:///{name}",
        "https://",
        "crm.example.com/{e164}",
        "",
        "https://crm.example.com/\n{name}",
        "\thttps://crm.example.com/",
        "https://cr m.example.com/",
    ];
    for t in cases {
        let err = validate_screen_pop_template(t).unwrap_err();
        assert!(
            matches!(err, LinkError::InvalidTemplate { .. }),
            "{t:?}: {err:?}"
        );
        assert_eq!(screen_pop_url(t, &vars()), Err(err), "{t:?}");
    }
    // A value cannot make a scheme either: with a name of `javascript`, the template below
    // is still refused before anything is filled in.
    let mut v = vars();
    v.name = Some("javascript".into());
    assert!(screen_pop_url("{name}:alert(1)", &v).is_err());
}

#[test]
fn valid_templates() {
    for t in [
        "https://crm.example.com/search?phone={e164}",
        "http://127.0.0.1:8080/pop/{callId}",
        "https://crm.example.com/#/contacts?q={number}&n={name}",
        "https://[::1]:8443/?d={direction}&a={accountId}",
        "https://crm.example.com?q={e164}",
    ] {
        assert_eq!(validate_screen_pop_template(t), Ok(()), "{t}");
        let url = screen_pop_url(t, &vars()).unwrap();
        assert!(url.starts_with("http"), "{url}");
    }
}

#[test]
fn long_templates_are_refused() {
    let t = format!("https://crm.example.com/{}", "a".repeat(10_000));
    assert!(matches!(
        validate_screen_pop_template(&t),
        Err(LinkError::TooLong { .. })
    ));
}
