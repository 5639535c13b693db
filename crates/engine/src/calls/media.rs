//! One call's media on the network and the sound card: the RTP/RTCP sockets, the sans-IO
//! [`MediaSession`] and an [`AudioStream`], driven by one tokio task on a ptime tick.
//!
//! The session sits behind a `std::sync::Mutex` shared with the call manager, which uses it
//! for SDP (offers, answers, hold) between ticks; nobody awaits while holding it.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use dialtone_api::CallId;
use dialtone_audio::{AudioBackend, AudioEvent, AudioStream, StreamConfig};
use dialtone_media::{MediaConfig, MediaEvent, MediaSession, TransmitKind};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tracing::{debug, info, warn};

use crate::error::EngineError;

/// How many random even ports to try before giving up.
const BIND_ATTEMPTS: usize = 64;
/// Largest datagram read.
const MAX_DATAGRAM: usize = 2048;
/// At most this many capture frames are sent per tick when a device has a backlog.
const MAX_FRAMES_PER_TICK: usize = 5;

/// What the media task tells the call manager.
#[derive(Debug)]
pub enum MediaNotice {
    Media(MediaEvent),
    Audio(AudioEvent),
}

/// The RTP port range and address a call's sockets bind to.
#[derive(Debug, Clone)]
pub struct PortRange {
    pub ip: IpAddr,
    pub min: u16,
    pub max: u16,
}

/// What the media task needs besides the session: sockets, audio and where to report.
pub struct MediaRuntime {
    session: Arc<Mutex<MediaSession>>,
    sockets: Option<(UdpSocket, UdpSocket)>,
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
}

impl MediaRuntime {
    /// Binds an even RTP port and the RTCP port above it, and creates the session.
    pub async fn bind(
        range: &PortRange,
        advertised: IpAddr,
        mut config: MediaConfig,
    ) -> Result<MediaRuntime, EngineError> {
        let (rtp, rtcp) = bind_pair(range).await?;
        let port = rtp
            .local_addr()
            .map_err(|e| EngineError::Media(format!("RTP socket: {e}")))?
            .port();
        config.local_rtp = SocketAddr::new(advertised, port);
        Ok(MediaRuntime {
            session: Arc::new(Mutex::new(MediaSession::new(config))),
            sockets: Some((rtp, rtcp)),
            stop: None,
            task: None,
        })
    }

    /// The session, for SDP work and controls.
    pub fn session(&self) -> MutexGuard<'_, MediaSession> {
        lock(&self.session)
    }

    /// Starts moving audio (after the first answer). Idempotent.
    pub fn start(
        &mut self,
        call_id: CallId,
        audio: Arc<dyn AudioBackend>,
        devices: (Option<String>, Option<String>),
        echo_cancellation: bool,
        notices: mpsc::Sender<(CallId, MediaNotice)>,
    ) {
        let Some((rtp, rtcp)) = self.sockets.take() else {
            return;
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        let task = MediaTask {
            call_id,
            session: self.session.clone(),
            rtp,
            rtcp,
            audio,
            devices,
            echo_cancellation,
            notices,
        };
        self.stop = Some(stop_tx);
        self.task = Some(tokio::spawn(task.run(stop_rx)));
    }

    /// Stops the task: an RTCP BYE goes out and the audio stream closes (a WAV recording is
    /// finalised). Waits for the task so that the recording is complete when this returns.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                warn!("media task did not stop within 2 s");
            }
        }
        self.sockets = None;
    }
}

fn lock(session: &Mutex<MediaSession>) -> MutexGuard<'_, MediaSession> {
    session
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn bind_pair(range: &PortRange) -> Result<(UdpSocket, UdpSocket), EngineError> {
    let first = range.min + range.min % 2;
    let pairs = u32::from(range.max.saturating_sub(first)) / 2;
    if pairs == 0 {
        return Err(EngineError::Media(format!(
            "RTP port range {}-{} has no room for a port pair",
            range.min, range.max
        )));
    }
    for _ in 0..BIND_ATTEMPTS {
        let k = rand::random::<u32>() % pairs;
        let port = first + (k * 2) as u16;
        let Ok(rtp) = UdpSocket::bind(SocketAddr::new(range.ip, port)).await else {
            continue;
        };
        if let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(range.ip, port + 1)).await {
            return Ok((rtp, rtcp));
        }
    }
    Err(EngineError::Media(format!(
        "no free RTP port pair in {}-{} on {} after {BIND_ATTEMPTS} tries",
        range.min, range.max, range.ip
    )))
}

struct MediaTask {
    call_id: CallId,
    session: Arc<Mutex<MediaSession>>,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    audio: Arc<dyn AudioBackend>,
    devices: (Option<String>, Option<String>),
    echo_cancellation: bool,
    notices: mpsc::Sender<(CallId, MediaNotice)>,
}

impl MediaTask {
    /// Opens the audio stream off the async threads (a device can take a while to open;
    /// a WAV input is resampled as it opens). Until it is ready the call sends silence.
    fn open_audio(&self, rate: u32, frame: usize) -> JoinHandle<Option<AudioStream>> {
        let config = StreamConfig {
            sample_rate: rate,
            frame_samples: frame,
            input: self.devices.0.clone(),
            output: self.devices.1.clone(),
        };
        let backend = self.audio.clone();
        let echo = self.echo_cancellation;
        let call_id = self.call_id.clone();
        tokio::task::spawn_blocking(move || match backend.open(&config) {
            Ok(mut stream) => {
                if echo && stream.is_realtime() {
                    if let Err(e) = stream.set_echo_cancel(true) {
                        warn!(error = %e, "echo cancellation unavailable");
                    }
                }
                Some(stream)
            }
            Err(e) => {
                warn!(call = %call_id, error = %e, "cannot open audio; the call continues without sound");
                None
            }
        })
    }

    async fn run(self, mut stop: watch::Receiver<bool>) {
        let (rate, frame, ptime) = {
            let s = lock(&self.session);
            let rate = s.sample_rate();
            let frame = s.frame_samples();
            let ptime = Duration::from_micros(frame as u64 * 1_000_000 / u64::from(rate.max(1)));
            (rate, frame, ptime)
        };
        let mut opening = Some(self.open_audio(rate, frame));
        let mut audio: Option<AudioStream> = None;
        let mut tick = tokio::time::interval(ptime.max(Duration::from_millis(10)));
        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let mut rtp_buf = vec![0u8; MAX_DATAGRAM];
        let mut rtcp_buf = vec![0u8; MAX_DATAGRAM];
        let mut capture = vec![0i16; frame];
        let mut playout: Vec<i16> = Vec::with_capacity(frame);
        loop {
            let deadline = lock(&self.session)
                .poll_timeout()
                .map(Instant::from_std)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = stop.changed() => break,
                r = self.rtp.recv_from(&mut rtp_buf) => {
                    if let Ok((n, from)) = r {
                        lock(&self.session).handle_rtp(std::time::Instant::now(), from, &rtp_buf[..n]);
                    }
                }
                r = self.rtcp.recv_from(&mut rtcp_buf) => {
                    if let Ok((n, from)) = r {
                        lock(&self.session).handle_rtcp(std::time::Instant::now(), from, &rtcp_buf[..n]);
                    }
                }
                _ = tick.tick() => {
                    if opening.as_ref().is_some_and(JoinHandle::is_finished) {
                        if let Some(done) = opening.take() {
                            audio = done.await.ok().flatten();
                            if let Some(a) = &audio {
                                // The first frame is read and played on this tick: the
                                // latency script lines recordings up by this instant.
                                info!(
                                    call = %self.call_id,
                                    at = %chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                                    rate = a.sample_rate(),
                                    "audio stream ready"
                                );
                            }
                        }
                    }
                    let now = std::time::Instant::now();
                    let mut s = lock(&self.session);
                    if s.frame_samples() != capture.len() {
                        // A re-INVITE changed the codec: reopen audio at the new rate (the
                        // opening itself runs on the blocking pool).
                        drop(audio.take());
                        opening = Some(self.open_audio(s.sample_rate(), s.frame_samples()));
                        capture = vec![0; s.frame_samples()];
                    }
                    match audio.as_mut() {
                        Some(a) => {
                            let frames = if a.is_realtime() { MAX_FRAMES_PER_TICK } else { 1 };
                            for _ in 0..frames {
                                if !a.read_frame(&mut capture) {
                                    break;
                                }
                                s.send_audio(now, &capture);
                            }
                        }
                        None => {
                            capture.fill(0);
                            s.send_audio(now, &capture);
                        }
                    }
                    playout.clear();
                    s.play_audio(now, &mut playout);
                    if let Some(a) = audio.as_mut() {
                        a.write_frame(&playout);
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    lock(&self.session).handle_timeout(std::time::Instant::now());
                }
            }
            self.flush().await;
            self.report(audio.as_mut());
        }
        lock(&self.session).close(std::time::Instant::now());
        self.flush().await;
        if let Some(opening) = opening {
            drop(opening.await);
        }
        drop(audio);
        debug!(call = %self.call_id, "media stopped");
    }

    async fn flush(&self) {
        loop {
            let Some(t) = lock(&self.session).poll_transmit() else {
                return;
            };
            let socket = match t.kind {
                TransmitKind::Rtcp => &self.rtcp,
                _ => &self.rtp,
            };
            if let Err(e) = socket.send_to(&t.data, t.to).await {
                debug!(to = %t.to, error = %e, "RTP send failed");
            }
        }
    }

    fn report(&self, audio: Option<&mut AudioStream>) {
        loop {
            let Some(e) = lock(&self.session).poll_event() else {
                break;
            };
            let _ = self
                .notices
                .try_send((self.call_id.clone(), MediaNotice::Media(e)));
        }
        if let Some(a) = audio {
            while let Some(e) = a.poll_event() {
                let _ = self
                    .notices
                    .try_send((self.call_id.clone(), MediaNotice::Audio(e)));
            }
        }
    }
}
