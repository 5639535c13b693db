//! The Dialtone desktop shell (Tauri 2): windows, tray, notifications, links and updates
//! around the same service the headless binary runs. No telephony logic lives here.

mod app;
pub mod commands;
pub mod error;
pub mod forward;
pub mod links;
mod notify;
mod restart;
mod signals;
pub mod state;
mod tray;
pub mod updates;
pub mod windows;

pub use app::run;
pub use error::ShellError;
