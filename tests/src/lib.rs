//! Support for the end-to-end tests: a private Kamailio on loopback, the real `dialtone`
//! binary with its events and control socket, baresip peers driven over ctrl_tcp, tone WAV
//! analysis, and a call rig putting them together.

pub mod baresip;
pub mod bridge;
pub mod browser;
pub mod desktop;
pub mod desktop_app;
pub mod http;
pub mod kamailio;
pub mod notifications;
pub mod page;
pub mod phone;
pub mod rig;
pub mod sipp;
pub mod static_server;
pub mod tone;
pub mod tray;
pub mod wait;
pub mod webhook;
