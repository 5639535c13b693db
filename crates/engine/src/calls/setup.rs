//! Starting the call manager from the config.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use dialtone_api::CallInfo;
use dialtone_audio::{backend_from_choice, AudioBackend, AudioChoice, EndOfInput};
use dialtone_sip::agent::UserAgent;
use tokio::sync::mpsc;
use tracing::info;

use super::media::PortRange;
use super::profile::CallProfile;
use super::{CallManager, ManagerInput, ManagerSettings};
use crate::config::{AudioBackendKind, AudioConfig, Config};
use crate::events::EventBus;

/// The handle the phone keeps: where to send inputs, and the calls as they stand.
pub(crate) struct Manager {
    pub inputs: mpsc::Sender<ManagerInput>,
    pub infos: Arc<Mutex<Vec<CallInfo>>>,
    /// Do-not-disturb, shared with the manager (which refuses incoming calls while set).
    pub dnd: Arc<AtomicBool>,
}

pub(crate) fn start(
    config: &Config,
    agent: UserAgent,
    events: EventBus,
    profiles: Vec<CallProfile>,
) -> Manager {
    let audio = audio_backend(&config.audio);
    info!(backend = audio.name(), "audio");
    let settings = ManagerSettings {
        calls: config.calls.clone(),
        media: config.media.clone(),
        audio: config.audio.clone(),
        rtp: PortRange {
            ip: config.sip.listen,
            min: config.media.rtp_port_min,
            max: config.media.rtp_port_max,
        },
        user_agent: config.sip.user_agent().to_owned(),
    };
    let infos = Arc::new(Mutex::new(Vec::new()));
    let dnd = Arc::new(AtomicBool::new(config.calls.dnd));
    let manager = CallManager::new(
        settings,
        agent,
        events,
        profiles.into_iter().map(Arc::new).collect(),
        audio,
        infos.clone(),
        dnd.clone(),
    );
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(manager.run(rx));
    Manager {
        inputs: tx,
        infos,
        dnd,
    }
}

fn audio_backend(config: &AudioConfig) -> Arc<dyn AudioBackend> {
    let choice = match config.backend {
        AudioBackendKind::Auto => AudioChoice::Auto,
        AudioBackendKind::Device => AudioChoice::Cpal,
        AudioBackendKind::Null => AudioChoice::Null,
        AudioBackendKind::File => AudioChoice::Wav {
            input: config.input_file.clone(),
            output: config.output_file.clone(),
            end_of_input: EndOfInput::Loop,
        },
    };
    backend_from_choice(&choice)
}
