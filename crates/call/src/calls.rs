//! All calls of the phone, so that the engine only routes inputs by call id and the rules
//! that span calls (answering one holds the others; call waiting) live in one pure place.

use std::collections::VecDeque;
use std::time::Instant;

use dialtone_api::{CallId, CallInfo, CallState};

use crate::call::Call;
use crate::error::CallError;
use crate::input::Input;
use crate::output::Output;
use crate::policy::{answer_plan, incoming_decision, IncomingDecision};

/// The calls that have not finished, and their outputs tagged with the call id.
#[derive(Debug, Default)]
pub struct Calls {
    calls: Vec<Call>,
    out: VecDeque<(CallId, Output)>,
}

impl Calls {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a new call (from [`Call::outgoing`] or [`Call::incoming`]) and queues the outputs
    /// its constructor produced.
    pub fn insert(&mut self, call: Call) {
        self.calls.push(call);
        if let Some(index) = self.calls.len().checked_sub(1) {
            self.drain(index);
        }
    }

    pub fn get(&self, call_id: &str) -> Option<&Call> {
        self.calls.iter().find(|call| call.id() == call_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Call> {
        self.calls.iter()
    }

    pub fn infos(&self) -> Vec<CallInfo> {
        self.calls.iter().map(Call::info).collect()
    }

    /// How many calls are not over (what [`incoming_decision`] calls active).
    pub fn live(&self) -> usize {
        self.calls.iter().filter(|call| !call.is_ended()).count()
    }

    /// Ring or refuse a new incoming INVITE given the calls up now.
    pub fn incoming_decision(&self, call_waiting_enabled: bool, dnd: bool) -> IncomingDecision {
        incoming_decision(self.live(), call_waiting_enabled, dnd)
    }

    /// Routes an input to its call. `Answer` first holds every other active call.
    pub fn handle(&mut self, now: Instant, call_id: &str, input: Input) -> Result<(), CallError> {
        let index = self.index(call_id)?;
        if input == Input::Answer {
            return self.answer(now, index);
        }
        let result = self.calls[index].handle(now, input);
        self.drain(index);
        result
    }

    /// Fires due deadlines of every call; an auto-answer holds the other calls like `Answer`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|call| call.poll_timeout().is_some_and(|at| at <= now))
            .map(|call| call.id().to_owned())
            .collect();
        for call_id in due {
            let Ok(index) = self.index(&call_id) else {
                continue;
            };
            if self.calls[index].auto_answer_due(now) {
                // The call is ringing here, so answering cannot fail.
                let _ = self.answer(now, index);
            } else {
                self.calls[index].handle_timeout(now);
                self.drain(index);
            }
        }
    }

    /// The earliest deadline of any call.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.calls.iter().filter_map(Call::poll_timeout).min()
    }

    /// The next output of any call, in the order produced.
    pub fn poll_output(&mut self) -> Option<(CallId, Output)> {
        self.out.pop_front()
    }

    fn answer(&mut self, now: Instant, index: usize) -> Result<(), CallError> {
        let answering = self.calls[index].id().to_owned();
        if self.calls[index].state() == CallState::Incoming {
            let infos = self.infos();
            for other in answer_plan(&answering, &infos).hold {
                if let Ok(other) = self.index(&other) {
                    // Hold fits every active call; nothing to report if it did not.
                    let _ = self.calls[other].handle(now, Input::Hold);
                    self.drain(other);
                }
            }
        }
        let index = self.index(&answering)?;
        let result = self.calls[index].handle(now, Input::Answer);
        self.drain(index);
        result
    }

    fn index(&self, call_id: &str) -> Result<usize, CallError> {
        self.calls
            .iter()
            .position(|call| call.id() == call_id)
            .ok_or_else(|| CallError::UnknownCall {
                call_id: call_id.to_owned(),
            })
    }

    /// Moves a call's outputs to the shared queue and drops it once it has finished.
    fn drain(&mut self, index: usize) {
        let Some(call) = self.calls.get_mut(index) else {
            return;
        };
        while let Some(output) = call.poll_output() {
            self.out.push_back((call.id().to_owned(), output));
        }
        if call.is_ended() {
            self.calls.remove(index);
        }
    }
}
