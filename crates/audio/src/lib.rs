//! Audio devices behind one [`AudioBackend`] trait: cpal (real devices), WAV files (tests,
//! automation) and null. Real-time callbacks only move samples through lock-free ring buffers.
