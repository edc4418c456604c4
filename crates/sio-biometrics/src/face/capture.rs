//! Following a liveness challenge on a live source, and single preview frames for the UI.

use std::time::{Duration, Instant};

use image::GrayImage;

use super::detect::{Detector, DetectorSettings, FaceBox, QualityGates, assess};
use super::liveness::{LivenessStep, follows};
use super::{FaceError, Frame, FrameSource};

/// How capture runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CaptureSettings {
    /// Time allowed for the whole challenge (the gateway's limit, less the network's share).
    pub time_limit: Duration,
    /// Most frames looked at for one step before giving up (a still photo never moves).
    pub max_frames_per_step: usize,
    /// The quality gates.
    pub gates: QualityGates,
    /// The detector's search.
    pub detector: DetectorSettings,
}

impl Default for CaptureSettings {
    fn default() -> Self {
        Self {
            time_limit: Duration::from_secs(30),
            max_frames_per_step: 150,
            gates: QualityGates::default(),
            detector: DetectorSettings::default(),
        }
    }
}

/// What the UI shows over the live preview.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// Index of the step being done (0-based), `None` while waiting for a good first frame.
    pub step: Option<usize>,
    /// The step being asked for, if any.
    pub instruction: Option<LivenessStep>,
    /// The face found in the key-frame copy of the frame (320 px wide).
    pub face: Option<FaceBox>,
    /// Code of the quality gate that failed on this frame (`BIO_NO_FACE`, …), if one did.
    pub problem: Option<&'static str>,
    /// Size of the key-frame copy the face box refers to.
    pub key_size: (u32, u32),
}

/// The key frames of a challenge followed to the end.
#[derive(Debug)]
pub struct Captured {
    /// The start, then one frame after each step (320×240 copies, as sent).
    pub key_frames: Vec<Frame>,
    /// Frames looked at.
    pub frames_seen: usize,
    /// Time taken.
    pub elapsed: Duration,
}

/// One frame and what the quality gates say of it, for a preview with a face guide.
pub fn preview(
    source: &mut dyn FrameSource,
    detector: &mut Detector,
    gates: &QualityGates,
) -> Result<(Frame, Preview), FaceError> {
    let frame = source.next_frame()?;
    let key = frame.to_key_frame();
    let (face, problem) = match assess(detector, &key, gates) {
        Ok(q) => (Some(q.face), None),
        Err(e) => (detector.detect(&key).first().copied(), Some(e.code())),
    };
    let p = Preview {
        step: None,
        instruction: None,
        face,
        problem,
        key_size: (key.width(), key.height()),
    };
    Ok((frame, p))
}

/// Follow `steps` on `source`: a good first frame, then for each step the first good frame in
/// which the face has moved as asked. `on_frame` sees every frame with its [`Preview`] (to draw
/// the live preview); it must not keep the frame.
pub fn capture(
    source: &mut dyn FrameSource,
    steps: &[LivenessStep],
    settings: &CaptureSettings,
    on_frame: &mut dyn FnMut(&Frame, &Preview),
) -> Result<Captured, FaceError> {
    let start = Instant::now();
    let mut detector = Detector::with_settings(settings.detector)?;
    let mut keys: Vec<Frame> = Vec::with_capacity(steps.len() + 1);
    let mut last: Option<(GrayImage, FaceBox)> = None;
    let mut seen = 0usize;
    let mut seen_this_step = 0usize;
    while keys.len() < steps.len() + 1 {
        if start.elapsed() > settings.time_limit {
            return Err(FaceError::Timeout);
        }
        let step_index = keys.len().checked_sub(1);
        if seen_this_step >= settings.max_frames_per_step {
            return Err(match step_index {
                None => FaceError::NoFace,
                Some(i) => FaceError::Liveness {
                    step: i + 1,
                    reason: format!(
                        "no {} seen in {} frames",
                        steps[i].as_str(),
                        settings.max_frames_per_step
                    ),
                },
            });
        }
        let frame = source.next_frame()?;
        seen += 1;
        seen_this_step += 1;
        let key = frame.to_key_frame();
        let assessed = assess(&mut detector, &key, &settings.gates);
        let preview = Preview {
            step: step_index,
            instruction: step_index.map(|i| steps[i]),
            face: assessed.as_ref().ok().map(|q| q.face),
            problem: assessed.as_ref().err().map(FaceError::code),
            key_size: (key.width(), key.height()),
        };
        on_frame(&frame, &preview);
        let Ok(q) = assessed else { continue };
        let cur = (key.gray(), q.face);
        let accept = match (&last, step_index) {
            (None, _) | (_, None) => true,
            (Some(prev), Some(i)) => follows(steps[i], prev, &cur),
        };
        if accept {
            last = Some(cur);
            keys.push(key);
            seen_this_step = 0;
        }
    }
    Ok(Captured {
        key_frames: keys,
        frames_seen: seen,
        elapsed: start.elapsed(),
    })
}
