//! Deterministic tests of the registration state machine: time is injected, nothing sleeps.

use std::time::{Duration, Instant};

use dialtone_api::RegistrationState as S;

use super::*;

const MD5: &str = r#"Digest realm="127.0.0.1", nonce="n-md5", qop="auth", algorithm=MD5"#;
const SHA: &str = r#"Digest realm="127.0.0.1", nonce="n-sha", qop="auth", algorithm=SHA-256"#;

fn settings() -> RegistrationSettings {
    RegistrationSettings {
        auth_user: "1001".into(),
        password: Some(Password::new("secret-1001")),
        request_uri: "sip:127.0.0.1".into(),
        expires: 600,
        realm: None,
        retry_min: Duration::from_secs(1),
        retry_max: Duration::from_secs(300),
        jitter_seed: 42,
    }
}

fn ok(granted: u32) -> RegisterResponse {
    RegisterResponse {
        status: 200,
        reason: "OK".into(),
        granted_expires: Some(granted),
        ..Default::default()
    }
}

fn challenge(status: u16, values: &[&str]) -> RegisterResponse {
    RegisterResponse {
        status,
        reason: if status == 401 {
            "Unauthorized".into()
        } else {
            "Proxy Authentication Required".into()
        },
        challenges: values.iter().map(|v| v.to_string()).collect(),
        ..Default::default()
    }
}

fn states(reg: &mut Registration) -> Vec<S> {
    std::iter::from_fn(|| reg.poll_event())
        .map(|e| e.state)
        .collect()
}

fn request(reg: &mut Registration) -> RegisterRequest {
    match reg.poll_request() {
        Some(r) => r,
        None => panic!("expected a REGISTER, state {reg:?}"),
    }
}

fn auth_value(req: &RegisterRequest) -> &str {
    req.authorization
        .as_ref()
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Registers through one 401 and a 200 granting `granted` seconds.
fn registered(now: Instant, granted: u32) -> Registration {
    let mut reg = Registration::new(settings());
    reg.register(now);
    let r1 = request(&mut reg);
    reg.handle_response(now, r1.cseq, &challenge(401, &[MD5, SHA]));
    let r2 = request(&mut reg);
    reg.handle_response(now, r2.cseq, &ok(granted));
    assert_eq!(reg.state(), S::Registered);
    let _ = states(&mut reg);
    reg
}

#[test]
fn first_register_has_no_credentials_then_answers_the_strongest_challenge() {
    let now = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(now);
    assert_eq!(states(&mut reg), vec![S::Registering]);
    let r1 = request(&mut reg);
    assert_eq!(
        (r1.cseq, r1.expires, r1.authorization.clone()),
        (1, 600, None)
    );

    reg.handle_response(now, 1, &challenge(401, &[MD5, SHA]));
    let r2 = request(&mut reg);
    assert_eq!(r2.cseq, 2);
    let (header, value) = r2
        .authorization
        .clone()
        .unwrap_or((AuthHeader::ProxyAuthorization, String::new()));
    assert_eq!(header, AuthHeader::Authorization);
    assert!(value.contains("algorithm=SHA-256"), "{value}");
    assert!(
        value.contains(r#"nonce="n-sha""#) && value.contains("nc=00000001"),
        "{value}"
    );
    assert!(
        value.contains(r#"uri="sip:127.0.0.1""#) && value.contains(r#"username="1001""#),
        "{value}"
    );
    assert!(!value.contains("secret-1001"));
    assert!(reg.poll_request().is_none());

    reg.handle_response(now, 2, &ok(600));
    let ev = reg.poll_event().unwrap_or_else(|| panic!("no event"));
    assert_eq!(ev.state, S::Registered);
    assert_eq!(ev.expires_at, Some(now + Duration::from_secs(600)));
}

#[test]
fn proxy_challenge_is_answered_with_proxy_authorization() {
    let now = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(now);
    let r1 = request(&mut reg);
    reg.handle_response(now, r1.cseq, &challenge(407, &[MD5]));
    let r2 = request(&mut reg);
    assert_eq!(
        r2.authorization.map(|(h, _)| h),
        Some(AuthHeader::ProxyAuthorization)
    );
}

#[test]
fn refresh_goes_out_at_ninety_percent_of_the_granted_lifetime_reusing_the_nonce() {
    let t0 = Instant::now();
    let mut reg = registered(t0, 300); // asked 600, granted 300
    assert_eq!(reg.poll_timeout(), Some(t0 + Duration::from_secs(270)));

    reg.handle_timeout(t0 + Duration::from_secs(269));
    assert!(reg.poll_request().is_none(), "refreshed too early");

    let t1 = t0 + Duration::from_secs(270);
    reg.handle_timeout(t1);
    let refresh = request(&mut reg);
    assert_eq!(refresh.cseq, 3, "CSeq keeps counting within the binding");
    assert!(
        auth_value(&refresh).contains("nc=00000002"),
        "{}",
        auth_value(&refresh)
    );
    assert!(auth_value(&refresh).contains(r#"nonce="n-sha""#));
    // A refresh is not a user-visible state change.
    assert_eq!(reg.state(), S::Registering);
    reg.handle_response(t1, 3, &ok(300));
    assert_eq!(reg.poll_timeout(), Some(t1 + Duration::from_secs(270)));

    let t2 = t1 + Duration::from_secs(270);
    reg.handle_timeout(t2);
    assert!(auth_value(&request(&mut reg)).contains("nc=00000003"));
}

#[test]
fn a_new_nonce_on_refresh_restarts_the_count() {
    let t0 = Instant::now();
    let mut reg = registered(t0, 100);
    let t1 = t0 + Duration::from_secs(90);
    reg.handle_timeout(t1);
    let r = request(&mut reg);
    let fresh = r#"Digest realm="127.0.0.1", nonce="n-new", qop="auth", algorithm=SHA-256"#;
    reg.handle_response(t1, r.cseq, &challenge(401, &[fresh]));
    let answer = request(&mut reg);
    assert!(
        auth_value(&answer).contains(r#"nonce="n-new""#)
            && auth_value(&answer).contains("nc=00000001")
    );
    reg.handle_response(t1, answer.cseq, &ok(100));
    assert_eq!(reg.state(), S::Registered);
}

#[test]
fn wrong_password_stops_at_auth_failed_without_retrying() {
    let now = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(now);
    let r1 = request(&mut reg);
    reg.handle_response(now, r1.cseq, &challenge(401, &[MD5]));
    let r2 = request(&mut reg);
    let again = r#"Digest realm="127.0.0.1", nonce="n-other", qop="auth""#;
    reg.handle_response(now, r2.cseq, &challenge(401, &[again]));
    assert_eq!(states(&mut reg), vec![S::Registering, S::AuthFailed]);
    assert!(reg.poll_request().is_none());
    assert_eq!(
        reg.poll_timeout(),
        None,
        "auth_failed must not schedule retries"
    );
    reg.handle_timeout(now + Duration::from_secs(3600));
    assert!(reg.poll_request().is_none());

    // The person fixes the password and asks again.
    reg.register(now + Duration::from_secs(3600));
    assert_eq!(request(&mut reg).authorization, None);
}

#[test]
fn forbidden_is_auth_failed_with_a_human_reason() {
    let now = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(now);
    let r1 = request(&mut reg);
    reg.handle_response(
        now,
        r1.cseq,
        &RegisterResponse {
            status: 403,
            reason: "Forbidden".into(),
            ..Default::default()
        },
    );
    let _ = reg.poll_event();
    let ev = reg.poll_event().unwrap_or_else(|| panic!("no event"));
    assert_eq!(ev.state, S::AuthFailed);
    assert!(ev.reason.unwrap_or_default().contains("403 Forbidden"));
}

#[test]
fn stale_nonce_is_answered_again_with_the_same_password() {
    let now = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(now);
    let r1 = request(&mut reg);
    reg.handle_response(now, r1.cseq, &challenge(401, &[MD5]));
    let r2 = request(&mut reg);
    let stale = r#"Digest realm="127.0.0.1", nonce="n-2", qop="auth", stale=true"#;
    reg.handle_response(now, r2.cseq, &challenge(401, &[stale]));
    let r3 = request(&mut reg);
    assert!(auth_value(&r3).contains(r#"nonce="n-2""#) && auth_value(&r3).contains("nc=00000001"));
    reg.handle_response(now, r3.cseq, &ok(600));
    assert_eq!(reg.state(), S::Registered);
}

#[test]
fn challenges_for_a_foreign_realm_are_not_answered() {
    let now = Instant::now();
    let mut reg = Registration::new(RegistrationSettings {
        realm: Some("pbx.example.com".into()),
        ..settings()
    });
    reg.register(now);
    let r1 = request(&mut reg);
    reg.handle_response(now, r1.cseq, &challenge(401, &[MD5, SHA]));
    assert!(
        reg.poll_request().is_none(),
        "credentials sent to a foreign realm"
    );
    assert_eq!(reg.state(), S::Error);
}

#[test]
fn no_password_is_auth_failed() {
    let now = Instant::now();
    let mut reg = Registration::new(RegistrationSettings {
        password: None,
        ..settings()
    });
    reg.register(now);
    let r1 = request(&mut reg);
    reg.handle_response(now, r1.cseq, &challenge(401, &[MD5]));
    assert_eq!(reg.state(), S::AuthFailed);
}

#[test]
fn unreachable_backs_off_exponentially_then_recovers() {
    let t0 = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(t0);
    let mut now = t0;
    let mut delays = Vec::new();
    for _ in 0..10 {
        let r = request(&mut reg);
        reg.handle_failure(now, r.cseq, &Failure::Timeout);
        assert_eq!(reg.state(), S::Unreachable);
        let at = reg
            .poll_timeout()
            .unwrap_or_else(|| panic!("no retry scheduled"));
        delays.push((at - now).as_secs_f64());
        now = at;
        reg.handle_timeout(now);
    }
    let caps = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 300.0];
    for (d, cap) in delays.iter().zip(caps) {
        assert!(*d <= cap && *d >= cap / 2.0, "delays {delays:?}");
    }
    let r = request(&mut reg);
    reg.handle_response(now, r.cseq, &ok(600));
    assert_eq!(reg.state(), S::Registered);
    // After success the next failure starts from the bottom again.
    reg.handle_keepalive_failed(now, "keep-alive unanswered".into());
    let next = reg.poll_timeout().unwrap_or(now) - now;
    assert!(next <= Duration::from_secs(1), "{next:?}");
}

#[test]
fn unreachable_then_registering_events_are_reported() {
    let t0 = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(t0);
    let r = request(&mut reg);
    reg.handle_failure(
        t0,
        r.cseq,
        &Failure::Transport("connection refused by 127.0.0.1:5060".into()),
    );
    let at = reg.poll_timeout().unwrap_or(t0);
    reg.handle_timeout(at);
    let events: Vec<_> = std::iter::from_fn(|| reg.poll_event()).collect();
    assert_eq!(
        events.iter().map(|e| e.state).collect::<Vec<_>>(),
        vec![S::Registering, S::Unreachable, S::Registering]
    );
    let reason = events[1].reason.clone().unwrap_or_default();
    assert!(
        reason.contains("connection refused by 127.0.0.1:5060") && reason.contains("retry in"),
        "{reason}"
    );
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let now = Instant::now();
    let mut reg = Registration::new(RegistrationSettings {
        expires: 30,
        ..settings()
    });
    reg.register(now);
    let r1 = request(&mut reg);
    let too_brief = RegisterResponse {
        status: 423,
        reason: "Interval Too Brief".into(),
        min_expires: Some(60),
        ..Default::default()
    };
    reg.handle_response(now, r1.cseq, &too_brief);
    let r2 = request(&mut reg);
    assert_eq!(r2.expires, 60);
    reg.handle_response(now, r2.cseq, &ok(60));
    assert_eq!(reg.poll_timeout(), Some(now + Duration::from_secs(54)));
    assert_eq!(reg.requested_expires(), 60);

    // A 423 that does not raise the interval is an error, not a loop.
    reg.handle_timeout(now + Duration::from_secs(54));
    let r3 = request(&mut reg);
    reg.handle_response(now, r3.cseq, &too_brief);
    assert!(reg.poll_request().is_none());
    assert_eq!(reg.state(), S::Error);
}

#[test]
fn server_error_honours_retry_after() {
    let now = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(now);
    let r1 = request(&mut reg);
    let busy = RegisterResponse {
        status: 503,
        reason: "Service Unavailable".into(),
        retry_after: Some(30),
        ..Default::default()
    };
    reg.handle_response(now, r1.cseq, &busy);
    assert_eq!(reg.state(), S::Error);
    assert!(reg
        .poll_timeout()
        .is_some_and(|t| t - now >= Duration::from_secs(30)));
}

#[test]
fn unregister_sends_expires_zero_with_credentials_and_ends_unregistered() {
    let now = Instant::now();
    let mut reg = registered(now, 600);
    reg.unregister(now);
    let r = request(&mut reg);
    assert_eq!(r.expires, 0);
    assert!(auth_value(&r).contains("nc=00000002"));
    reg.handle_response(now, r.cseq, &ok(0));
    assert_eq!(states(&mut reg), vec![S::Unregistered]);
    assert!(reg.is_idle());
}

#[test]
fn unregister_answers_one_challenge() {
    let now = Instant::now();
    let mut reg = registered(now, 600);
    reg.unregister(now);
    let r = request(&mut reg);
    let fresh = r#"Digest realm="127.0.0.1", nonce="bye", qop="auth""#;
    reg.handle_response(now, r.cseq, &challenge(401, &[fresh]));
    let r2 = request(&mut reg);
    assert!(auth_value(&r2).contains(r#"nonce="bye""#));
    reg.handle_response(now, r2.cseq, &challenge(401, &[fresh]));
    assert!(reg.poll_request().is_none());
    assert!(reg.is_idle());
}

#[test]
fn lost_connection_re_registers_at_once() {
    let now = Instant::now();
    let mut reg = registered(now, 600);
    reg.handle_connection_lost(now + Duration::from_secs(5));
    let r = request(&mut reg);
    assert_eq!(r.expires, 600);
    assert_eq!(states(&mut reg), vec![S::Registering]);
}

#[test]
fn contact_change_registers_again_even_mid_transaction() {
    let now = Instant::now();
    let mut reg = registered(now, 600);
    reg.handle_contact_changed(now);
    let r = request(&mut reg);
    // Another change while that REGISTER is in flight: one more REGISTER right after.
    reg.handle_contact_changed(now);
    reg.handle_timeout(now);
    let again = request(&mut reg);
    assert!(again.cseq > r.cseq);
}

#[test]
fn a_late_response_to_an_abandoned_request_is_ignored() {
    let now = Instant::now();
    let mut reg = Registration::new(settings());
    reg.register(now);
    let r1 = request(&mut reg);
    reg.handle_failure(now, r1.cseq, &Failure::Timeout);
    reg.handle_timeout(reg.poll_timeout().unwrap_or(now));
    let _r2 = request(&mut reg);
    reg.handle_response(now, r1.cseq, &ok(600));
    assert_eq!(reg.state(), S::Registering);
}
