//! E.164 normalisation with libphonenumber's numbering plans (the `phonenumber` crate).
//!
//! [`normalize`] sorts a dialled number into an E.164 number or a short code, by these
//! rules, in order:
//! 1. a number with `*` or `#` is a service code: [`Normalized::Short`], dialled as is;
//! 2. a number without `+` that does not start with `0` and has at most
//!    [`MAX_SHORT_DIGITS`] digits is an internal extension or a service number
//!    (`1002`, `112`, `911`): [`Normalized::Short`]. Extensions win over the (rare)
//!    national plans where such a number would also be valid;
//! 3. otherwise [`to_e164`] gives [`Normalized::E164`];
//! 4. failing that, a number without `+` of at most [`MAX_ZERO_SHORT_DIGITS`] digits
//!    (`0` for the operator, Australia's `000`) is [`Normalized::Short`];
//! 5. anything else is the error from [`to_e164`].
//!
//! [`to_e164`] reads a leading `00` as `+` whatever the region (it is the international
//! prefix nearly everywhere); other international prefixes (`011` in the US) are read by
//! the region's own plan. A number must be valid (`is_valid`), not merely possible.

use crate::error::LinkError;
use crate::link::DialNumber;
use crate::number::clean_number;
use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;
use phonenumber::Mode;
use std::str::FromStr;

/// Rule 2: most digits of an internal extension.
pub const MAX_SHORT_DIGITS: usize = 6;
/// Rule 4: most digits of a short code starting with `0`.
pub const MAX_ZERO_SHORT_DIGITS: usize = 3;

/// A number ready for dial rules.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Normalized {
    /// `+` and digits, e.g. `+49301234567`.
    E164(String),
    /// An internal extension or service code (`1002`, `112`, `*97#`), dialled as is.
    Short(String),
}

impl Normalized {
    /// The number as text, whichever kind it is.
    pub fn as_str(&self) -> &str {
        match self {
            Normalized::E164(s) | Normalized::Short(s) => s,
        }
    }
}

/// `number` (separators allowed) in E.164 form (`+49301234567`), reading national numbers
/// by `default_region` (ISO 3166 alpha-2, any case: `"DE"`, `"us"`).
///
/// ```
/// assert_eq!(dialtone_links::to_e164("030 1234567", "DE").unwrap(), "+49301234567");
/// assert_eq!(dialtone_links::to_e164("0044 20 7946 0958", "DE").unwrap(), "+442079460958");
/// ```
pub fn to_e164(number: &str, default_region: &str) -> Result<String, LinkError> {
    let region = parse_region(default_region)?;
    let cleaned = clean_number(number, number)?;
    e164_in(&cleaned, region)
}

/// Sorts `number` into E.164 or a short code (rules in the module documentation), reading
/// national numbers by `region`, or, for a local `tel:` number whose `phone-context` is a
/// `+` prefix, by the country of that prefix (`tel:030123;phone-context=+49` is German
/// whatever `region` says). A domain-name context changes nothing. The extension is not
/// part of the result.
///
/// Errors: an unknown `region` (always checked), a number with bad characters, or a
/// number that is neither short nor valid.
pub fn normalize(number: &DialNumber, region: &str) -> Result<Normalized, LinkError> {
    let mut region = parse_region(region)?;
    let cleaned = clean_number(&number.number, &number.number)?;
    if cleaned.contains(['*', '#']) {
        return Ok(Normalized::Short(cleaned));
    }
    let global = cleaned.starts_with('+');
    if !global && !cleaned.starts_with('0') && cleaned.len() <= MAX_SHORT_DIGITS {
        return Ok(Normalized::Short(cleaned));
    }
    if !global {
        if let Some(ctx_region) = number.phone_context.as_deref().and_then(region_of_prefix) {
            region = ctx_region;
        }
    }
    match e164_in(&cleaned, region) {
        Ok(e164) => Ok(Normalized::E164(e164)),
        Err(_) if !global && cleaned.len() <= MAX_ZERO_SHORT_DIGITS => {
            Ok(Normalized::Short(cleaned))
        }
        Err(e) => Err(e),
    }
}

/// `cleaned` is the output of `clean_number`.
fn e164_in(cleaned: &str, region: Id) -> Result<String, LinkError> {
    let not_e164 = |reason: String| LinkError::NotE164 {
        number: cleaned.to_owned(),
        region: region.as_ref().to_owned(),
        reason,
    };
    if cleaned.contains(['*', '#']) {
        return Err(not_e164(
            "service codes with `*` or `#` have no E.164 form".to_owned(),
        ));
    }
    let candidate = match cleaned.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => cleaned.to_owned(),
    };
    // A `+` number carries its own country. Passing the default region as well makes
    // phonenumber 0.3.10 lose Italy's leading zero (`+39 06…` with region DE is refused).
    let region_arg = (!candidate.starts_with('+')).then_some(region);
    let parsed = phonenumber::parse(region_arg, &candidate).map_err(|e| not_e164(e.to_string()))?;
    if !parsed.is_valid() {
        return Err(not_e164(
            "it is not a valid number in its country's numbering plan".to_owned(),
        ));
    }
    Ok(parsed.format().mode(Mode::E164).to_string())
}

/// Checks an ISO 3166 alpha-2 region code against the numbering plan data.
/// Checks an ISO 3166 region code against the numbering-plan data (`DE` yes, `XX` no).
/// Loads that data on first use (about a second in a debug build), so it also warms it up.
pub fn check_region(region: &str) -> Result<(), LinkError> {
    parse_region(region).map(|_| ())
}

fn parse_region(region: &str) -> Result<Id, LinkError> {
    let bad = || LinkError::InvalidRegion(region.to_owned());
    let code = region.trim().to_ascii_uppercase();
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(bad());
    }
    DATABASE.by_id(code.as_str()).ok_or_else(bad)?;
    Id::from_str(&code).map_err(|_| bad())
}

/// The main region of the country code that starts `prefix` (`+4930` → DE).
fn region_of_prefix(prefix: &str) -> Option<Id> {
    let digits = prefix.strip_prefix('+')?;
    (1..=3).filter_map(|n| digits.get(..n)).find_map(|cc| {
        let code = cc.parse::<u16>().ok()?;
        let metas = DATABASE.by_code(&code)?;
        let main = metas
            .iter()
            .find(|m| m.is_main_country_for_code())
            .or(metas.first())?;
        Id::from_str(main.id()).ok()
    })
}
