//! Face capture, detection, quality gates and liveness (Rules of 2024, rule 18: Face ID as the
//! second factor; Appendix 4: a webcam on every workstation).
//!
//! - [`FrameSource`]: where frames come from — a webcam ([`camera`], feature `camera`), or in
//!   tests a still image ([`StillSource`], the "printed photo") or a recorded sequence
//!   ([`SequenceSource`]).
//! - [`Detector`]: the SeetaFace frontal detector (`rustface`, model compiled into this crate) on
//!   a downscaled grey copy of the frame; [`assess`] applies the quality gates (exactly one face,
//!   minimum size, sharp, lit).
//! - [`liveness`]: the gateway's random challenge (turn left, turn right, come closer) checked on
//!   the key frames; [`capture`] follows a challenge on a live source.
//! - [`embed`] (feature `embed`, the gateway's side): MobileFaceNet embeddings through
//!   `tract-tflite`, cosine similarity, templates.
//! - [`synth`]: affine-warped frames (shift, scale, rotation) for tests, benchmarks and demos.
//!
//! Frames and crops are biometric samples: their pixel buffers are zeroed on drop and never
//! written to disk by this crate.

#[cfg(feature = "camera")]
pub mod camera;
mod capture;
mod detect;
#[cfg(feature = "embed")]
pub mod embed;
mod error;
pub mod liveness;
mod source;
pub mod synth;

pub use capture::{CaptureSettings, Captured, Preview, capture, preview};
pub use detect::{Detector, DetectorSettings, FaceBox, Quality, QualityGates, assess};
pub use error::FaceError;
pub use liveness::{LivenessStep, check_steps};
pub use source::{
    Frame, FrameSource, KEY_FRAME_HEIGHT, KEY_FRAME_WIDTH, SequenceSource, StillSource,
    decode_key_frame,
};
