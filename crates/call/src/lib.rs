//! The call state machine, pure: `(state, input) -> (state, outputs)`. Inputs are user
//! commands, SIP dialog events, media events and timeouts; outputs are SIP actions, media
//! actions and `api` events. No IO and no clock reads: time comes in with each input.
