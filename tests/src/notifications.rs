//! A desktop notification server (`org.freedesktop.Notifications`) on a test's private session
//! bus. It records what the app shows and presses its buttons by sending `ActionInvoked`, as a
//! notification daemon does when a person clicks; no daemon runs under Xvfb. It speaks the
//! freedesktop notification protocol over real D-Bus to the app's own notify-rust code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use zbus::blocking::connection::{Builder, Connection};
use zbus::zvariant::OwnedValue;

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
/// How often a press is repeated until its effect shows (the app subscribes to the signals
/// only after `Notify` has answered, so the first press may come too early).
const PRESS_EVERY: Duration = Duration::from_millis(300);
const POLL: Duration = Duration::from_millis(100);

/// One notification as the app sent it.
#[derive(Debug, Clone)]
pub struct Shown {
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    /// Action keys, in order (`default`, `answer`, ...).
    pub actions: Vec<String>,
    pub closed: bool,
}

#[derive(Default)]
struct Record {
    shown: Vec<Shown>,
}

struct Server(Arc<Mutex<Record>>);

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let Ok(mut record) = self.0.lock() else {
            return 0;
        };
        let id = u32::try_from(record.shown.len() + 1).unwrap_or(u32::MAX);
        record.shown.push(Shown {
            id,
            app_name,
            summary,
            body,
            // Actions come as key, label, key, label, ...
            actions: actions.iter().step_by(2).cloned().collect(),
            closed: false,
        });
        id
    }

    fn close_notification(&self, id: u32) {
        if let Ok(mut record) = self.0.lock() {
            if let Some(shown) = record.shown.iter_mut().find(|s| s.id == id) {
                shown.closed = true;
            }
        }
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "dialtone-test-notifications".into(),
            "dialtone".into(),
            "0".into(),
            "1.2".into(),
        )
    }
}

/// The server, owning the name on the bus until dropped.
pub struct Notifications {
    connection: Connection,
    record: Arc<Mutex<Record>>,
}

impl Notifications {
    /// Serves `org.freedesktop.Notifications` on the bus at `bus_address`.
    pub fn start(bus_address: &str) -> Result<Notifications> {
        let record = Arc::new(Mutex::new(Record::default()));
        let connection = Builder::address(bus_address)?
            .name(NAME)?
            .serve_at(PATH, Server(record.clone()))?
            .build()
            .context("serving org.freedesktop.Notifications on the test bus")?;
        Ok(Notifications { connection, record })
    }

    /// Everything shown so far.
    pub fn shown(&self) -> Vec<Shown> {
        self.record
            .lock()
            .map(|r| r.shown.clone())
            .unwrap_or_default()
    }

    /// Waits for a notification whose summary is `summary`.
    pub fn wait_for(&self, summary: &str, within: Duration) -> Result<Shown> {
        let mut found = None;
        crate::wait::until(within, POLL, || {
            found = self.shown().into_iter().find(|s| s.summary == summary);
            Ok(found.is_some())
        })
        .with_context(|| format!("no {summary:?} notification; shown: {:?}", self.shown()))?;
        found.context("no notification")
    }

    /// Presses `action` on notification `id` (sends `ActionInvoked`), again every
    /// [`PRESS_EVERY`] until `done` says its effect is there, for at most `within`.
    pub fn press_until(
        &self,
        id: u32,
        action: &str,
        within: Duration,
        mut done: impl FnMut() -> Result<bool>,
    ) -> Result<()> {
        let mut next_press = Instant::now();
        crate::wait::until(within, POLL, || {
            if Instant::now() >= next_press {
                self.connection
                    .emit_signal(None::<&str>, PATH, NAME, "ActionInvoked", &(id, action))
                    .context("sending ActionInvoked")?;
                next_press = Instant::now() + PRESS_EVERY;
            }
            done()
        })
        .with_context(|| format!("pressing {action:?} on notification {id} had no effect"))
    }
}
