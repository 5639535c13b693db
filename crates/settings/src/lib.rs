//! The desktop app's settings screens: the config file and OS keyring seen as one
//! [`dialtone_api::Settings`] document.
//!
//! [`load`] maps the config file to [`Settings`](dialtone_api::Settings); [`save`] edits the
//! file in place (comments, key order and every key the screens do not show are kept),
//! validates the result with the engine's own parser before anything is written, and
//! replaces the file atomically. Passwords never go in the file: [`set_password`] puts them
//! in the OS keyring under the entry the engine reads.

mod error;
mod field;
mod fs;
mod load;
mod map;
mod password;
mod save;
mod toml_write;

pub use error::SettingsError;
pub use load::load;
pub use password::{keyring_status, set_password};
pub use save::{save, Saved};
