//! alsa-lib prints its errors straight to stderr ("ALSA lib pcm.c:2666: Unknown PCM default"
//! a dozen times per probe on a machine without a sound card). Device probing runs inside
//! [`quietly`], which sends those lines to `tracing::debug!` instead.

/// Run `f` with alsa-lib's error output for this thread captured and logged at debug level.
#[cfg(target_os = "linux")]
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let capture = alsa::Output::local_error_handler().ok();
    let result = f();
    if let Some(output) = capture {
        let text = output.borrow().to_string();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            tracing::debug!(target: "alsa", "{line}");
        }
        // A fresh, empty buffer replaces the filled one (which is freed here).
        drop(output);
        if let Ok(fresh) = alsa::Output::local_error_handler() {
            drop(fresh);
        }
    }
    result
}

/// Elsewhere there is nothing to quieten.
#[cfg(not(target_os = "linux"))]
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> T {
    f()
}
