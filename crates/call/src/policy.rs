//! Pure decisions the engine asks about incoming calls: should it ring, should it answer by
//! itself, and what must be held when a call is answered.

use std::time::Duration;

use dialtone_api::{CallId, CallInfo, CallState, HoldBy};

use crate::config::AutoAnswer;

/// An account's auto-answer setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AutoAnswerPolicy {
    /// Always ring.
    #[default]
    Never,
    /// Answer every call by itself (after the delay a trusted header asks for, else at once).
    Always,
    /// Answer only when the account's registrar or proxy sent the call with an auto-answer
    /// header (intercom, paging, click-to-call from the PBX).
    Trusted,
}

/// Whether an incoming call answers itself. `from_registrar_or_proxy` says the INVITE came
/// from the account's own registrar or outbound proxy (never trust a header from anyone else);
/// `call_info` and `alert_info` are the values of every `Call-Info` and `Alert-Info` header.
pub fn auto_answer(
    policy: AutoAnswerPolicy,
    from_registrar_or_proxy: bool,
    call_info: &[String],
    alert_info: &[String],
) -> AutoAnswer {
    let requested = || {
        if from_registrar_or_proxy {
            requested_auto_answer(call_info, alert_info)
        } else {
            None
        }
    };
    match policy {
        AutoAnswerPolicy::Never => AutoAnswer::Never,
        AutoAnswerPolicy::Always => AutoAnswer::After(requested().unwrap_or(Duration::ZERO)),
        AutoAnswerPolicy::Trusted => requested().map_or(AutoAnswer::Never, AutoAnswer::After),
    }
}

/// The auto-answer delay the headers ask for, as PBXs and phones write it:
/// - `Call-Info: <sip:pbx>;answer-after=N` (RFC 7462 style; Asterisk, FreeSWITCH, Cisco,
///   Snom, Polycom, Gigaset),
/// - `info=alert-autoanswer` with an optional `delay=N`, in `Alert-Info` or `Call-Info`
///   (Polycom, Aastra, Gigaset, Yealink), and `info=autoanswer`,
/// - Yealink's `Alert-Info: Auto Answer`, `Alert-Info: answer-after=0`, `Alert-Info: Intercom`,
///   `intercom=true`; AudioCodes' `Ring Answer`.
///
/// `answer-after` wins over a marker (as AudioCodes documents); the shortest delay wins among
/// equals. `None` when nothing asks for auto-answer.
pub fn requested_auto_answer(call_info: &[String], alert_info: &[String]) -> Option<Duration> {
    let mut answer_after: Option<u64> = None;
    let mut marker: Option<u64> = None;
    let elements = call_info
        .iter()
        .chain(alert_info)
        .flat_map(|value| split_elements(value));
    for element in elements {
        let hint = parse_element(&element);
        answer_after = min_some(answer_after, hint.answer_after);
        if hint.marker {
            marker = min_some(marker, Some(hint.delay.unwrap_or(0)));
        }
    }
    answer_after.or(marker).map(Duration::from_secs)
}

/// What one header element says.
#[derive(Debug, Default)]
struct Hint {
    answer_after: Option<u64>,
    marker: bool,
    delay: Option<u64>,
}

const MARKERS: [&str; 6] = [
    "alert-autoanswer",
    "autoanswer",
    "auto answer",
    "auto-answer",
    "ring answer",
    "intercom",
];

fn parse_element(element: &str) -> Hint {
    // Parameters follow the `<uri>`; without one the whole element is parameters.
    let params = match element.find('>') {
        Some(end) if element.trim_start().starts_with('<') => &element[end + 1..],
        _ => element,
    };
    let mut hint = Hint::default();
    for param in params.split(';') {
        let param = param.trim().to_ascii_lowercase();
        let (key, value) = match param.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value.trim().trim_matches('"'))),
            None => (param.as_str(), None),
        };
        match (key, value) {
            ("answer-after", Some(value)) => hint.answer_after = value.parse().ok(),
            ("delay", Some(value)) => hint.delay = value.parse().ok(),
            ("info", Some(value)) if MARKERS.contains(&value) => hint.marker = true,
            ("intercom", Some("true")) => hint.marker = true,
            (token, None) if MARKERS.contains(&token) => hint.marker = true,
            _ => {}
        }
    }
    hint
}

/// Splits a header value at commas that are not inside `<...>` or quotes.
fn split_elements(value: &str) -> Vec<String> {
    let mut elements = Vec::new();
    let mut current = String::new();
    let (mut in_uri, mut in_quotes) = (false, false);
    for c in value.chars() {
        match c {
            '<' if !in_quotes => in_uri = true,
            '>' if !in_quotes => in_uri = false,
            '"' if !in_uri => in_quotes = !in_quotes,
            ',' if !in_uri && !in_quotes => {
                elements.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    elements.push(current);
    elements
}

fn min_some(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// What to do with a new incoming INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IncomingDecision {
    /// Create the call and ring; `call_waiting` when another call is already up.
    Ring { call_waiting: bool },
    /// Answer the INVITE with this final status and create no call.
    Reject { status: u16 },
}

/// Ring or refuse a new incoming call. `active_calls` counts the calls that have not ended
/// (ringing, dialling, talking, held). Do-not-disturb and a busy line without call waiting
/// answer 486 Busy Here.
pub fn incoming_decision(
    active_calls: usize,
    call_waiting_enabled: bool,
    dnd: bool,
) -> IncomingDecision {
    if dnd || (active_calls > 0 && !call_waiting_enabled) {
        IncomingDecision::Reject { status: 486 }
    } else {
        IncomingDecision::Ring {
            call_waiting: active_calls > 0,
        }
    }
}

/// What answering a call requires first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerPlan {
    /// Put these calls on hold before answering.
    pub hold: Vec<CallId>,
}

/// Answering `answering` while other calls are up: every other active call we do not hold
/// yet is held first.
pub fn answer_plan<'a>(
    answering: &str,
    calls: impl IntoIterator<Item = &'a CallInfo>,
) -> AnswerPlan {
    let hold = calls
        .into_iter()
        .filter(|call| {
            call.call_id != answering
                && call.state == CallState::Active
                && call.held != Some(HoldBy::Local)
        })
        .map(|call| call.call_id.clone())
        .collect();
    AnswerPlan { hold }
}
