//! Audio devices, the microphone level meter and the speaker test.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dialtone_api::{AudioDeviceInfo, AudioDevices, AudioLevel};
use dialtone_audio::{
    play_test_tone, AudioBackend, CpalBackend, DeviceInfo, DeviceKind, LevelMeter,
};
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
/// The meter waits at most this long for a reading before looking at its stop flag.
const METER_TICK: Duration = Duration::from_millis(250);
/// A meter nobody stops ends by itself after this long.
const METER_AT_MOST: Duration = Duration::from_secs(30 * 60);

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

/// Starts the microphone level meter: `dialtone://audio-level` events a few times a second
/// until [`audio_meter_stop`] (or a new start). Also polls the device list for hot-plug.
#[tauri::command]
pub async fn audio_meter_start(app: AppHandle, device: Option<String>) -> Result<(), ShellError> {
    stop_meter(&app);
    let stop = Arc::new(AtomicBool::new(false));
    if let Ok(mut meter) = app.state::<Shell>().meter.lock() {
        *meter = Some(stop.clone());
    }
    let (started, start_result) = oneshot::channel();
    let emitter = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let meter = match LevelMeter::start(&CpalBackend::new(), device.as_deref()) {
            Ok(m) => {
                let _ = started.send(Ok(()));
                m
            }
            Err(e) => {
                let _ = started.send(Err(e));
                return;
            }
        };
        let deadline = Instant::now() + METER_AT_MOST;
        while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
            if let Some(r) = meter.wait(METER_TICK) {
                let level = AudioLevel {
                    rms: r.rms,
                    peak: r.peak,
                };
                if emitter.emit(LEVEL_EVENT, level).is_err() {
                    break;
                }
            }
        }
    });
    start_result.await.map_err(|_| ShellError::NotRunning)??;
    start_device_poll(&app);
    Ok(())
}

fn stop_meter(app: &AppHandle) {
    if let Ok(mut meter) = app.state::<Shell>().meter.lock() {
        if let Some(stop) = meter.take() {
            stop.store(true, Ordering::Relaxed);
        }
    }
}

#[tauri::command]
pub async fn audio_meter_stop(app: AppHandle) -> Result<(), ShellError> {
    stop_meter(&app);
    stop_device_poll(&app);
    Ok(())
}

/// Plays a short test tone on `device` (the default speaker when absent).
#[tauri::command]
pub async fn audio_test_speaker(device: Option<String>) -> Result<(), ShellError> {
    tauri::async_runtime::spawn_blocking(move || {
        play_test_tone(&CpalBackend::new(), device.as_deref())
    })
    .await
    .map_err(|_| ShellError::NotRunning)??;
    Ok(())
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
