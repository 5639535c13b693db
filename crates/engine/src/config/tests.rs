//! Tests of loading, defaults and every error position.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use super::*;

const PATH: &str = "/etc/dialtone.toml";

fn ok(text: &str) -> Config {
    match Config::parse(text, Some(Path::new(PATH))) {
        Ok(c) => c,
        Err(e) => panic!("rejected: {e}\n---\n{text}"),
    }
}

/// Parses `text`, expecting an error; returns (line, column, message).
fn err(text: &str) -> (usize, usize, String) {
    match Config::parse(text, Some(Path::new(PATH))) {
        Ok(c) => panic!("accepted: {c:?}\n---\n{text}"),
        Err(ConfigError::Invalid {
            path,
            line,
            column,
            message,
        }) => {
            assert_eq!(path, PATH);
            (line, column, message)
        }
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

const ACCOUNT: &str = "[[accounts]]\nid = \"work\"\nuser = \"1001\"\ndomain = \"127.0.0.1\"\n";

#[test]
fn empty_file_gives_defaults() {
    let c = ok("");
    assert_eq!(c.source.as_deref(), Some(Path::new(PATH)));
    let c = Config { source: None, ..c };
    assert_eq!(c, Config::default());

    assert_eq!(c.sip.listen, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(c.sip.port, 5060);
    assert_eq!(c.sip.stray_requests, StrayPolicy::Reject);
    assert_eq!(c.sip.keepalive_interval, 25);
    assert_eq!(c.sip.user_agent, None);
    assert!(c.sip.user_agent().starts_with("Dialtone/"));
    assert_eq!(c.registration.retry_min, 1);
    assert_eq!(c.registration.retry_max, 300);
    assert_eq!(c.local.user, "dialtone");
    assert_eq!(c.local.display_name.as_deref(), Some("Dialtone"));
    assert_eq!(c.log.level, "info");
    assert_eq!(c.log.file, None);
    assert!(c.accounts.is_empty());
}

#[test]
fn account_defaults() {
    let c = ok(ACCOUNT);
    let a = &c.accounts[0];
    assert_eq!(a.id, "work");
    assert_eq!(a.user, "1001");
    assert_eq!(a.auth_user, None);
    assert_eq!(a.auth_user(), "1001");
    assert_eq!(a.display_name, None);
    assert_eq!(
        a.domain,
        HostPort {
            host: "127.0.0.1".into(),
            port: None
        }
    );
    assert_eq!(a.proxy, None);
    assert_eq!(a.transport, Transport::Udp);
    assert_eq!(a.expires, 600);
    assert!(a.enabled);
    assert!(a.register);
    assert_eq!(a.password_env, None);
    assert_eq!(a.realm, None);
    assert_eq!(a.tls_ca_file, None);
    assert_eq!(a.keepalive_interval, None);
    assert_eq!(a.keepalive_interval_or(&c.sip), 25);
    assert_eq!(a.aor(), "sip:1001@127.0.0.1");
    assert!(c.account("work").is_some());
    assert!(c.account("home").is_none());
}

#[test]
fn all_keys_are_read() {
    let c = ok(r#"
[sip]
listen = "::1"
port = 0
stray_requests = "drop"
keepalive_interval = 0
user_agent = "Test/1"
[registration]
retry_min = 2
retry_max = 60
[local]
user = "me"
display_name = "Me"
[log]
level = "dialtone=debug"
file = "logs/d.log"
[[accounts]]
id = "work_2-a"
display_name = "Alice"
user = "1001"
auth_user = "auth1001"
domain = "pbx.example.com:5080"
proxy = "sip:127.0.0.1:5070;transport=tcp"
transport = "tcp"
expires = 10
enabled = false
password_env = "X_PW"
realm = "asterisk"
keepalive_interval = 15
register = false
"#);
    assert_eq!(c.sip.listen, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(c.sip.port, 0);
    assert_eq!(c.sip.stray_requests, StrayPolicy::Drop);
    assert_eq!(c.sip.keepalive_interval, 0);
    assert_eq!(c.sip.user_agent(), "Test/1");
    assert_eq!(
        (c.registration.retry_min, c.registration.retry_max),
        (2, 60)
    );
    assert_eq!(c.local.user, "me");
    assert_eq!(c.local.display_name.as_deref(), Some("Me"));
    assert_eq!(c.log.level, "dialtone=debug");
    assert_eq!(c.log.file, Some(PathBuf::from("/etc/logs/d.log")));
    let a = &c.accounts[0];
    assert_eq!(a.id, "work_2-a");
    assert_eq!(a.display_name.as_deref(), Some("Alice"));
    assert_eq!(a.auth_user(), "auth1001");
    assert_eq!(a.domain.to_string(), "pbx.example.com:5080");
    assert_eq!(a.aor(), "sip:1001@pbx.example.com:5080");
    assert_eq!(
        a.proxy,
        Some(ProxyUri {
            host: "127.0.0.1".into(),
            port: Some(5070),
            transport: Some(Transport::Tcp),
            secure: false
        })
    );
    assert_eq!(a.transport, Transport::Tcp);
    assert_eq!(a.expires, 10);
    assert!(!a.enabled);
    assert!(!a.register);
    assert_eq!(a.password_env.as_deref(), Some("X_PW"));
    assert_eq!(a.realm.as_deref(), Some("asterisk"));
    assert_eq!(a.keepalive_interval_or(&c.sip), 15);
}

#[test]
fn example_file_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/dialtone.example.toml");
    let c = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(c.source.as_deref(), Some(path.as_path()));
    assert_eq!(c.accounts.len(), 2);
    let work = &c.accounts[0];
    assert_eq!(work.id, "work");
    assert_eq!(work.password_env.as_deref(), Some("DIALTONE_WORK_PASSWORD"));
    let home = &c.accounts[1];
    assert_eq!(home.domain.to_string(), "[::1]:5062");
    assert_eq!(home.transport, Transport::Tls);
    assert!(!home.register && !home.enabled);
    assert_eq!(c.sip, SipConfig::default());
    assert_eq!(c.registration, RegistrationConfig::default());
    assert_eq!(c.local, LocalAccount::default());
}

#[test]
fn ipv6_domain() {
    let c = ok("[[accounts]]\nid = \"v6\"\nuser = \"1001\"\ndomain = \"[::1]:5062\"\n");
    let a = &c.accounts[0];
    assert_eq!(a.domain.host, "::1");
    assert_eq!(a.domain.port, Some(5062));
    assert_eq!(a.domain.ip(), Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert_eq!(a.domain.to_string(), "[::1]:5062");
    assert_eq!(a.aor(), "sip:1001@[::1]:5062");
}

#[test]
fn host_port_parsing() {
    let hp = |s: &str| s.parse::<HostPort>();
    let v = |h: &str, p: Option<u16>| {
        Ok(HostPort {
            host: h.to_owned(),
            port: p,
        })
    };
    assert_eq!(hp("example.com"), v("example.com", None));
    assert_eq!(hp("example.com:5080"), v("example.com", Some(5080)));
    assert_eq!(hp("10.0.0.1:5060"), v("10.0.0.1", Some(5060)));
    assert_eq!(hp("[::1]"), v("::1", None));
    assert_eq!(hp("::1"), v("::1", None));
    assert_eq!(hp("[fe80::1]:5"), v("fe80::1", Some(5)));
    for bad in [
        "",
        "example.com:",
        "example.com:0",
        "example.com:70000",
        "[::1",
        "[::1]5060",
        "[nope]:5060",
        "a b",
        "sip:example.com",
        "::1:5060:x",
        ".example.com",
    ] {
        assert!(hp(bad).is_err(), "{bad:?} accepted");
    }
    assert_eq!(
        HostPort {
            host: "::1".into(),
            port: None
        }
        .to_string(),
        "[::1]"
    );
}

#[test]
fn proxy_parsing() {
    let p = |s: &str| s.parse::<ProxyUri>();
    assert_eq!(
        p("sip:127.0.0.1:5070;transport=tcp"),
        Ok(ProxyUri {
            host: "127.0.0.1".into(),
            port: Some(5070),
            transport: Some(Transport::Tcp),
            secure: false
        })
    );
    assert_eq!(
        p("sip:proxy.example.com"),
        Ok(ProxyUri {
            host: "proxy.example.com".into(),
            port: None,
            transport: None,
            secure: false
        })
    );
    let sips = p("SIPS:[::1]:5071;lr;Transport=TLS");
    assert_eq!(
        sips,
        Ok(ProxyUri {
            host: "::1".into(),
            port: Some(5071),
            transport: Some(Transport::Tls),
            secure: true
        })
    );
    if let Ok(sips) = sips {
        assert_eq!(sips.to_string(), "sips:[::1]:5071;transport=tls");
    }
    if let Ok(sips_tcp) = p("sips:h;transport=tcp") {
        assert_eq!(sips_tcp.effective_transport(Transport::Udp), Transport::Tls);
    } else {
        panic!("sips:h;transport=tcp rejected");
    }
    if let Ok(plain) = p("sip:h") {
        assert_eq!(plain.effective_transport(Transport::Ws), Transport::Ws);
    }
    for bad in [
        "127.0.0.1:5070",
        "sip:",
        "sip:user@host",
        "sip:host;transport=sctp",
        "sip:host?x=y",
        "sips:host;transport=udp",
        "sip:host;;lr",
        "http://host",
    ] {
        assert!(p(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn transport_basics() {
    assert_eq!(Transport::default(), Transport::Udp);
    let ports: Vec<u16> = Transport::ALL.iter().map(|t| t.default_port()).collect();
    assert_eq!(ports, [5060, 5060, 5061, 80, 443]);
    let names: Vec<String> = Transport::ALL.iter().map(|t| t.to_string()).collect();
    assert_eq!(names, ["udp", "tcp", "tls", "ws", "wss"]);
    assert_eq!("WSS".parse::<Transport>(), Ok(Transport::Wss));
    assert!("x".parse::<Transport>().is_err());
    assert_eq!(StrayPolicy::Drop.to_string(), "drop");
}

// ---- error positions ----

#[test]
fn syntax_error_position() {
    let (l, c, m) = err("[sip]\nport = 5060\nlisten = @\n");
    assert_eq!((l, c), (3, 10), "{m}");
    let (l, c, m) = err("[sip]\nport = 5060 5061\n");
    assert_eq!((l, c), (2, 13), "{m}");
    let (l, c, m) = err("[sip]\nport = 1\nport = 2\n");
    assert_eq!((l, c), (3, 1), "{m}");
    let (l, c, _) = err("[sip\n");
    assert_eq!((l, c), (1, 5));
}

#[test]
fn display_format() {
    let text = format!("{ACCOUNT}\n\ntransport = \"udpx\"\n");
    let e = Config::parse(&text, Some(Path::new(PATH))).err();
    let shown = e.map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        shown,
        "/etc/dialtone.toml:7:13: account `work`: unknown variant `udpx`, \
         expected one of `udp`, `tcp`, `tls`, `ws`, `wss`"
    );
    let e = Config::parse("[sip]\nport = -1\n", None).err();
    let shown = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(shown.starts_with("<config>:2:8: "), "{shown}");
}

#[test]
fn unknown_transport_position() {
    let (l, c, m) = err(&format!("{ACCOUNT}transport = \"udpx\"\n"));
    assert_eq!((l, c), (5, 13));
    assert!(m.contains("unknown variant `udpx`"), "{m}");
}

#[test]
fn unknown_stray_policy_position() {
    let (l, c, m) = err("[sip]\nstray_requests = \"ignore\"\n");
    assert_eq!((l, c), (2, 18));
    assert!(m.contains("`reject`") && m.contains("`drop`"), "{m}");
}

#[test]
fn missing_field_points_at_account_table() {
    let text =
        format!("{ACCOUNT}\n[[accounts]]\nid = \"home\"\ndomain = \"x\"\n\n[sip]\nport = 1\n");
    let (l, c, m) = err(&text);
    assert_eq!((l, c), (6, 1));
    assert_eq!(m, "account `home`: missing field `user`");

    // Without an id, the account is named by its position.
    let (l, c, m) = err(&format!(
        "{ACCOUNT}[[accounts]]\nuser = \"1\"\ndomain = \"x\"\n"
    ));
    assert_eq!((l, c), (5, 1));
    assert_eq!(m, "account #2: missing field `id`");

    // Inline tables too.
    let (l, c, m) = err("accounts = [{ id = \"a\", user = \"1\" }]\n");
    assert_eq!((l, c), (1, 13));
    assert_eq!(m, "account `a`: missing field `domain`");
}

#[test]
fn unknown_key_position() {
    let (l, c, m) = err(&format!("{ACCOUNT}pasword_env = \"X\"\n"));
    assert_eq!((l, c), (5, 1));
    assert!(
        m.starts_with("account `work`: unknown field `pasword_env`"),
        "{m}"
    );

    let (l, c, m) = err("[sip]\n  prot = 5060\n");
    assert_eq!((l, c), (2, 3));
    assert!(m.starts_with("unknown field `prot`"), "{m}");

    let (l, c, m) = err("\n[sipp]\nport = 1\n");
    assert_eq!((l, c), (2, 2));
    assert!(m.starts_with("unknown field `sipp`"), "{m}");
}

#[test]
fn wrong_type_position() {
    let (l, c, m) = err(&format!("{ACCOUNT}expires = \"600\"\n"));
    assert_eq!((l, c), (5, 11));
    assert!(m.starts_with("account `work`: invalid type"), "{m}");
    let (l, c, _) = err("[sip]\nport = 70000\n");
    assert_eq!((l, c), (2, 8));
}

#[test]
fn duplicate_id_points_at_second() {
    let text =
        format!("{ACCOUNT}\n[[accounts]]\nuser = \"1002\"\n  id = \"work\"\ndomain = \"h\"\n");
    let (l, c, m) = err(&text);
    assert_eq!((l, c), (8, 8));
    assert_eq!(m, "account `work`: duplicate id (first used on line 2)");
}

#[test]
fn bad_id_position() {
    let (l, c, m) = err("[[accounts]]\nid = \"my work\"\nuser = \"1\"\ndomain = \"h\"\n");
    assert_eq!((l, c), (2, 6));
    assert!(m.contains("`my work`"), "{m}");
    let (l, c, _) = err("[[accounts]]\nid = \"\"\nuser = \"1\"\ndomain = \"h\"\n");
    assert_eq!((l, c), (2, 6));
}

#[test]
fn bad_user_position() {
    let (l, c, m) = err("[[accounts]]\nid = \"w\"\nuser = \"\"\ndomain = \"h\"\n");
    assert_eq!((l, c), (3, 8));
    assert_eq!(m, "account `w`: user is empty");
    let (l, c, m) = err("[[accounts]]\nid = \"w\"\nuser = \"a@b\"\ndomain = \"h\"\n");
    assert_eq!((l, c), (3, 8));
    assert!(m.starts_with("account `w`: user `a@b`"), "{m}");
}

#[test]
fn bad_domain_position() {
    let (l, c, m) = err("[[accounts]]\nid = \"w\"\nuser = \"1\"\ndomain = \"::1:5060:x\"\n");
    assert_eq!((l, c), (4, 10));
    assert!(m.starts_with("account `w`: domain "), "{m}");
    let (l, c, m) = err("[[accounts]]\nid = \"w\"\nuser = \"1\"\ndomain = \"pbx:99999\"\n");
    assert_eq!((l, c), (4, 10));
    assert!(m.contains("99999"), "{m}");
    let (l, c, _) = err("[[accounts]]\nid = \"w\"\nuser = \"1\"\ndomain = \"sip:pbx\"\n");
    assert_eq!((l, c), (4, 10));
}

#[test]
fn bad_proxy_position() {
    let (l, c, m) = err(&format!("{ACCOUNT}proxy = \"127.0.0.1:5070\"\n"));
    assert_eq!((l, c), (5, 9));
    assert!(m.starts_with("account `work`: proxy "), "{m}");
    let (l, c, m) = err(&format!("{ACCOUNT}proxy = \"sip:h;transport=sctp\"\n"));
    assert_eq!((l, c), (5, 9));
    assert!(m.contains("sctp"), "{m}");
}

#[test]
fn bad_listen_position() {
    let (l, c, m) = err("# comment\n[sip]\nlisten = \"localhost\"\n");
    assert_eq!((l, c), (3, 10));
    assert!(
        m.starts_with("sip.listen: `localhost` is not an IP address"),
        "{m}"
    );
}

#[test]
fn expires_out_of_range_position() {
    let (l, c, m) = err(&format!("{ACCOUNT}expires = 5\n"));
    assert_eq!((l, c), (5, 11));
    assert_eq!(
        m,
        "account `work`: expires 5 is out of range (10-86400 seconds)"
    );
    let (l, c, _) = err(&format!("{ACCOUNT}expires = 100000\n"));
    assert_eq!((l, c), (5, 11));
    // Negative: rejected by the u32 type, same place.
    let (l, c, _) = err(&format!("{ACCOUNT}expires = -1\n"));
    assert_eq!((l, c), (5, 11));
}

#[test]
fn registration_retry_checks() {
    let (l, c, m) = err("[registration]\nretry_min = 0\n");
    assert_eq!((l, c), (2, 13));
    assert!(m.contains("retry_min"), "{m}");
    let (l, c, m) = err("[registration]\nretry_min = 10\nretry_max = 5\n");
    assert_eq!((l, c), (3, 13));
    assert!(m.contains("retry_max"), "{m}");
    // A large retry_min lifts the default cap with it.
    let c = ok("[registration]\nretry_min = 600\n");
    assert_eq!(c.registration.retry_max, 600);
}

#[test]
fn text_values_are_checked() {
    let (l, c, m) = err("[sip]\nuser_agent = \"a\\r\\nVia: x\"\n");
    assert_eq!((l, c), (2, 14));
    assert!(m.contains("control characters"), "{m}");
    let (l, c, _) = err("[log]\nlevel = \"\"\n");
    assert_eq!((l, c), (2, 9));
    let (l, c, _) = err(&format!("{ACCOUNT}password_env = \"A=B\"\n"));
    assert_eq!((l, c), (5, 16));
}

/// A unique scratch folder for file tests.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dialtone-config-test-{}-{name}",
        std::process::id()
    ));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    dir
}

#[test]
fn tls_ca_file_must_exist() {
    let (l, c, m) = err(&format!(
        "{ACCOUNT}transport = \"tls\"\ntls_ca_file = \"/nonexistent/dialtone/ca.pem\"\n"
    ));
    assert_eq!((l, c), (6, 15));
    assert_eq!(
        m,
        "account `work`: tls_ca_file `/nonexistent/dialtone/ca.pem` does not exist"
    );

    // A directory is not a file.
    let dir = scratch("cadir");
    let text = format!("{ACCOUNT}tls_ca_file = \"{}\"\n", dir.display());
    let (l, c, m) = err(&text);
    assert_eq!((l, c), (5, 15));
    assert!(m.ends_with("is not a file"), "{m}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tls_ca_file_relative_to_config() {
    let dir = scratch("carel");
    let ca = dir.join("ca.pem");
    let cfg = dir.join("dialtone.toml");
    let written = std::fs::write(&ca, "not really a pem").and_then(|()| {
        std::fs::write(
            &cfg,
            format!("{ACCOUNT}transport = \"tls\"\ntls_ca_file = \"ca.pem\"\n"),
        )
    });
    if let Err(e) = written {
        panic!("cannot write test files: {e}");
    }
    let loaded = Config::load(&cfg);
    let _ = std::fs::remove_dir_all(&dir);
    match loaded {
        Ok(c) => assert_eq!(c.accounts[0].tls_ca_file.as_deref(), Some(ca.as_path())),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn load_errors() {
    let missing = Path::new("/nonexistent/dialtone/config.toml");
    let e = Config::load(missing).err();
    assert!(
        matches!(&e, Some(ConfigError::Read { path, .. }) if path == missing),
        "{e:?}"
    );
    let shown = e.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        shown.starts_with("cannot read /nonexistent/dialtone/config.toml: "),
        "{shown}"
    );

    // An explicit path must exist.
    assert!(matches!(
        Config::load_or_default(Some(missing)),
        Err(ConfigError::Read { .. })
    ));

    // Errors from a loaded file carry its path.
    let dir = scratch("loaderr");
    let cfg = dir.join("bad.toml");
    if let Err(e) = std::fs::write(&cfg, "[sip]\nport = \"x\"\n") {
        panic!("{e}");
    }
    let e = Config::load(&cfg).err();
    let _ = std::fs::remove_dir_all(&dir);
    match e {
        Some(ConfigError::Invalid {
            path, line, column, ..
        }) => {
            assert_eq!(path, cfg.display().to_string());
            assert_eq!((line, column), (2, 8));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_default_path_gives_defaults() {
    let path = scratch("nodefault").join("absent.toml");
    assert_eq!(Config::load_if_exists(&path).ok(), Some(Config::default()));
    if let Some(p) = Config::default_path() {
        assert!(p.ends_with("config.toml"), "{}", p.display());
    }
}

#[test]
fn call_media_and_audio_defaults() {
    let c = ok(ACCOUNT);
    assert!(c.calls.call_waiting);
    assert!(!c.calls.dnd);
    assert_eq!(c.calls.no_answer_timeout, 60);
    assert_eq!(c.media.codecs, ["opus", "G722", "PCMU", "PCMA"]);
    assert_eq!((c.media.rtp_port_min, c.media.rtp_port_max), (16384, 32767));
    assert_eq!(c.media.ptime, 20);
    assert_eq!(c.audio.backend, AudioBackendKind::Auto);
    assert!(c.audio.echo_cancellation);
    assert_eq!(c.accounts[0].auto_answer, AutoAnswer::Never);
    assert_eq!(c.accounts[0].codecs_or(&c.media), c.media.codecs.as_slice());
}

#[test]
fn codec_lists_are_canonicalised_and_checked() {
    let c = ok(&format!(
        "[media]\ncodecs = [\"pcma\", \"OPUS\"]\n{ACCOUNT}codecs = [\"g722\"]\nauto_answer = \"trusted\"\n"
    ));
    assert_eq!(c.media.codecs, ["PCMA", "opus"]);
    assert_eq!(c.accounts[0].codecs_or(&c.media), ["G722"]);
    assert_eq!(c.accounts[0].auto_answer, AutoAnswer::Trusted);

    let (line, col, msg) = err("[media]\ncodecs = [\"opus\", \"g729\"]\n");
    assert_eq!((line, col), (2, 10));
    assert!(msg.contains("unknown codec `g729`"), "{msg}");
    let (_, _, msg) = err("[media]\ncodecs = []\n");
    assert!(msg.contains("is empty"), "{msg}");
    let (line, _, msg) = err(&format!("{ACCOUNT}codecs = [\"PCMU\", \"pcmu\"]\n"));
    assert_eq!(line, 5);
    assert!(
        msg.contains("account `work`: codecs codec `pcmu` is listed twice"),
        "{msg}"
    );
}

#[test]
fn media_ranges_are_checked() {
    let (line, _, msg) = err("[media]\nrtp_port_min = 20000\nrtp_port_max = 20001\n");
    assert_eq!(line, 3);
    assert!(msg.contains("two ports"), "{msg}");
    let (_, _, msg) = err("[media]\nptime = 25\n");
    assert!(msg.contains("one of 10, 20, 30, 40, 60"), "{msg}");
    let (_, _, msg) = err("[media]\nrtp_port_min = 80\n");
    assert!(msg.contains("below 1024"), "{msg}");
    let (_, _, msg) = err("[calls]\nno_answer_timeout = 0\n");
    assert!(msg.contains("1 to 3600"), "{msg}");
    let (_, _, msg) = err("[audio]\nbackend = \"speakers\"\n");
    assert!(msg.contains("unknown variant `speakers`"), "{msg}");
    let (_, _, msg) = err("[audio]\ninput_file = \"/nonexistent/tone.wav\"\n");
    assert!(msg.contains("does not exist"), "{msg}");
}

#[test]
fn integration_defaults() {
    let c = ok(ACCOUNT);
    assert_eq!(c.dialing.default_region, None);
    assert!(c.dialing.confirm_links);
    assert_eq!(c.dialing.confirm, super::ConfirmPolicy::Ask);
    assert_eq!(c.dialing.confirm_timeout, 30);
    assert!(c.bridge.enabled);
    assert_eq!(c.bridge.port, super::DEFAULT_BRIDGE_PORT);
    assert_eq!(c.bridge.rate_limit_per_minute, 6);
    assert_eq!(c.history.retention_days, 365);
    assert!(c.webhooks.is_empty());
    assert!(c.screen_pop.is_none());
}

#[test]
fn integration_sections_are_read_and_checked() {
    let c = ok(concat!(
        "[dialing]\ndefault_region = \"de\"\nconfirm = \"deny\"\n",
        "[bridge]\nport = 0\nrate_limit_per_minute = 2\n",
        "[history]\ndatabase = \"/tmp/x.db\"\nretention_days = 0\n",
        "[[webhooks]]\nname = \"crm\"\nurl = \"http://127.0.0.1:9/h\"\nevents = [\"call.ended\"]\nsecret_env = \"S\"\n",
        "[screen_pop]\nurl = \"https://crm.example.com/?p={e164}\"\non = \"answered\"\n",
    ));
    assert_eq!(c.dialing.default_region.as_deref(), Some("DE"));
    assert_eq!(c.dialing.confirm, super::ConfirmPolicy::Deny);
    assert_eq!((c.bridge.port, c.bridge.rate_limit_per_minute), (0, 2));
    assert_eq!(
        c.history.database.as_deref(),
        Some(std::path::Path::new("/tmp/x.db"))
    );
    assert_eq!(c.webhooks[0].events, ["call.ended"]);
    assert_eq!(c.webhooks[0].secret, super::SecretSource::Env("S".into()));
    assert_eq!(
        c.screen_pop.map(|s| s.on),
        Some(super::ScreenPopOn::Answered)
    );

    let (line, _, msg) = err("[dialing]\ndefault_region = \"Germany\"\n");
    assert_eq!(line, 2);
    assert!(msg.contains("two-letter ISO 3166"), "{msg}");
    let (_, _, msg) = err("[dialing]\ndefault_region = \"XX\"\n");
    assert!(
        msg.contains("no numbering plan") || msg.contains("numbering plan"),
        "{msg}"
    );
    let c = ok(&format!(
        "{ACCOUNT}[accounts.dial_rules]\nstrip_plus = true\noutside_prefix = \"0\"\n"
    ));
    assert!(c.accounts[0].dial_rules.strip_plus);
    let (_, _, msg) = err(&format!(
        "{ACCOUNT}[accounts.dial_rules]\nstrip_pluss = true\n"
    ));
    assert!(msg.contains("unknown field `strip_pluss`"), "{msg}");
    let (_, _, msg) = err("[[webhooks]]\nname = \"a\"\nurl = \"ftp://x\"\n");
    assert!(msg.contains("http:// or https://"), "{msg}");
    let (line, _, msg) =
        err("[[webhooks]]\nname = \"a\"\nurl = \"http://x\"\nevents = [\"call.exploded\"]\n");
    assert_eq!(line, 4);
    assert!(msg.contains("unknown event `call.exploded`"), "{msg}");
    let (_, _, msg) = err("[[webhooks]]\nname = \"a\"\nurl = \"http://x\"\n[[webhooks]]\nname = \"a\"\nurl = \"http://y\"\n");
    assert!(msg.contains("duplicate name"), "{msg}");
    let (_, _, msg) = err("[bridge]\nrate_limit_per_minute = 0\n");
    assert!(msg.contains("1 to 600"), "{msg}");
    let (_, _, msg) = err("[dialing]\nconfirm = \"maybe\"\n");
    assert!(msg.contains("unknown variant `maybe`"), "{msg}");
    let (_, _, msg) = err("[screen_pop]\nurl = \"javascript:alert(1)\"\n");
    assert!(msg.contains("http:// or https://"), "{msg}");
    let (_, _, msg) = err("[screen_pop]\nurl = \"https://crm.example.com/?p={phone}\"\n");
    assert!(msg.contains("phone"), "unknown placeholder: {msg}");
}

#[test]
fn update_endpoint_is_https_or_plain_http_to_loopback_only() {
    for good in [
        "https://updates.example.com/latest.json",
        "http://127.0.0.1:8080/latest.json",
        "http://[::1]:8080/latest.json",
        "http://localhost/latest.json",
    ] {
        let c = ok(&format!("[app]\nupdate_endpoint = \"{good}\"\n"));
        assert_eq!(c.app.update_endpoint.as_deref(), Some(good));
    }
    for (bad, why) in [
        (
            "http://updates.example.com/latest.json",
            "plain http only to a loopback",
        ),
        (
            "http://10.0.0.1/latest.json",
            "plain http only to a loopback",
        ),
        ("ftp://127.0.0.1/latest.json", "must be an https:// URL"),
        ("https://user@example.com/x", "user name or password"),
    ] {
        let (_, _, msg) = err(&format!("[app]\nupdate_endpoint = \"{bad}\"\n"));
        assert!(msg.contains(why), "{bad}: {msg}");
    }
}
