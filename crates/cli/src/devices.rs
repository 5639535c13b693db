//! `dialtone devices`: the sound devices cpal sees.

use std::process::ExitCode;

use dialtone_audio::{AudioBackend, CpalBackend, DeviceKind};

pub fn list() -> anyhow::Result<ExitCode> {
    let devices = CpalBackend::new().devices()?;
    if devices.is_empty() {
        println!("no sound devices found: calls will be silent (set [audio] backend = \"null\" to say so, or \"file\" for WAV files)");
        return Ok(ExitCode::SUCCESS);
    }
    for kind in [DeviceKind::Input, DeviceKind::Output] {
        println!(
            "{}:",
            if kind == DeviceKind::Input {
                "input"
            } else {
                "output"
            }
        );
        for d in devices.iter().filter(|d| d.kind == kind) {
            let default = if d.is_default { " (default)" } else { "" };
            println!("  {}{}  [id: {}]", d.name, default, d.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}
