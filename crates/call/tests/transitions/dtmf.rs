//! DTMF both ways.

use dialtone_api::{CallState, DtmfDirection::*, DtmfMethod::*};
use dialtone_call::{
    normalize_dtmf, Call, CallError, CommandKind, Input, MediaAction as M, MAX_DTMF_DIGITS,
};

use crate::common::*;

#[test]
fn sending_digits_goes_to_media_and_reports_each() {
    let mut call = active_out();
    let out = step(&mut call, 9000, Input::SendDtmf("1*#".into()));
    assert_eq!(
        out,
        vec![
            media(M::SendDtmf("1*#".into())),
            dtmf('1', Sent, Rfc4733),
            dtmf('*', Sent, Rfc4733),
            dtmf('#', Sent, Rfc4733),
        ]
    );
}

#[test]
fn letters_are_upper_cased() {
    let mut call = active_in();
    let out = step(&mut call, 9000, Input::SendDtmf("aD".into()));
    assert_eq!(
        out,
        vec![
            media(M::SendDtmf("AD".into())),
            dtmf('A', Sent, Rfc4733),
            dtmf('D', Sent, Rfc4733)
        ]
    );
}

#[test]
fn invalid_digits_are_refused_without_output() {
    let too_long = "1".repeat(MAX_DTMF_DIGITS + 1);
    for digits in ["", "12x", "1 2", "E", too_long.as_str()] {
        let mut call = active_out();
        let result = call.handle(at(9000), Input::SendDtmf(digits.into()));
        assert_eq!(
            result,
            Err(CallError::InvalidDtmf {
                digits: digits.into()
            }),
            "{digits:?}"
        );
        assert_eq!(drain(&mut call), vec![]);
        assert_eq!(call.state(), CallState::Active);
    }
}

#[test]
fn dtmf_on_a_call_that_is_not_active_is_refused() {
    let ending = || {
        let mut call = active_out();
        step(&mut call, 9000, Input::Hangup);
        call
    };
    let table: Vec<(Box<dyn Fn() -> Call>, CallState)> = vec![
        (Box::new(outgoing), CallState::Dialing),
        (Box::new(ringing_out), CallState::Ringing),
        (Box::new(early_media_out), CallState::Ringing),
        (Box::new(incoming), CallState::Incoming),
        (Box::new(ending), CallState::Ending),
    ];
    for (make, state) in table {
        let mut call = make();
        let result = call.handle(at(9500), Input::SendDtmf("1".into()));
        assert_eq!(
            result,
            Err(CallError::WrongState {
                state,
                command: CommandKind::SendDtmf
            })
        );
        assert_eq!(drain(&mut call), vec![]);
    }
}

#[test]
fn received_digits_are_reported_with_their_method() {
    let mut call = active_out();
    let out = step(
        &mut call,
        9000,
        Input::DtmfReceived {
            digit: '5',
            method: Info,
        },
    );
    assert_eq!(out, vec![dtmf('5', Received, Info)]);
    let out = step(
        &mut call,
        9100,
        Input::DtmfReceived {
            digit: 'b',
            method: Rfc4733,
        },
    );
    assert_eq!(out, vec![dtmf('B', Received, Rfc4733)]);
    let out = step(
        &mut call,
        9200,
        Input::DtmfReceived {
            digit: 'x',
            method: Info,
        },
    );
    assert_eq!(out, vec![], "not a DTMF digit");
}

#[test]
fn received_digits_outside_a_call_are_ignored() {
    let mut call = ringing_out();
    assert_eq!(
        step(
            &mut call,
            2000,
            Input::DtmfReceived {
                digit: '1',
                method: Info
            }
        ),
        vec![]
    );
}

#[test]
fn normalize_accepts_exactly_the_sixteen_digits() {
    assert_eq!(
        normalize_dtmf("0123456789*#abcd").as_deref(),
        Some("0123456789*#ABCD")
    );
    assert_eq!(
        normalize_dtmf(&"9".repeat(MAX_DTMF_DIGITS)).map(|d| d.len()),
        Some(MAX_DTMF_DIGITS)
    );
    for bad in ["", "e", "+", "1,2", "é"] {
        assert_eq!(normalize_dtmf(bad), None, "{bad:?}");
    }
}
