#![allow(clippy::unwrap_used)]

use super::*;

const RFC2617_NONCE: &str = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
const RFC2617_OPAQUE: &str = "5ccc069c403ebaf9f0171e9517f40e41";
const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
const SIP_NONCE: &str = "84a4cc6f3082121f32b42a2187831a9e";

fn sip_challenge(algorithm: Algorithm, qop: Vec<Qop>) -> Challenge {
    Challenge {
        realm: "atlanta.com".into(),
        nonce: SIP_NONCE.into(),
        opaque: None,
        algorithm,
        qop,
        stale: false,
    }
}

fn alice(ch: Challenge) -> DigestClient {
    DigestClient::new("alice", Password::new("s3cr3t"), ch)
}

/// Value of `name` in an Authorization header produced by `authorize`.
fn param(header: &str, name: &str) -> Option<String> {
    let rest = header.strip_prefix("Digest ")?;
    rest.split(", ").find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.trim_matches('"').to_owned())
    })
}

// ---------------------------------------------------------------- RFC examples

#[test]
fn rfc2617_section_3_5_example() {
    let ch = parse_challenge(
        "Digest\r\n                 realm=\"testrealm@host.com\",\r\n                 \
         qop=\"auth,auth-int\",\r\n                 \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n                 \
         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    )
    .unwrap();
    assert_eq!(ch.realm, "testrealm@host.com");
    assert_eq!(ch.qop, vec![Qop::Auth, Qop::AuthInt]);
    assert_eq!(ch.algorithm, Algorithm::Md5);
    let mut c = DigestClient::new("Mufasa", Password::new("Circle Of Life"), ch);
    let h = c.authorize("GET", "/dir/index.html", b"", "0a4f113b");
    assert_eq!(
        h,
        format!(
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", nonce=\"{RFC2617_NONCE}\", \
             uri=\"/dir/index.html\", response=\"6629fae49393a05397450978507c4ef1\", \
             algorithm=MD5, cnonce=\"0a4f113b\", qop=auth, nc=00000001, opaque=\"{RFC2617_OPAQUE}\""
        )
    );
}

fn rfc7616_challenge(alg: &str) -> Challenge {
    parse_challenge(&format!(
        "Digest\r\n    realm=\"http-auth@example.org\",\r\n    qop=\"auth, auth-int\",\r\n    \
         algorithm={alg},\r\n    nonce=\"{RFC7616_NONCE}\",\r\n    opaque=\"{RFC7616_OPAQUE}\""
    ))
    .unwrap()
}

#[test]
fn rfc7616_section_3_9_1_sha256_example() {
    let ch = rfc7616_challenge("SHA-256");
    assert_eq!(ch.algorithm, Algorithm::Sha256);
    assert_eq!(ch.qop, vec![Qop::Auth, Qop::AuthInt]);
    let mut c = DigestClient::new("Mufasa", Password::new("Circle of Life"), ch);
    let h = c.authorize("GET", "/dir/index.html", b"", RFC7616_CNONCE);
    assert_eq!(
        param(&h, "response").unwrap(),
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
    );
    assert!(h.contains(", algorithm=SHA-256, "), "{h}");
    assert!(
        h.contains(&format!(
            "cnonce=\"{RFC7616_CNONCE}\", qop=auth, nc=00000001"
        )),
        "{h}"
    );
    assert!(
        h.ends_with(&format!(", opaque=\"{RFC7616_OPAQUE}\"")),
        "{h}"
    );
}

#[test]
fn rfc7616_section_3_9_1_md5_example() {
    let ch = rfc7616_challenge("MD5");
    assert_eq!(ch.algorithm, Algorithm::Md5);
    let mut c = DigestClient::new("Mufasa", Password::new("Circle of Life"), ch);
    let h = c.authorize("GET", "/dir/index.html", b"", RFC7616_CNONCE);
    assert_eq!(
        param(&h, "response").unwrap(),
        "8ca523f5e9506fed4657c9700eebdbec"
    );
    assert_eq!(param(&h, "algorithm").unwrap(), "MD5");
}

#[test]
fn rfc2069_no_qop() {
    // RFC 2069 section 2.4's example; the response printed there is wrong (erratum), this is
    // MD5(MD5(A1):nonce:MD5(A2)) for its inputs.
    let ch = parse_challenge(&format!(
        "Digest realm=\"testrealm@host.com\", nonce=\"{RFC2617_NONCE}\", opaque=\"{RFC2617_OPAQUE}\""
    ))
    .unwrap();
    assert!(ch.qop.is_empty());
    let mut c = DigestClient::new("Mufasa", Password::new("CircleOfLife"), ch);
    let h = c.authorize("GET", "/dir/index.html", b"", "ignored");
    assert_eq!(
        param(&h, "response").unwrap(),
        "1949323746fe6a43ef61f9606e7febea"
    );
    assert!(!h.contains("cnonce="), "{h}");
    assert!(!h.contains("qop="), "{h}");
    assert!(!h.contains("nc="), "{h}");
    assert!(h.contains("algorithm=MD5"), "{h}");
    assert_eq!(param(&h, "opaque").unwrap(), RFC2617_OPAQUE);
}

// ---------------------------------------------------------------- algorithms and qop

#[test]
fn md5_sess() {
    let mut c = alice(sip_challenge(Algorithm::Md5Sess, vec![Qop::Auth]));
    let h = c.authorize("REGISTER", "sip:atlanta.com", b"", "0a4f113b");
    assert_eq!(
        param(&h, "response").unwrap(),
        "a622624c80322ad64493c33644a2565b"
    );
    assert_eq!(param(&h, "algorithm").unwrap(), "MD5-sess");
}

#[test]
fn sha256_sess() {
    let mut c = alice(sip_challenge(Algorithm::Sha256Sess, vec![Qop::Auth]));
    let h = c.authorize("REGISTER", "sip:atlanta.com", b"", "0a4f113b");
    assert_eq!(
        param(&h, "response").unwrap(),
        "fcf45b19f81182dbfdc0e6511ecc93ec656895b8d27a34e3225e665a45245b3c"
    );
    assert_eq!(param(&h, "algorithm").unwrap(), "SHA-256-sess");
}

#[test]
fn sess_without_qop_still_sends_cnonce() {
    let mut c = alice(sip_challenge(Algorithm::Md5Sess, vec![]));
    let h = c.authorize("REGISTER", "sip:atlanta.com", b"", "0a4f113b");
    assert_eq!(
        param(&h, "response").unwrap(),
        "3fd4207423943915a3e09c72a3745bc1"
    );
    assert_eq!(param(&h, "cnonce").unwrap(), "0a4f113b");
    assert!(!h.contains("qop="), "{h}");
    assert!(!h.contains("nc="), "{h}");
}

#[test]
fn auth_int_only_hashes_body() {
    let mut c = alice(sip_challenge(Algorithm::Md5, vec![Qop::AuthInt]));
    let h = c.authorize("INVITE", "sip:bob@biloxi.com", b"v=0\r\n", "0a4f113b");
    assert_eq!(
        param(&h, "response").unwrap(),
        "0ea94fd6d991af4fb3d36b30797cf399"
    );
    assert_eq!(param(&h, "qop").unwrap(), "auth-int");

    let mut c = alice(sip_challenge(Algorithm::Sha256, vec![Qop::AuthInt]));
    let h = c.authorize("INVITE", "sip:bob@biloxi.com", b"", "0a4f113b");
    assert_eq!(
        param(&h, "response").unwrap(),
        "4cde4eb8d202cee89ee178fb2a51227e38357ed37bcf0d49a4fd6930f9472a10"
    );
}

#[test]
fn auth_preferred_over_auth_int_whatever_the_order() {
    let mut c = alice(sip_challenge(Algorithm::Md5, vec![Qop::AuthInt, Qop::Auth]));
    let h = c.authorize("REGISTER", "sip:atlanta.com", b"body", "abc");
    assert_eq!(param(&h, "qop").unwrap(), "auth");
    // Body does not matter with qop=auth: same response as the nc test below.
    assert_eq!(
        param(&h, "response").unwrap(),
        "5b52ebd8aa7c1d31b24800e93acf375f"
    );
}

// ---------------------------------------------------------------- nonce count

#[test]
fn nc_counts_and_resets_on_new_nonce() {
    let mut c = alice(sip_challenge(Algorithm::Md5, vec![Qop::Auth]));
    assert_eq!(c.nc(), 0);
    let expected = [
        ("00000001", "5b52ebd8aa7c1d31b24800e93acf375f"),
        ("00000002", "4e5c03c5a9da5b429e5fcfb5df3f237a"),
        ("00000003", "7b9cdae79d90b6e6bbbad8fcf60e946f"),
    ];
    for (i, (nc, resp)) in expected.iter().enumerate() {
        let h = c.authorize("REGISTER", "sip:atlanta.com", b"", "abc");
        assert_eq!(c.nc(), i as u32 + 1);
        assert_eq!(param(&h, "nc").unwrap(), *nc);
        assert_eq!(param(&h, "response").unwrap(), *resp);
    }

    // Same nonce again (e.g. a repeated challenge): keeps counting.
    let mut same = sip_challenge(Algorithm::Md5, vec![Qop::Auth]);
    same.stale = true;
    c.update(same.clone());
    assert_eq!(c.nc(), 3);
    assert_eq!(c.challenge(), &same);
    let h = c.authorize("REGISTER", "sip:atlanta.com", b"", "abc");
    assert_eq!(param(&h, "nc").unwrap(), "00000004");

    // New nonce: back to 1.
    let mut fresh = sip_challenge(Algorithm::Md5, vec![Qop::Auth]);
    fresh.nonce = "newnonce".into();
    c.update(fresh);
    assert_eq!(c.nc(), 0);
    let h = c.authorize("REGISTER", "sip:atlanta.com", b"", "abc");
    assert_eq!(c.nc(), 1);
    assert_eq!(param(&h, "nc").unwrap(), "00000001");
    assert_eq!(param(&h, "nonce").unwrap(), "newnonce");
    assert_eq!(
        param(&h, "response").unwrap(),
        "17b2c6e4d735a1b0ec9c4b22e6a64873"
    );
}

// ---------------------------------------------------------------- output quoting

#[test]
fn quoted_values_are_escaped() {
    let mut ch = sip_challenge(Algorithm::Md5, vec![Qop::Auth]);
    ch.realm = r#"we"ird\realm"#.into();
    ch.opaque = Some("a,b".into());
    let mut c = DigestClient::new(r#"al"ice"#, Password::new("pw"), ch);
    let h = c.authorize("REGISTER", "sip:x\r\ny", b"", "c\"n");
    assert!(h.contains(r#"username="al\"ice""#), "{h}");
    assert!(h.contains(r#"realm="we\"ird\\realm""#), "{h}");
    assert!(h.contains(r#"cnonce="c\"n""#), "{h}");
    assert!(h.contains(r#"opaque="a,b""#), "{h}");
    assert!(!h.contains('\r') && !h.contains('\n'), "{h}");
}

#[test]
fn parse_round_trips_escapes() {
    let ch = parse_challenge(r#"Digest realm="we\"ird\\realm", nonce="n""#).unwrap();
    assert_eq!(ch.realm, r#"we"ird\realm"#);
}

// ---------------------------------------------------------------- choose_challenge

const MD5_CH: &str = r#"Digest realm="atlanta.com", nonce="n1", algorithm=MD5, qop="auth""#;
const SHA_CH: &str = r#"Digest realm="atlanta.com", nonce="n2", algorithm=SHA-256, qop="auth""#;
const SHA512_CH: &str =
    r#"Digest realm="atlanta.com", nonce="n3", algorithm=SHA-512-256, qop="auth""#;

#[test]
fn choose_prefers_sha256_in_either_order() {
    for values in [[MD5_CH, SHA_CH], [SHA_CH, MD5_CH]] {
        let ch = choose_challenge(&values, None).unwrap();
        assert_eq!(ch.algorithm, Algorithm::Sha256);
        assert_eq!(ch.nonce, "n2");
    }
}

#[test]
fn choose_skips_unsupported_and_garbage() {
    let ch = choose_challenge(
        &[SHA512_CH, "Basic realm=\"x\"", "Digest realm=", MD5_CH],
        None,
    )
    .unwrap();
    assert_eq!(ch.algorithm, Algorithm::Md5);
    assert_eq!(ch.nonce, "n1");
    assert_eq!(
        choose_challenge(&[SHA512_CH], None),
        Err(DigestError::NoUsableChallenge)
    );
    assert_eq!(
        choose_challenge(&[], None),
        Err(DigestError::NoUsableChallenge)
    );
}

#[test]
fn choose_ranks_sess_variants_as_declared() {
    let md5s = r#"Digest realm="r", nonce="a", algorithm=MD5-sess"#;
    let sha = r#"Digest realm="r", nonce="b", algorithm=SHA-256"#;
    let shas = r#"Digest realm="r", nonce="c", algorithm=SHA-256-sess"#;
    let md5 = r#"Digest realm="r", nonce="d""#;
    assert_eq!(choose_challenge(&[md5, md5s], None).unwrap().nonce, "a");
    assert_eq!(
        choose_challenge(&[shas, sha, md5s], None).unwrap().nonce,
        "c"
    );
    // Equal strength: the first offered wins.
    let md5b = r#"Digest realm="r", nonce="e""#;
    assert_eq!(choose_challenge(&[md5, md5b], None).unwrap().nonce, "d");
}

#[test]
fn choose_honours_realm_filter() {
    let other_sha = r#"Digest realm="biloxi.com", nonce="n4", algorithm=SHA-256"#;
    let ch = choose_challenge(&[other_sha, MD5_CH], Some("atlanta.com")).unwrap();
    assert_eq!(ch.nonce, "n1");
    let ch = choose_challenge(&[other_sha, MD5_CH], Some("biloxi.com")).unwrap();
    assert_eq!(ch.nonce, "n4");
    assert_eq!(
        choose_challenge(&[other_sha, MD5_CH], Some("ATLANTA.COM")),
        Err(DigestError::NoUsableChallenge)
    );
    let ch = choose_challenge(&[other_sha, MD5_CH], None).unwrap();
    assert_eq!(ch.nonce, "n4");
}

// ---------------------------------------------------------------- messy parsing

#[test]
fn parse_lowercase_scheme_no_spaces_unquoted_md5() {
    let ch =
        parse_challenge(r#"digest realm="a.com",nonce="xyz",algorithm=md5,stale=TRUE"#).unwrap();
    assert_eq!(
        ch,
        Challenge {
            realm: "a.com".into(),
            nonce: "xyz".into(),
            opaque: None,
            algorithm: Algorithm::Md5,
            qop: vec![],
            stale: true,
        }
    );
}

#[test]
fn parse_case_insensitive_names_and_values() {
    let ch = parse_challenge(
        r#"DIGEST REALM="a.com", Nonce=xyz, ALGORITHM="sha-256-SESS", QOP="AUTH-INT", Stale=false"#,
    )
    .unwrap();
    assert_eq!(ch.realm, "a.com");
    assert_eq!(ch.nonce, "xyz");
    assert_eq!(ch.algorithm, Algorithm::Sha256Sess);
    assert_eq!(ch.qop, vec![Qop::AuthInt]);
    assert!(!ch.stale);
}

#[test]
fn parse_qop_list_and_unknown_qop_values() {
    let ch = parse_challenge(r#"Digest realm="r", nonce="n", qop="auth,auth-int""#).unwrap();
    assert_eq!(ch.qop, vec![Qop::Auth, Qop::AuthInt]);
    let ch = parse_challenge(r#"Digest realm="r", nonce="n", qop=" auth-int , x-new,auth,auth""#)
        .unwrap();
    assert_eq!(ch.qop, vec![Qop::AuthInt, Qop::Auth]);
    let ch = parse_challenge(r#"Digest realm="r", nonce="n", qop=auth"#).unwrap();
    assert_eq!(ch.qop, vec![Qop::Auth]);
    assert_eq!(
        parse_challenge(r#"Digest realm="r", nonce="n", qop="x-new""#),
        Err(DigestError::UnsupportedQop("x-new".into()))
    );
}

#[test]
fn parse_opaque_with_comma_and_unknown_params() {
    let ch = parse_challenge(
        r#"Digest realm="r", domain="sip:a.com sip:b.com", nonce="n", opaque="x,y=z, w", charset=UTF-8, userhash=false"#,
    )
    .unwrap();
    assert_eq!(ch.opaque.as_deref(), Some("x,y=z, w"));
    assert_eq!(ch.nonce, "n");
}

#[test]
fn parse_folded_header() {
    let ch = parse_challenge(
        "Digest realm=\"atlanta.com\",\r\n\tdomain=\"sip:ss1.carrier.com\", qop=\"auth\",\r\n  \
         nonce=\"f84f1cec41e6cbe5aea9c8e88d359\",\r\n opaque=\"\", stale=FALSE, algorithm=MD5",
    )
    .unwrap();
    assert_eq!(ch.realm, "atlanta.com");
    assert_eq!(ch.nonce, "f84f1cec41e6cbe5aea9c8e88d359");
    assert_eq!(ch.opaque.as_deref(), Some(""));
    assert_eq!(ch.qop, vec![Qop::Auth]);
    assert!(!ch.stale);
}

#[test]
fn parse_fold_inside_quoted_string_drops_line_break() {
    let ch = parse_challenge("Digest realm=\"a\r\n b\", nonce=\"n\"").unwrap();
    assert_eq!(ch.realm, "a b");
    assert!(matches!(
        parse_challenge("Digest realm=\"a\r\nb\", nonce=\"n\""),
        Err(DigestError::Syntax { .. })
    ));
}

#[test]
fn parse_leading_whitespace_empty_elements_and_missing_commas() {
    let ch = parse_challenge("  Digest  realm=\"r\" ,, nonce=\"n\"  opaque=o ,").unwrap();
    assert_eq!(ch.realm, "r");
    assert_eq!(ch.nonce, "n");
    assert_eq!(ch.opaque.as_deref(), Some("o"));
}

#[test]
fn parse_errors() {
    assert_eq!(
        parse_challenge(r#"Basic realm="r""#),
        Err(DigestError::NotDigest("Basic".into()))
    );
    assert_eq!(
        parse_challenge(""),
        Err(DigestError::NotDigest(String::new()))
    );
    assert_eq!(
        parse_challenge(r#"Digest realm="r", nonce="n", algorithm=SHA-512-256"#),
        Err(DigestError::UnsupportedAlgorithm("SHA-512-256".into()))
    );
    assert_eq!(
        parse_challenge(r#"Digest nonce="n""#),
        Err(DigestError::MissingParam("realm"))
    );
    assert_eq!(
        parse_challenge(r#"Digest realm="r""#),
        Err(DigestError::MissingParam("nonce"))
    );
    assert_eq!(
        parse_challenge("Digest"),
        Err(DigestError::MissingParam("realm"))
    );
    for bad in [
        r#"Digest realm="r, nonce="n""#,           // unterminated quote
        r#"Digest realm="r", nonce"#,              // no '='
        r#"Digest realm="r", nonce=, opaque=x"#,   // empty value
        r#"Digest realm="r", nonce="n"x=y"#,       // no separator
        r#"Digest realm="r", nonce="n\"#,          // escape at end
        r#"Digest realm="r", realm="s", nonce=n"#, // duplicate
        r#"Digest,realm="r", nonce=n"#,
        r#"Digest realm="r", ="n""#,
    ] {
        assert!(
            matches!(parse_challenge(bad), Err(DigestError::Syntax { .. })),
            "{bad}: {:?}",
            parse_challenge(bad)
        );
    }
}

#[test]
fn parse_non_ascii_does_not_panic() {
    let ch = parse_challenge("Digest realm=\"réalm ☎\", nonce=ñ").unwrap();
    assert_eq!(ch.realm, "réalm ☎");
    assert_eq!(ch.nonce, "ñ");
    assert!(parse_challenge("Digest ☎=\"x\"").is_err());
    assert!(parse_challenge("Dïgest realm=\"x\"").is_err());
}

// ---------------------------------------------------------------- names and secrets

#[test]
fn algorithm_names_and_order() {
    assert_eq!(Algorithm::Md5.as_str(), "MD5");
    assert_eq!(Algorithm::Md5Sess.as_str(), "MD5-sess");
    assert_eq!(Algorithm::Sha256.as_str(), "SHA-256");
    assert_eq!(Algorithm::Sha256Sess.as_str(), "SHA-256-sess");
    assert!(Algorithm::Md5 < Algorithm::Md5Sess);
    assert!(Algorithm::Md5Sess < Algorithm::Sha256);
    assert!(Algorithm::Sha256 < Algorithm::Sha256Sess);
    assert_eq!("sha-256".parse::<Algorithm>(), Ok(Algorithm::Sha256));
    assert_eq!(Qop::AuthInt.to_string(), "auth-int");
}

#[test]
fn password_never_shown() {
    let p = Password::new("hunter2-secret");
    assert_eq!(format!("{p:?}"), "***");
    assert_eq!(format!("{p}"), "***");
    assert_eq!(p.expose(), "hunter2-secret");

    let mut c = DigestClient::new(
        "alice",
        p,
        sip_challenge(Algorithm::Sha256, vec![Qop::Auth]),
    );
    let h = c.authorize("REGISTER", "sip:atlanta.com", b"", "abc");
    let response = param(&h, "response").unwrap();
    let dbg = format!("{c:?}");
    let pretty = format!("{c:#?}");
    for s in [&dbg, &pretty] {
        assert!(!s.contains("hunter2"), "{s}");
        assert!(!s.contains(&response), "{s}");
        assert!(s.contains("alice"), "{s}");
        assert!(s.contains("***"), "{s}");
    }
}
