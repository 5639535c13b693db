//! Auto-answer, call waiting and what answering holds.

use std::time::Duration;

use dialtone_api::{CallInfo, CallState, Direction, HoldBy, Party};
use dialtone_call::policy::{
    answer_plan, auto_answer, incoming_decision, requested_auto_answer, AnswerPlan,
};
use dialtone_call::{AutoAnswer, AutoAnswerPolicy, IncomingDecision};

use crate::common::wall0;

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[test]
fn never_never_answers() {
    let call_info = strings(&["<sip:pbx>;answer-after=0"]);
    assert_eq!(
        auto_answer(AutoAnswerPolicy::Never, true, &call_info, &[]),
        AutoAnswer::Never
    );
}

#[test]
fn trusted_needs_the_registrar_and_a_header() {
    let call_info = strings(&["<sip:pbx.example.com>;answer-after=0"]);
    let p = AutoAnswerPolicy::Trusted;
    assert_eq!(
        auto_answer(p, true, &call_info, &[]),
        AutoAnswer::After(Duration::ZERO)
    );
    assert_eq!(
        auto_answer(p, false, &call_info, &[]),
        AutoAnswer::Never,
        "stranger"
    );
    assert_eq!(
        auto_answer(p, true, &[], &[]),
        AutoAnswer::Never,
        "no header"
    );
    let delayed = strings(&["<sip:pbx.example.com>;answer-after=5"]);
    assert_eq!(
        auto_answer(p, true, &delayed, &[]),
        AutoAnswer::After(Duration::from_secs(5))
    );
    let alert = strings(&["<http://www.notused.com>;info=alert-autoanswer;delay=2"]);
    assert_eq!(
        auto_answer(p, true, &[], &alert),
        AutoAnswer::After(Duration::from_secs(2))
    );
}

#[test]
fn always_answers_with_a_trusted_delay_or_at_once() {
    let p = AutoAnswerPolicy::Always;
    assert_eq!(
        auto_answer(p, false, &[], &[]),
        AutoAnswer::After(Duration::ZERO)
    );
    let delayed = strings(&["<sip:pbx>;answer-after=4"]);
    assert_eq!(
        auto_answer(p, true, &delayed, &[]),
        AutoAnswer::After(Duration::from_secs(4))
    );
    assert_eq!(
        auto_answer(p, false, &delayed, &[]),
        AutoAnswer::After(Duration::ZERO),
        "a stranger's delay is not taken"
    );
}

#[test]
fn vendor_header_forms() {
    let secs = |s| Some(Duration::from_secs(s));
    // (Call-Info, Alert-Info, expected)
    let table: [(&str, &str, Option<Duration>); 22] = [
        ("<sip:pbx>;answer-after=0", "", secs(0)),
        ("<sip:10.0.0.1>; answer-after = 3", "", secs(3)),
        ("<sip:pbx>;info=alert-autoanswer;delay=0", "", secs(0)),
        ("<sip:pbx>;info=alert-autoanswer;delay=7", "", secs(7)),
        ("<sip:pbx>;info=alert-autoanswer", "", secs(0)),
        (
            "",
            "<http://www.notused.com>;info=alert-autoanswer;delay=0",
            secs(0),
        ),
        ("", "<http://127.0.0.1>;info=alert-autoanswer", secs(0)),
        ("", "info=alert-autoanswer", secs(0)),
        ("", "info = alert-autoanswer", secs(0)),
        ("", "<sip:pbx>;info=autoanswer", secs(0)),
        ("", "Auto Answer", secs(0)),
        ("", "Ring Answer", secs(0)),
        ("", "Answer-After = 0", secs(0)),
        ("", "Intercom", secs(0)),
        ("", "<sip:pbx>;intercom=true", secs(0)),
        (
            "",
            "<http://pbx/ring.wav>;info=\"alert-autoanswer\"",
            secs(0),
        ),
        ("<http://pbx/icon.png>;purpose=icon", "", None),
        ("", "<http://127.0.0.1/Bellcore-dr4>", None),
        ("", "<http://pbx/autoanswer.wav>", None),
        ("", "<sip:pbx>;info=alert-internal", None),
        ("<sip:pbx>;answer-after=soon", "", None),
        ("<sip:pbx>;intercom=false", "", None),
    ];
    for (call_info, alert_info, want) in table {
        let ci = if call_info.is_empty() {
            vec![]
        } else {
            strings(&[call_info])
        };
        let ai = if alert_info.is_empty() {
            vec![]
        } else {
            strings(&[alert_info])
        };
        assert_eq!(
            requested_auto_answer(&ci, &ai),
            want,
            "{call_info:?} {alert_info:?}"
        );
    }
}

#[test]
fn lists_and_precedence() {
    let list = strings(&["<http://pbx/icon.png>;purpose=icon, <sip:pbx>;answer-after=1"]);
    assert_eq!(
        requested_auto_answer(&list, &[]),
        Some(Duration::from_secs(1))
    );
    let quoted = strings(&["<sip:a,b>;purpose=info, <sip:pbx>;answer-after=2"]);
    assert_eq!(
        requested_auto_answer(&quoted, &[]),
        Some(Duration::from_secs(2))
    );
    // answer-after wins over a marker, even a shorter one.
    let ci = strings(&["<sip:pbx>;answer-after=5"]);
    let ai = strings(&["<sip:pbx>;info=alert-autoanswer"]);
    assert_eq!(
        requested_auto_answer(&ci, &ai),
        Some(Duration::from_secs(5))
    );
    // Among equals the shortest wins.
    let two = strings(&["<sip:a>;answer-after=9", "<sip:b>;answer-after=4"]);
    assert_eq!(
        requested_auto_answer(&two, &[]),
        Some(Duration::from_secs(4))
    );
}

#[test]
fn incoming_decisions() {
    let table = [
        // (active, call waiting, dnd, decision)
        (
            0,
            false,
            false,
            IncomingDecision::Ring {
                call_waiting: false,
            },
        ),
        (
            0,
            true,
            false,
            IncomingDecision::Ring {
                call_waiting: false,
            },
        ),
        (
            1,
            true,
            false,
            IncomingDecision::Ring { call_waiting: true },
        ),
        (
            2,
            true,
            false,
            IncomingDecision::Ring { call_waiting: true },
        ),
        (1, false, false, IncomingDecision::Reject { status: 486 }),
        (0, true, true, IncomingDecision::Reject { status: 486 }),
        (1, true, true, IncomingDecision::Reject { status: 486 }),
    ];
    for (active, cw, dnd, want) in table {
        assert_eq!(
            incoming_decision(active, cw, dnd),
            want,
            "{active} {cw} {dnd}"
        );
    }
}

fn info(id: &str, state: CallState, held: Option<HoldBy>) -> CallInfo {
    CallInfo {
        call_id: id.into(),
        account_id: "work".into(),
        direction: Direction::Outgoing,
        remote: Party::default(),
        state,
        started_at: wall0(),
        answered_at: None,
        held,
        muted: false,
        codec: None,
    }
}

#[test]
fn answering_holds_every_other_active_call_not_held_by_us() {
    let calls = [
        info("talking", CallState::Active, None),
        info("held-by-us", CallState::Active, Some(HoldBy::Local)),
        info("held-by-them", CallState::Active, Some(HoldBy::Remote)),
        info("dialing", CallState::Ringing, None),
        info("new", CallState::Incoming, None),
        info("ending", CallState::Ending, None),
    ];
    assert_eq!(
        answer_plan("new", &calls),
        AnswerPlan {
            hold: vec!["talking".into(), "held-by-them".into()]
        }
    );
    assert_eq!(answer_plan("new", &calls[4..]), AnswerPlan::default());
}
