//! Configuration errors, with positions converted from byte offsets to 1-based line:column.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::PathBuf;

/// Name used in messages when the configuration did not come from a file.
pub const NO_PATH: &str = "<config>";

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The file was read but is not a valid configuration.
    ///
    /// `line` and `column` are 1-based; `column` counts characters, not bytes.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file's path, or `<config>` when parsed from a string without one.
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl ConfigError {
    /// Builds an [`ConfigError::Invalid`] pointing at byte `offset` of `text`.
    pub(crate) fn invalid_at(
        path: &str,
        text: &str,
        offset: usize,
        message: impl fmt::Display,
    ) -> ConfigError {
        let (line, column) = line_column(text, offset);
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            column,
            message: message.to_string(),
        }
    }

    /// Like [`ConfigError::invalid_at`], for an optional byte range (start of file when absent).
    pub(crate) fn invalid_span(
        path: &str,
        text: &str,
        span: Option<Range<usize>>,
        message: impl fmt::Display,
    ) -> ConfigError {
        Self::invalid_at(path, text, span.map_or(0, |s| s.start), message)
    }
}

/// Converts a byte offset into a 1-based (line, column) pair; the column counts characters.
/// Offsets past the end (or inside a multi-byte character) are clamped.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn offsets_to_line_column() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (1, 3));
        assert_eq!(line_column(text, 3), (2, 1));
        // 'é' is two bytes; the character after it is column 4.
        assert_eq!(line_column(text, 7), (2, 4));
        assert_eq!(line_column(text, 8), (3, 1));
        assert_eq!(line_column(text, 1000), (3, 2));
        // Inside the multi-byte character: clamped back to its start.
        assert_eq!(line_column(text, 6), (2, 3));
    }
}
