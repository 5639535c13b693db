//! Audio devices, the microphone level meter and the speaker test.

use std::time::Duration;

use dialtone_api::{AudioDeviceInfo, AudioDevices};
use dialtone_audio::{AudioBackend, CpalBackend, DeviceInfo, DeviceKind};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::oneshot;
use tracing::warn;

use crate::error::ShellError;
use crate::state::Shell;

pub const DEVICES_EVENT: &str = "dialtone://devices";
pub const LEVEL_EVENT: &str = "dialtone://audio-level";
/// How often the device list is polled for hot-plug while the settings screen is open.
const DEVICE_POLL: Duration = Duration::from_secs(3);
/// The poll stops by itself after this long if nobody stops it.
const DEVICE_POLL_AT_MOST: Duration = Duration::from_secs(30 * 60);

/// Splits the backend's list into inputs and outputs.
pub fn split(devices: Vec<DeviceInfo>) -> AudioDevices {
    let mut out = AudioDevices::default();
    for d in devices {
        let info = AudioDeviceInfo {
            id: d.id,
            name: d.name,
            is_default: d.is_default,
        };
        match d.kind {
            DeviceKind::Input => out.inputs.push(info),
            DeviceKind::Output => out.outputs.push(info),
            _ => {}
        }
    }
    out
}

async fn list() -> Result<AudioDevices, ShellError> {
    let devices = tauri::async_runtime::spawn_blocking(|| CpalBackend::new().devices())
        .await
        .map_err(|_| ShellError::NotRunning)??;
    Ok(split(devices))
}

#[tauri::command]
pub async fn audio_devices() -> Result<AudioDevices, ShellError> {
    list().await
}

/// Sends the device lists to the windows (on `audio.device_changed` and while polling).
pub fn emit_devices(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match list().await {
            Ok(devices) => {
                if let Err(e) = app.emit(DEVICES_EVENT, &devices) {
                    warn!(error = %e, "cannot send the device list");
                }
            }
            Err(e) => warn!(error = %e, "cannot list the audio devices"),
        }
    });
}

/// Polls the device list while the settings screen is open (meter running), sending it
/// when it changes.
pub fn start_device_poll(app: &AppHandle) {
    let (stop, mut stopped) = oneshot::channel();
    if let Ok(mut poll) = app.state::<Shell>().device_poll.lock() {
        // Replacing the sender stops the previous poll.
        *poll = Some(stop);
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut last: Option<AudioDevices> = None;
        let deadline = tokio::time::Instant::now() + DEVICE_POLL_AT_MOST;
        while tokio::time::Instant::now() < deadline {
            if let Ok(devices) = list().await {
                if last.as_ref() != Some(&devices) {
                    if last.is_some() {
                        let _ = app.emit(DEVICES_EVENT, &devices);
                    }
                    last = Some(devices);
                }
            }
            tokio::select! {
                _ = &mut stopped => break,
                () = tokio::time::sleep(DEVICE_POLL) => {}
            }
        }
    });
}

pub fn stop_device_poll(app: &AppHandle) {
    if let Ok(mut poll) = app.state::<Shell>().device_poll.lock() {
        if let Some(stop) = poll.take() {
            let _ = stop.send(());
        }
    }
}

#[tauri::command]
pub async fn audio_meter_start(app: AppHandle, device: Option<String>) -> Result<(), ShellError> {
    let _ = (device, LEVEL_EVENT);
    start_device_poll(&app);
    Err(ShellError::Unavailable)
}

#[tauri::command]
pub async fn audio_meter_stop(app: AppHandle) -> Result<(), ShellError> {
    stop_device_poll(&app);
    Ok(())
}

#[tauri::command]
pub async fn audio_test_speaker(device: Option<String>) -> Result<(), ShellError> {
    let _ = device;
    Err(ShellError::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_split_by_kind_with_their_ids() {
        let d = |id: &str, kind, is_default| DeviceInfo {
            name: format!("{id} name"),
            id: id.into(),
            kind,
            is_default,
        };
        let out = split(vec![
            d("mic", DeviceKind::Input, true),
            d("spk", DeviceKind::Output, false),
            d("hs", DeviceKind::Input, false),
        ]);
        assert_eq!(
            out.inputs.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            ["mic", "hs"]
        );
        assert_eq!(out.outputs.len(), 1);
        assert_eq!(out.outputs[0].name, "spk name");
        assert!(out.inputs[0].is_default);
    }
}
