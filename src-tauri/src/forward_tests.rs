use chrono::Utc;
use dialtone_api::{
    AccountStatus, CallAnswered, CallEnded, CallIncoming, CallInfo, DialConfirmRequested,
    DialSource, DialSourceKind, Direction, DndChanged, RegistrationChanged,
};

use super::*;

fn env(event: Event) -> Envelope {
    Envelope::new(event, Utc::now())
}

fn account(id: &str, enabled: bool, state: RegistrationState) -> AccountStatus {
    AccountStatus {
        id: id.into(),
        display_name: None,
        aor: format!("sip:{id}@127.0.0.1"),
        transport: "udp".into(),
        enabled,
        state,
        reason: None,
        expires_at: None,
    }
}

fn status(accounts: Vec<AccountStatus>, dnd: bool, calls: Vec<CallState>) -> Status {
    Status {
        version: "0".into(),
        accounts,
        dnd,
        calls: calls
            .into_iter()
            .enumerate()
            .map(|(i, state)| CallInfo {
                call_id: format!("c-{i}"),
                account_id: "a".into(),
                direction: Direction::Outgoing,
                remote: Party::default(),
                state,
                started_at: Utc::now(),
                answered_at: None,
                held: None,
                muted: false,
                codec: None,
            })
            .collect(),
    }
}

#[test]
fn only_calls_not_ended_count_as_up() {
    assert!(!calls_up(&status(vec![], false, vec![])));
    assert!(!calls_up(&status(vec![], false, vec![CallState::Ended])));
    assert!(calls_up(&status(
        vec![],
        false,
        vec![CallState::Ended, CallState::Incoming]
    )));
    assert!(calls_up(&status(vec![], false, vec![CallState::Active])));
}

fn incoming(call_id: &str, name: Option<&str>, number: Option<&str>) -> Envelope {
    env(Event::CallIncoming(CallIncoming {
        call_id: call_id.into(),
        account_id: "a".into(),
        from: Party {
            uri: "sip:1002@pbx".into(),
            number: number.map(Into::into),
            display_name: name.map(Into::into),
        },
        call_waiting: false,
        auto_answer_ms: None,
    }))
}

fn ended(call_id: &str, cause: EndCause) -> Envelope {
    env(Event::CallEnded(CallEnded {
        call_id: call_id.into(),
        cause,
        sip_status: None,
        reason: None,
        duration_ms: 1000,
        talk_ms: 0,
    }))
}

#[test]
fn a_call_in_progress_wins_over_dnd_and_registration() {
    let s = status(
        vec![account("a", true, RegistrationState::AuthFailed)],
        true,
        vec![CallState::Ringing],
    );
    assert_eq!(tray_state(&s), TrayState::InCall);
}

#[test]
fn ended_calls_do_not_count_as_in_call() {
    let s = status(
        vec![account("a", true, RegistrationState::Registered)],
        false,
        vec![CallState::Ended],
    );
    assert_eq!(tray_state(&s), TrayState::Registered);
}

#[test]
fn dnd_shows_over_registration() {
    let s = status(
        vec![account("a", true, RegistrationState::Registered)],
        true,
        vec![],
    );
    assert_eq!(tray_state(&s), TrayState::Dnd);
}

#[test]
fn one_registered_account_is_enough() {
    let s = status(
        vec![
            account("a", true, RegistrationState::AuthFailed),
            account("b", true, RegistrationState::Registered),
        ],
        false,
        vec![],
    );
    assert_eq!(tray_state(&s), TrayState::Registered);
}

#[test]
fn registering_when_none_registered_yet() {
    let s = status(
        vec![
            account("a", true, RegistrationState::Unreachable),
            account("b", true, RegistrationState::Registering),
        ],
        false,
        vec![],
    );
    assert_eq!(tray_state(&s), TrayState::Registering);
}

#[test]
fn failed_when_nothing_registers_and_disabled_accounts_do_not_count() {
    let s = status(
        vec![
            account("a", true, RegistrationState::AuthFailed),
            account("b", false, RegistrationState::Registered),
        ],
        false,
        vec![],
    );
    assert_eq!(tray_state(&s), TrayState::Failed);
    assert_eq!(
        tray_state(&status(vec![], false, vec![])),
        TrayState::Failed
    );
}

#[test]
fn every_event_is_forwarded_first() {
    let mut r = Reactor::default();
    for e in [
        incoming("c1", None, None),
        ended("c1", EndCause::Completed),
        env(Event::DndChanged(DndChanged { enabled: true })),
    ] {
        assert_eq!(r.react(&e).first(), Some(&ShellAction::Forward));
    }
}

#[test]
fn incoming_call_opens_the_popup_and_a_notification_named_for_the_caller() {
    let mut r = Reactor::default();
    let actions = r.react(&incoming("c1", Some("Ada"), Some("1002")));
    assert!(actions.contains(&ShellAction::ShowIncoming {
        call_id: "c1".into()
    }));
    assert!(actions.contains(&ShellAction::NotifyIncoming {
        call_id: "c1".into(),
        caller: "Ada".into()
    }));
    assert!(actions.contains(&ShellAction::RefreshTray));
}

#[test]
fn caller_falls_back_to_number_then_uri() {
    let mut p = Party {
        uri: "sip:1002@pbx".into(),
        number: Some("1002".into()),
        display_name: Some("  ".into()),
    };
    assert_eq!(caller_text(&p), "1002");
    p.number = None;
    assert_eq!(caller_text(&p), "sip:1002@pbx");
}

#[test]
fn answering_closes_the_popup_and_notification_once() {
    let mut r = Reactor::default();
    r.react(&incoming("c1", None, Some("1002")));
    let answered = env(Event::CallAnswered(CallAnswered {
        call_id: "c1".into(),
        codec: None,
    }));
    let actions = r.react(&answered);
    assert!(actions.contains(&ShellAction::CloseIncoming {
        call_id: "c1".into()
    }));
    assert!(actions.contains(&ShellAction::CloseNotification {
        call_id: "c1".into()
    }));
    // The call then ends normally: no popup to close, no missed-call notification.
    let actions = r.react(&ended("c1", EndCause::Completed));
    assert!(!actions.iter().any(|a| matches!(
        a,
        ShellAction::CloseIncoming { .. } | ShellAction::NotifyMissed { .. }
    )));
    assert!(actions.contains(&ShellAction::RefreshRecent));
    assert!(actions.contains(&ShellAction::RestartIfPending));
}

#[test]
fn a_missed_call_closes_the_popup_and_notifies_with_the_caller() {
    let mut r = Reactor::default();
    r.react(&incoming("c1", None, Some("1002")));
    let actions = r.react(&ended("c1", EndCause::Missed));
    assert!(actions.contains(&ShellAction::CloseIncoming {
        call_id: "c1".into()
    }));
    assert!(actions.contains(&ShellAction::NotifyMissed {
        caller: "1002".into()
    }));
}

#[test]
fn a_rejected_incoming_call_is_not_a_missed_one() {
    let mut r = Reactor::default();
    r.react(&incoming("c1", None, Some("1002")));
    let actions = r.react(&ended("c1", EndCause::Rejected));
    assert!(actions.contains(&ShellAction::CloseNotification {
        call_id: "c1".into()
    }));
    assert!(!actions
        .iter()
        .any(|a| matches!(a, ShellAction::NotifyMissed { .. })));
}

#[test]
fn outgoing_calls_never_touch_the_popup() {
    let mut r = Reactor::default();
    let actions = r.react(&ended("c9", EndCause::Missed));
    assert!(!actions.iter().any(|a| matches!(
        a,
        ShellAction::CloseIncoming { .. } | ShellAction::NotifyMissed { .. }
    )));
}

#[test]
fn call_waiting_closes_only_the_call_that_ended() {
    let mut r = Reactor::default();
    r.react(&incoming("c1", None, Some("1")));
    r.react(&incoming("c2", None, Some("2")));
    let actions = r.react(&ended("c1", EndCause::Missed));
    assert!(actions.contains(&ShellAction::CloseIncoming {
        call_id: "c1".into()
    }));
    assert!(!actions.contains(&ShellAction::CloseIncoming {
        call_id: "c2".into()
    }));
    let actions = r.react(&ended("c2", EndCause::Missed));
    assert!(actions.contains(&ShellAction::NotifyMissed { caller: "2".into() }));
}

#[test]
fn a_dial_waiting_for_confirmation_shows_the_main_window() {
    let mut r = Reactor::default();
    let e = env(Event::DialConfirmRequested(DialConfirmRequested {
        request_id: "d-1".into(),
        to: "tel:1002".into(),
        target: "1002".into(),
        account_id: None,
        source: DialSource::new(DialSourceKind::Link),
        expires_at: Utc::now(),
    }));
    assert_eq!(
        r.react(&e),
        vec![ShellAction::Forward, ShellAction::ShowMain]
    );
}

#[test]
fn registration_changes_refresh_the_tray() {
    let mut r = Reactor::default();
    let e = env(Event::RegistrationChanged(RegistrationChanged {
        account_id: "a".into(),
        state: RegistrationState::Registered,
        reason: None,
        expires_at: None,
    }));
    assert!(r.react(&e).contains(&ShellAction::RefreshTray));
}
