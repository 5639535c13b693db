//! The app's `#[tauri::command]`s: the contract with the UI (ui/src/backend/tauri.ts).
//! Each one is named in build.rs and granted in capabilities/.

pub mod audio;
pub mod bridge;
pub mod history;
pub mod phone;
pub mod settings;
pub mod shell;
pub mod updates;
pub mod webhook;
