//! The settings screen's view of the devices: inputs and outputs apart, and a check that a
//! device can really be opened before a meter or test tone tries it.

use crate::alsa_quiet::quietly;
use crate::backend::AudioBackend;
use crate::cpal_backend::{choose_format, find_device};
use crate::error::AudioError;
use crate::types::{DeviceInfo, DeviceKind};

/// The backend's devices as (inputs, outputs), in the order it lists them. File and null
/// backends have none.
pub fn list_devices(
    backend: &dyn AudioBackend,
) -> Result<(Vec<DeviceInfo>, Vec<DeviceInfo>), AudioError> {
    let (inputs, outputs) = backend
        .devices()?
        .into_iter()
        .partition(|d| d.kind == DeviceKind::Input);
    Ok((inputs, outputs))
}

/// For the cpal backend: checks that the `kind` device `name` (or the default one) exists
/// and offers a usable format, so that a machine without a sound card gets
/// [`AudioError::NoDevice`] ("no audio input device available") rather than an error about
/// ALSA's placeholder `default` device. Other backends need no device: always `Ok`.
pub(crate) fn check_device(
    backend: &dyn AudioBackend,
    kind: DeviceKind,
    name: Option<&str>,
) -> Result<(), AudioError> {
    if backend.name() != "cpal" {
        return Ok(());
    }
    let found = quietly(|| find_device(kind, name).and_then(|d| choose_format(&d, kind)));
    match (found, name) {
        (Ok(_), _) => Ok(()),
        // The default device is missing or unusable: there is no such device at all.
        (Err(AudioError::NoUsableFormat { .. } | AudioError::Device { .. }), None) => {
            Err(AudioError::NoDevice { kind })
        }
        (Err(e), _) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CpalBackend, NullBackend, WavBackend};

    #[test]
    fn file_and_null_backends_list_nothing() {
        let (i, o) = list_devices(&NullBackend).expect("null devices");
        assert!(i.is_empty() && o.is_empty());
        let (i, o) = list_devices(&WavBackend::new(None, None)).expect("wav devices");
        assert!(i.is_empty() && o.is_empty());
        assert!(check_device(&NullBackend, DeviceKind::Input, Some("nope")).is_ok());
    }

    #[test]
    fn cpal_lists_inputs_and_outputs_apart() {
        // Whatever this machine has (often nothing): never a panic, kinds sorted apart.
        if let Ok((inputs, outputs)) = list_devices(&CpalBackend::new()) {
            assert!(inputs.iter().all(|d| d.kind == DeviceKind::Input));
            assert!(outputs.iter().all(|d| d.kind == DeviceKind::Output));
        }
    }

    #[test]
    fn a_missing_named_cpal_device_is_named() {
        let e = check_device(
            &CpalBackend::new(),
            DeviceKind::Input,
            Some("no such microphone 42"),
        );
        match e {
            Err(AudioError::DeviceNotFound { kind, name }) => {
                assert_eq!(kind, DeviceKind::Input);
                assert_eq!(name, "no such microphone 42");
            }
            // Listing itself can fail on a machine with no audio system at all.
            Err(AudioError::Enumerate(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}
