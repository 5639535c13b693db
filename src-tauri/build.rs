//! Names every app command so the capabilities can grant them one by one.

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "phone_status",
            "phone_execute",
            "history_query",
            "settings_get",
            "settings_save",
            "account_set_password",
            "audio_devices",
            "audio_meter_start",
            "audio_meter_stop",
            "audio_test_speaker",
            "bridge_info",
            "bridge_regenerate_token",
            "bridge_approve_origin",
            "bridge_revoke_origin",
            "webhook_test",
            "clipboard_write",
            "updates_check",
            "updates_install",
            "shell_info",
            "window_show_main",
            "window_close_self",
        ]),
    ))
    .unwrap_or_else(|e| panic!("tauri build: {e:#}"));
}
