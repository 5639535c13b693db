//! Things to dial from links and people: `tel:`, `sip:`, `sips:` and `callto:` links and
//! typed numbers ([`parse_link`]); E.164 normalisation ([`to_e164`], [`normalize`]);
//! per-account dial rules ([`apply_rules`]); screen-pop URLs ([`screen_pop_url`]).
//!
//! A pure library: no I/O, no async.
//!
//! # Numbers
//! Visual separators (`-` `.` `(` `)` `/`, spaces, also `%20` in links) are dropped; a
//! `+` may only lead; `(0)` after `+CC` is dropped; `*` and `#` are allowed in numbers
//! without `+`; letters (also RFC 3966's hex digits) and pause/wait characters
//! (`p`, `w`, `,`, `;`) are refused; at most [`MAX_DIGITS`] digits.

mod callto;
mod dial_rules;
mod e164;
mod error;
mod link;
mod number;
mod screen_pop;
mod sip_uri;
mod tel;

pub use dial_rules::{apply_rules, DialRules, ReplaceCountry};
pub use e164::{
    check_region, normalize, to_e164, Normalized, MAX_SHORT_DIGITS, MAX_ZERO_SHORT_DIGITS,
};
pub use error::LinkError;
pub use link::{parse_link, DialNumber, Link};
pub use number::{MAX_DIGITS, MAX_INPUT_LEN};
pub use screen_pop::{screen_pop_url, validate_screen_pop_template, ScreenPopVars};
