//! What can go wrong turning a link or a number into something to dial.

/// Why a link, number, region, dial rule or screen-pop template was refused.
///
/// Inputs are shown with `{:?}` so that control characters in them cannot forge log lines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// Nothing (or only white space) was given.
    #[error("nothing to dial")]
    Empty,
    /// The input, or the number in it, is longer than is sensible.
    #[error("too long: more than {max} {unit}")]
    TooLong { max: usize, unit: &'static str },
    /// A scheme other than `tel:`, `sip:`, `sips:` or `callto:` (e.g. `javascript:`).
    #[error("links of the kind `{0}:` cannot be dialled")]
    UnsupportedScheme(String),
    /// The input is not a number that can be dialled.
    #[error("{input:?} is not a diallable number: {reason}")]
    InvalidNumber { input: String, reason: String },
    /// A `sip:`/`sips:` URI (or `user@host`) that is malformed.
    #[error("{input:?} is not a valid SIP URI: {reason}")]
    InvalidUri { input: String, reason: String },
    /// The default region is not an ISO 3166 alpha-2 code known to the numbering plan data.
    #[error("{0:?} is not a known region (expected an ISO 3166 alpha-2 code such as \"DE\")")]
    InvalidRegion(String),
    /// The number is syntactically fine but is not a valid phone number in E.164 terms.
    #[error("{number:?} is not a valid phone number (default region {region}): {reason}")]
    NotE164 {
        number: String,
        region: String,
        reason: String,
    },
    /// A dial rule that cannot be applied (e.g. letters in a prefix).
    #[error("dial rule `{field}` is invalid: {reason}")]
    InvalidDialRule { field: &'static str, reason: String },
    /// A screen-pop template names a placeholder that does not exist.
    #[error("unknown screen-pop placeholder {{{0}}} (known: {{e164}}, {{number}}, {{name}}, {{callId}}, {{direction}}, {{accountId}})")]
    UnknownPlaceholder(String),
    /// A screen-pop template that is malformed or would not give an http(s) URL.
    #[error("invalid screen-pop template {template:?}: {reason}")]
    InvalidTemplate { template: String, reason: String },
}
