//! The main window (hidden to the tray on close) and the incoming-call popup.

use tauri::{
    AppHandle, Manager, PhysicalPosition, WebviewUrl, WebviewWindow, WebviewWindowBuilder, Window,
    WindowEvent,
};
use tracing::warn;

use crate::state::Shell;

pub const MAIN: &str = "main";
pub const INCOMING: &str = "incoming";

/// The popup's size in logical pixels, and its distance from the screen's corner.
const INCOMING_SIZE: (f64, f64) = (360.0, 150.0);
const INCOMING_MARGIN: f64 = 16.0;

pub fn main_window(app: &AppHandle) -> Option<WebviewWindow> {
    app.get_webview_window(MAIN)
}

/// Shows, restores and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(w) = main_window(app) {
        let shown = w
            .show()
            .and_then(|()| w.unminimize())
            .and_then(|()| w.set_focus());
        if let Err(e) = shown {
            warn!(error = %e, "cannot show the main window");
        }
    }
}

/// Show/Hide from the tray.
pub fn toggle_main(app: &AppHandle) {
    if let Some(w) = main_window(app) {
        if w.is_visible().unwrap_or(false) {
            if let Err(e) = w.hide() {
                warn!(error = %e, "cannot hide the main window");
            }
        } else {
            show_main(app);
        }
    }
}

/// Closing the main window hides it to the tray; the app quits from the tray's menu.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        if window.label() == MAIN && window.app_handle().state::<Shell>().has_tray() {
            api.prevent_close();
            if let Err(e) = window.hide() {
                warn!(error = %e, "cannot hide the main window");
            }
        }
    }
}

/// Opens the popup for `call_id` at the bottom right of the primary monitor, without taking
/// the keyboard focus. A popup already there (call waiting) is replaced.
pub fn open_incoming(app: &AppHandle, call_id: &str) {
    let url = format!("incoming.html?callId={}", url_encode(call_id));
    if let Some(old) = app.get_webview_window(INCOMING) {
        let shown = old
            .url()
            .and_then(|base| {
                base.join(&format!("/{url}"))
                    .map_err(tauri::Error::InvalidUrl)
            })
            .and_then(|next| old.navigate(next))
            .and_then(|()| old.show());
        match shown {
            Ok(()) => remember_incoming(app, call_id),
            Err(e) => warn!(error = %e, "cannot show the incoming-call window"),
        }
        return;
    }
    let mut builder = WebviewWindowBuilder::new(app, INCOMING, WebviewUrl::App(url.into()))
        .title("Incoming call")
        .inner_size(INCOMING_SIZE.0, INCOMING_SIZE.1)
        .resizable(false)
        .always_on_top(true)
        .focused(false)
        .skip_taskbar(true)
        .decorations(false)
        .visible(true);
    if let Some(pos) = corner_position(app) {
        builder = builder.position(pos.0, pos.1);
    }
    match builder.build() {
        Ok(_) => remember_incoming(app, call_id),
        Err(e) => warn!(error = %e, "cannot open the incoming-call window"),
    }
}

fn remember_incoming(app: &AppHandle, call_id: &str) {
    if let Ok(mut shown) = app.state::<Shell>().incoming.lock() {
        *shown = Some(call_id.to_owned());
    }
}

/// Closes the popup if it shows `call_id`.
pub fn close_incoming(app: &AppHandle, call_id: &str) {
    let shell = app.state::<Shell>();
    let Ok(mut shown) = shell.incoming.lock() else {
        return;
    };
    if shown.as_deref() != Some(call_id) {
        return;
    }
    *shown = None;
    if let Some(w) = app.get_webview_window(INCOMING) {
        if let Err(e) = w.hide() {
            warn!(error = %e, "cannot close the incoming-call window");
        }
    }
}

/// Whether the window labelled `label` exists and is shown.
pub fn visible(app: &AppHandle, label: &str) -> bool {
    app.get_webview_window(label)
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(false)
}

/// Bottom right of the primary monitor's work area, in logical pixels.
fn corner_position(app: &AppHandle) -> Option<(f64, f64)> {
    let monitor = app.primary_monitor().ok().flatten()?;
    let scale = monitor.scale_factor();
    let area = monitor.work_area();
    let origin: PhysicalPosition<i32> = area.position;
    let (x, y) = bottom_right(
        (f64::from(origin.x) / scale, f64::from(origin.y) / scale),
        (
            f64::from(area.size.width) / scale,
            f64::from(area.size.height) / scale,
        ),
        INCOMING_SIZE,
        INCOMING_MARGIN,
    );
    Some((x, y))
}

/// Where a window of `size` goes in the bottom-right corner of an area, `margin` inside it.
pub fn bottom_right(
    origin: (f64, f64),
    area: (f64, f64),
    size: (f64, f64),
    margin: f64,
) -> (f64, f64) {
    (
        (origin.0 + area.0 - size.0 - margin).max(origin.0),
        (origin.1 + area.1 - size.1 - margin).max(origin.1),
    )
}

/// Percent-encodes a query value (call ids are plain, but nothing is assumed).
fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popup_sits_in_the_bottom_right_corner_inside_the_margin() {
        let (x, y) = bottom_right((0.0, 0.0), (1920.0, 1080.0), (360.0, 150.0), 16.0);
        assert_eq!((x, y), (1544.0, 914.0));
        // A second monitor's origin is honoured.
        let (x, _) = bottom_right((1920.0, 0.0), (1280.0, 1024.0), (360.0, 150.0), 16.0);
        assert_eq!(x, 1920.0 + 1280.0 - 376.0);
    }

    #[test]
    fn popup_never_leaves_a_tiny_screen() {
        assert_eq!(
            bottom_right((0.0, 0.0), (200.0, 100.0), (360.0, 150.0), 16.0),
            (0.0, 0.0)
        );
    }

    #[test]
    fn call_ids_are_encoded_in_the_popup_url() {
        assert_eq!(url_encode("c-1&x=y"), "c-1%26x%3Dy");
    }
}
