//! The registration state machine of one account (RFC 3261 section 10), sans-IO.
//!
//! Time comes in as `now`; requests to send come out of [`Registration::poll_request`],
//! state changes out of [`Registration::poll_event`], and the next deadline out of
//! [`Registration::poll_timeout`]. The driver (in the engine) turns requests into wire
//! messages, runs the transaction, and feeds the outcome back with `handle_*`.

mod backoff;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use dialtone_api::RegistrationState;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::digest::{choose_challenge, DigestClient, Password};

pub use backoff::Backoff;

/// What the state machine needs to know about its account.
#[derive(Debug, Clone)]
pub struct RegistrationSettings {
    /// The user to authenticate as (the account's `auth_user`, else its `user`).
    pub auth_user: String,
    pub password: Option<Password>,
    /// The Request-URI of the REGISTER, `sip:domain`; digest `uri=` uses it.
    pub request_uri: String,
    /// Requested binding lifetime in seconds.
    pub expires: u32,
    /// Answer only challenges for this realm, when set.
    pub realm: Option<String>,
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// Seed of the backoff jitter (random in the engine, fixed in tests).
    pub jitter_seed: u64,
}

/// One REGISTER the driver must send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRequest {
    pub cseq: u32,
    pub expires: u32,
    /// `(header name, value)`: `Authorization` or `Proxy-Authorization`.
    pub authorization: Option<(AuthHeader, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthHeader {
    Authorization,
    ProxyAuthorization,
}

impl AuthHeader {
    pub fn name(self) -> &'static str {
        match self {
            AuthHeader::Authorization => "Authorization",
            AuthHeader::ProxyAuthorization => "Proxy-Authorization",
        }
    }
}

/// The parts of a REGISTER response the state machine reads (built by the driver from the
/// wire message).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterResponse {
    pub status: u16,
    pub reason: String,
    /// Values of every `WWW-Authenticate` (401) or `Proxy-Authenticate` (407) header.
    pub challenges: Vec<String>,
    /// `Min-Expires` of a 423.
    pub min_expires: Option<u32>,
    /// The lifetime the registrar granted our contact (its `expires` param, else `Expires`).
    pub granted_expires: Option<u32>,
    /// `Retry-After` of a 5xx, in seconds.
    pub retry_after: Option<u32>,
}

/// Why a REGISTER got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No final response before Timer F.
    Timeout,
    /// The transport could not send (refused, TLS failure, no route): the message says which.
    Transport(String),
}

/// A state change to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub state: RegistrationState,
    pub reason: Option<String>,
    /// When the binding expires (only when registered).
    pub expires_at: Option<Instant>,
}

/// States of the client, named after RFC 3261 section 10.2 where it names them.
#[derive(Debug, Clone, PartialEq)]
enum State {
    /// Not registered and not trying (start, disabled, after unregistering).
    Idle,
    /// A REGISTER is in flight. `bound_until` is the previous binding's expiry on a refresh.
    Registering {
        bound_until: Option<Instant>,
        challenges_answered: u32,
    },
    /// Bound until `expires_at`; a refresh goes out at `refresh_at`.
    Registered {
        expires_at: Instant,
        refresh_at: Instant,
    },
    /// Waiting `retry_at` for the next attempt after a failure.
    Backoff {
        retry_at: Instant,
        state: RegistrationState,
    },
    /// The registrar refused our credentials; only `register()` leaves this state.
    AuthFailed,
    /// A REGISTER with Expires: 0 is in flight.
    Unregistering,
}

pub struct Registration {
    settings: RegistrationSettings,
    state: State,
    cseq: u32,
    expires: u32,
    digest: Option<(AuthHeader, DigestClient)>,
    cnonce_rng: StdRng,
    unregister_challenged: bool,
    backoff: Backoff,
    requests: VecDeque<RegisterRequest>,
    events: VecDeque<StateChange>,
    last_reported: Option<(RegistrationState, Option<String>)>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("state", &self.state)
            .field("cseq", &self.cseq)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// The share of the granted lifetime after which the binding is refreshed (at most 90%).
const REFRESH_SHARE: f64 = 0.9;
/// Challenge rounds answered within one attempt before we call the credentials wrong
/// (the second round is only for `stale=true`).
const MAX_CHALLENGE_ROUNDS: u32 = 2;

impl Registration {
    pub fn new(settings: RegistrationSettings) -> Self {
        let backoff = Backoff::new(settings.retry_min, settings.retry_max, settings.jitter_seed);
        let expires = settings.expires;
        let settings_seed = settings.jitter_seed;
        Self {
            settings,
            state: State::Idle,
            cseq: 0,
            expires,
            digest: None,
            cnonce_rng: StdRng::seed_from_u64(settings_seed ^ 0x5eed_c0de),
            unregister_challenged: false,
            backoff,
            requests: VecDeque::new(),
            events: VecDeque::new(),
            last_reported: None,
        }
    }

    /// The public state, as reported in events.
    pub fn state(&self) -> RegistrationState {
        match &self.state {
            State::Idle => RegistrationState::Unregistered,
            State::Registering { .. } => RegistrationState::Registering,
            State::Registered { .. } => RegistrationState::Registered,
            State::Backoff { state, .. } => *state,
            State::AuthFailed => RegistrationState::AuthFailed,
            State::Unregistering => RegistrationState::Unregistered,
        }
    }

    /// The expiry currently asked of the registrar (raised by a 423).
    pub fn requested_expires(&self) -> u32 {
        self.expires
    }

    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle)
    }

    /// Register now: first registration, a user's "re-register", or a new contact. Clears
    /// `auth_failed` and any backoff.
    pub fn register(&mut self, now: Instant) {
        let _ = now;
        if matches!(self.state, State::Registering { .. } | State::Unregistering) {
            return;
        }
        self.backoff.reset();
        let bound_until = match self.state {
            State::Registered { expires_at, .. } => Some(expires_at),
            _ => None,
        };
        self.send_register(bound_until, 0);
        self.report(RegistrationState::Registering, None, None);
    }

    /// Our contact changed (network change, NAT mapping learnt from `received`/`rport`, a
    /// new TCP/TLS connection): register the new contact now.
    pub fn handle_contact_changed(&mut self, now: Instant) {
        if matches!(
            self.state,
            State::Idle | State::AuthFailed | State::Unregistering
        ) {
            return;
        }
        if let State::Registering { .. } = self.state {
            // The response to the REGISTER in flight is still handled; send one more after.
            self.state = State::Backoff {
                retry_at: now,
                state: RegistrationState::Registering,
            };
            return;
        }
        self.register(now);
    }

    /// Remove the binding (Expires: 0) if there is one; otherwise just stop.
    pub fn unregister(&mut self, now: Instant) {
        let _ = now;
        match self.state {
            // A first REGISTER still in flight may yet succeed: follow it with Expires: 0 too.
            State::Registered { .. } | State::Registering { .. } => {
                self.state = State::Unregistering;
                self.unregister_challenged = false;
                self.push_register(0);
            }
            State::Idle | State::Unregistering => {}
            State::Backoff { .. } | State::AuthFailed => {
                self.state = State::Idle;
                self.report(RegistrationState::Unregistered, None, None);
            }
        }
    }

    /// The final response to the REGISTER with `cseq`.
    pub fn handle_response(&mut self, now: Instant, cseq: u32, response: &RegisterResponse) {
        if cseq != self.cseq {
            return; // a late answer to a request we have given up on
        }
        match self.state.clone() {
            State::Unregistering => self.finish_unregister(response),
            State::Registering {
                bound_until,
                challenges_answered,
            } => self.handle_register_response(now, bound_until, challenges_answered, response),
            _ => {}
        }
    }

    /// The REGISTER with `cseq` got no response.
    pub fn handle_failure(&mut self, now: Instant, cseq: u32, failure: &Failure) {
        if cseq != self.cseq {
            return;
        }
        let reason = match failure {
            Failure::Timeout => "no answer from the registrar".to_string(),
            Failure::Transport(msg) => msg.clone(),
        };
        match self.state {
            State::Unregistering => {
                self.state = State::Idle;
                self.report(
                    RegistrationState::Unregistered,
                    Some(format!("unregister not confirmed: {reason}")),
                    None,
                );
            }
            State::Registering { .. } => {
                self.retry_later(now, RegistrationState::Unreachable, reason, None)
            }
            _ => {}
        }
    }

    /// The connection the binding lives on went away (TCP/TLS): register again at once, which
    /// opens a new one.
    pub fn handle_connection_lost(&mut self, now: Instant) {
        match self.state {
            State::Registered { .. } => self.register(now),
            State::Registering { .. } => {
                // The transaction fails on its own (ConnectionClosed) and is retried then.
            }
            _ => {}
        }
    }

    /// A keep-alive probe of the registrar got no answer: treat the binding as gone.
    pub fn handle_keepalive_failed(&mut self, now: Instant, reason: String) {
        if let State::Registered { .. } = self.state {
            self.retry_later(now, RegistrationState::Unreachable, reason, None);
        }
    }

    /// Time passed: refresh or retry when a deadline is due.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Registered {
                expires_at,
                refresh_at,
            } if now >= refresh_at => {
                self.send_register(Some(expires_at), 0);
            }
            State::Backoff { retry_at, state } if now >= retry_at => {
                self.send_register(None, 0);
                if state != RegistrationState::Registering {
                    self.report(RegistrationState::Registering, None, None);
                }
            }
            _ => {}
        }
    }

    /// The next instant at which `handle_timeout` has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Registered { refresh_at, .. } => Some(refresh_at),
            State::Backoff { retry_at, .. } => Some(retry_at),
            _ => None,
        }
    }

    pub fn poll_request(&mut self) -> Option<RegisterRequest> {
        self.requests.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<StateChange> {
        self.events.pop_front()
    }

    fn handle_register_response(
        &mut self,
        now: Instant,
        bound_until: Option<Instant>,
        challenges_answered: u32,
        response: &RegisterResponse,
    ) {
        let status = response.status;
        match status {
            200..=299 => self.registered(now, response),
            401 | 407 => self.answer_challenge(now, bound_until, challenges_answered, response),
            403 => self.auth_failed(format!(
                "{status} {}: the registrar refused these credentials",
                response.reason
            )),
            423 => match response.min_expires {
                Some(min) if min > self.expires => {
                    self.expires = min;
                    self.send_register(bound_until, challenges_answered);
                }
                _ => self.retry_later(
                    now,
                    RegistrationState::Error,
                    format!(
                        "423 Interval Too Brief without a usable Min-Expires (asked {} s)",
                        self.expires
                    ),
                    None,
                ),
            },
            _ => {
                let retry_after = response
                    .retry_after
                    .map(|s| Duration::from_secs(u64::from(s)));
                let what = match status {
                    404 => "unknown user at this registrar",
                    408 | 480 | 500..=599 => "the registrar is unavailable",
                    _ => "the registrar rejected the registration",
                };
                self.retry_later(
                    now,
                    RegistrationState::Error,
                    format!("{status} {}: {what}", response.reason),
                    retry_after,
                )
            }
        }
    }

    fn registered(&mut self, now: Instant, response: &RegisterResponse) {
        let granted = response.granted_expires.unwrap_or(self.expires);
        if granted == 0 {
            self.retry_later(
                now,
                RegistrationState::Error,
                "the registrar granted no lifetime (expires=0)".into(),
                None,
            );
            return;
        }
        let lifetime = Duration::from_secs(u64::from(granted));
        let expires_at = now + lifetime;
        let refresh_at = now + lifetime.mul_f64(REFRESH_SHARE);
        self.backoff.reset();
        self.state = State::Registered {
            expires_at,
            refresh_at,
        };
        let reason = (granted != self.expires).then(|| format!("registrar granted {granted} s"));
        self.report(RegistrationState::Registered, reason, Some(expires_at));
    }

    fn answer_challenge(
        &mut self,
        now: Instant,
        bound_until: Option<Instant>,
        rounds: u32,
        response: &RegisterResponse,
    ) {
        let values: Vec<&str> = response.challenges.iter().map(String::as_str).collect();
        let challenge = match choose_challenge(&values, self.settings.realm.as_deref()) {
            Ok(c) => c,
            Err(e) => {
                let reason = format!(
                    "{} {}: cannot answer the challenge: {e}",
                    response.status, response.reason
                );
                self.retry_later(now, RegistrationState::Error, reason, None);
                return;
            }
        };
        let Some(password) = self.settings.password.clone() else {
            self.auth_failed(
                "the registrar asks for a password and none is set for this account".into(),
            );
            return;
        };
        let header = if response.status == 407 {
            AuthHeader::ProxyAuthorization
        } else {
            AuthHeader::Authorization
        };
        let same_nonce = self.digest.as_ref().is_some_and(|(_, d)| {
            d.challenge().nonce == challenge.nonce && d.challenge().realm == challenge.realm
        });
        // Rejected credentials come back as a fresh challenge; only `stale=true` says the
        // password was right and the nonce merely old.
        if rounds >= MAX_CHALLENGE_ROUNDS
            || (rounds >= 1 && !challenge.stale)
            || (same_nonce && rounds >= 1)
        {
            self.auth_failed(format!(
                "{} {}: wrong user or password for realm \"{}\"",
                response.status, response.reason, challenge.realm
            ));
            return;
        }
        match &mut self.digest {
            Some((h, d)) if same_nonce || challenge.stale => {
                *h = header;
                d.update(challenge);
            }
            _ => {
                self.digest = Some((
                    header,
                    DigestClient::new(self.settings.auth_user.clone(), password, challenge),
                ));
            }
        }
        self.send_register(bound_until, rounds + 1);
    }

    fn auth_failed(&mut self, reason: String) {
        self.digest = None;
        self.state = State::AuthFailed;
        self.report(RegistrationState::AuthFailed, Some(reason), None);
    }

    fn finish_unregister(&mut self, response: &RegisterResponse) {
        if matches!(response.status, 401 | 407) && !self.unregister_challenged {
            let values: Vec<&str> = response.challenges.iter().map(String::as_str).collect();
            let challenge = choose_challenge(&values, self.settings.realm.as_deref());
            if let (Ok(challenge), Some(password)) = (challenge, self.settings.password.clone()) {
                // Answer one challenge on the way out.
                self.unregister_challenged = true;
                let header = if response.status == 407 {
                    AuthHeader::ProxyAuthorization
                } else {
                    AuthHeader::Authorization
                };
                self.digest = Some((
                    header,
                    DigestClient::new(self.settings.auth_user.clone(), password, challenge),
                ));
                self.push_register(0);
                return;
            }
        }
        self.state = State::Idle;
        let reason = (!(200..300).contains(&response.status)).then(|| {
            format!(
                "unregister answered {} {}",
                response.status, response.reason
            )
        });
        self.report(RegistrationState::Unregistered, reason, None);
    }

    fn retry_later(
        &mut self,
        now: Instant,
        state: RegistrationState,
        reason: String,
        at_least: Option<Duration>,
    ) {
        let delay = self.backoff.next_delay().max(at_least.unwrap_or_default());
        self.state = State::Backoff {
            retry_at: now + delay,
            state,
        };
        let reason = format!("{reason} (retry in {} s)", delay.as_secs_f64().ceil());
        self.report(state, Some(reason), None);
    }

    fn send_register(&mut self, bound_until: Option<Instant>, challenges_answered: u32) {
        self.state = State::Registering {
            bound_until,
            challenges_answered,
        };
        self.push_register(self.expires);
    }

    fn push_register(&mut self, expires: u32) {
        self.cseq += 1;
        let authorization = self.authorize();
        self.requests.push_back(RegisterRequest {
            cseq: self.cseq,
            expires,
            authorization,
        });
    }

    fn authorize(&mut self) -> Option<(AuthHeader, String)> {
        let (header, digest) = self.digest.as_mut()?;
        let cnonce = format!("{:016x}", self.cnonce_rng.gen::<u64>());
        Some((
            *header,
            digest.authorize("REGISTER", &self.settings.request_uri, &[], &cnonce),
        ))
    }

    fn report(
        &mut self,
        state: RegistrationState,
        reason: Option<String>,
        expires_at: Option<Instant>,
    ) {
        let key = (state, reason.clone());
        if self.last_reported.as_ref() == Some(&key) && expires_at.is_none() {
            return;
        }
        self.last_reported = Some(key);
        self.events.push_back(StateChange {
            state,
            reason,
            expires_at,
        });
    }
}
