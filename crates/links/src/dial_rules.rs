//! Per-account dial rules: how a normalised number becomes the user part the PBX or
//! trunk expects.
//!
//! [`apply_rules`] leaves [`Normalized::Short`] numbers untouched. For an E.164 number it
//! applies, in this order:
//! 1. `replace_country`: when the number is in that country, `+CC` becomes `with`
//!    (`+4930123` with `{ country_code = "49", with = "0" }` → `030123`);
//! 2. otherwise `international_prefix` replaces the `+` (`+44…` with `"00"` → `0044…`);
//! 3. otherwise `strip_plus` drops the `+` (`+44…` → `44…`);
//! 4. then `outside_prefix` is put in front of the result (`"0"` → `0030123`).
//!
//! The default (every field off) dials E.164 numbers as they are.

use crate::e164::Normalized;
use crate::error::LinkError;
use serde::{Deserialize, Serialize};

/// Longest prefix accepted by [`DialRules::validate`].
const MAX_PREFIX_LEN: usize = 16;

/// Dial rules of one account (config: snake_case keys, unknown keys refused, all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct DialRules {
    /// Drop the `+` of international numbers (when no other rule replaced it).
    pub strip_plus: bool,
    /// Put in front of every external (E.164) number, e.g. `"0"` for an outside line.
    pub outside_prefix: Option<String>,
    /// Dial numbers of this country in national form.
    pub replace_country: Option<ReplaceCountry>,
    /// Replaces the `+` of numbers not caught by `replace_country`, e.g. `"00"`.
    pub international_prefix: Option<String>,
}

/// `+country_code` becomes `with`: `{ country_code = "49", with = "0" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ReplaceCountry {
    /// Country calling code without `+`: `"49"`, `"1"`, `"353"`.
    pub country_code: String,
    /// What replaces `+country_code`, usually the trunk prefix `"0"`; may be empty.
    pub with: String,
}

impl DialRules {
    /// Checks the rules for config loading: prefixes are digits (`outside_prefix` may also
    /// hold `*` and `#`) of at most 16 characters, and the country code is 1–3 digits.
    /// [`apply_rules`] applies rules literally whether or not they pass.
    pub fn validate(&self) -> Result<(), LinkError> {
        if let Some(p) = &self.outside_prefix {
            check_prefix("outside_prefix", p, true, false)?;
        }
        if let Some(p) = &self.international_prefix {
            check_prefix("international_prefix", p, false, false)?;
        }
        if let Some(rc) = &self.replace_country {
            let cc = &rc.country_code;
            if cc.is_empty() || cc.len() > 3 || !cc.chars().all(|c| c.is_ascii_digit()) {
                return Err(LinkError::InvalidDialRule {
                    field: "replace_country.country_code",
                    reason: format!("{cc:?} is not 1 to 3 digits (write \"49\", not \"+49\")"),
                });
            }
            check_prefix("replace_country.with", &rc.with, false, true)?;
        }
        Ok(())
    }
}

fn check_prefix(
    field: &'static str,
    p: &str,
    service_chars: bool,
    may_be_empty: bool,
) -> Result<(), LinkError> {
    let reason = if p.is_empty() && !may_be_empty {
        "is empty (leave it out instead)".to_owned()
    } else if p.len() > MAX_PREFIX_LEN {
        format!("is longer than {MAX_PREFIX_LEN} characters")
    } else if !p
        .chars()
        .all(|c| c.is_ascii_digit() || (service_chars && matches!(c, '*' | '#')))
    {
        format!("{p:?} may only hold digits")
    } else {
        return Ok(());
    };
    Err(LinkError::InvalidDialRule { field, reason })
}

/// The user part to dial for `n` under `rules` (order in the module documentation).
pub fn apply_rules(n: &Normalized, rules: &DialRules) -> String {
    let e164 = match n {
        Normalized::Short(s) => return s.clone(),
        Normalized::E164(e) => e,
    };
    let national = e164.strip_prefix('+').unwrap_or(e164);
    let replaced = rules.replace_country.as_ref().and_then(|rc| {
        let cc = rc.country_code.trim_start_matches('+');
        if cc.is_empty() {
            return None;
        }
        national
            .strip_prefix(cc)
            .map(|rest| format!("{}{rest}", rc.with))
    });
    let number = match (replaced, &rules.international_prefix) {
        (Some(r), _) => r,
        (None, Some(idd)) => format!("{idd}{national}"),
        (None, None) if rules.strip_plus => national.to_owned(),
        (None, None) => e164.clone(),
    };
    match &rules.outside_prefix {
        Some(prefix) => format!("{prefix}{number}"),
        None => number,
    }
}
