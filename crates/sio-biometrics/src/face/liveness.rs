//! Liveness: the gateway's random challenge, checked on key frames.
//!
//! The gateway draws [`CHALLENGE_STEPS`] steps at random ([`random_steps`]); the user follows them
//! in front of the camera within a time limit. A key frame is kept at the start and after each
//! step; between two consecutive key frames the face box must have moved as the step asks
//! ([`step_done`]) and the face pixels must differ. The client checks this before sending, and
//! the gateway checks it again on the key frames it receives, with its own detector — it never
//! trusts the client's verdict.
//!
//! Directions are the user's own: on [`LivenessStep::TurnLeft`] the user turns and moves their
//! head to their left, so in the camera's (unmirrored) image the face moves to the **right**
//! (x grows); a mirrored preview shows it moving left, as in a mirror.
//!
//! What it resists and what it does not is written down in SECURITY.md ("Face ID").

use image::GrayImage;
use rand::Rng;

use super::detect::{Detector, FaceBox, Quality, QualityGates, assess, patch_difference};
use super::{FaceError, Frame};

/// Steps in a challenge.
pub const CHALLENGE_STEPS: usize = 4;
/// Least sideways movement of the face centre for a turn, as a fraction of the face width
/// (the gateway's check; the client asks for more, [`CAPTURE_MIN_SHIFT`], so that a frame it
/// accepts passes the gateway after JPEG and the detector's coarse box sizes).
pub const MIN_SHIFT: f64 = 0.2;
/// Least growth of the face width for "come closer" (gateway; the client asks for
/// [`CAPTURE_MIN_GROWTH`]).
pub const MIN_GROWTH: f64 = 1.1;
/// During a turn the face size stays within this factor either way (gateway; the client asks
/// for [`CAPTURE_TURN_TOLERANCE`]).
pub const TURN_SCALE_TOLERANCE: f64 = 1.2;
/// The client's sideways movement for a turn.
pub const CAPTURE_MIN_SHIFT: f64 = 0.28;
/// The client's growth for "closer".
pub const CAPTURE_MIN_GROWTH: f64 = 1.2;
/// The client's size tolerance during a turn.
pub const CAPTURE_TURN_TOLERANCE: f64 = 1.15;
/// Least mean absolute difference (0–255) of two consecutive faces' pixels: a still image
/// repeated gives 0.
pub const MIN_PIXEL_CHANGE: f64 = 1.5;

/// One movement asked of the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LivenessStep {
    /// Turn and move the head to the user's left (the face moves right in the camera image).
    TurnLeft,
    /// Turn and move the head to the user's right (the face moves left in the camera image).
    TurnRight,
    /// Come closer to the camera (the face grows).
    Closer,
}

impl LivenessStep {
    /// Stable name (also the wire name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TurnLeft => "turn_left",
            Self::TurnRight => "turn_right",
            Self::Closer => "closer",
        }
    }
}

/// A random challenge: [`CHALLENGE_STEPS`] steps, "closer" at most twice (the face must stay in
/// the frame), never the same step twice in a row.
pub fn random_steps<R: Rng + ?Sized>(rng: &mut R) -> Vec<LivenessStep> {
    const ALL: [LivenessStep; 3] = [
        LivenessStep::TurnLeft,
        LivenessStep::TurnRight,
        LivenessStep::Closer,
    ];
    let mut steps: Vec<LivenessStep> = Vec::with_capacity(CHALLENGE_STEPS);
    while steps.len() < CHALLENGE_STEPS {
        let s = ALL[rng.gen_range(0..ALL.len())];
        let closers = steps.iter().filter(|x| **x == LivenessStep::Closer).count();
        if steps.last() == Some(&s) || (s == LivenessStep::Closer && closers >= 2) {
            continue;
        }
        steps.push(s);
    }
    steps
}

/// Whether the move from `prev` to `cur` is `step` (the gateway's thresholds); otherwise why not.
pub fn step_done(step: LivenessStep, prev: &FaceBox, cur: &FaceBox) -> Result<(), String> {
    step_within(step, prev, cur, MIN_SHIFT, MIN_GROWTH, TURN_SCALE_TOLERANCE)
}

fn step_within(
    step: LivenessStep,
    prev: &FaceBox,
    cur: &FaceBox,
    min_shift: f64,
    min_growth: f64,
    tolerance: f64,
) -> Result<(), String> {
    let w = f64::from(prev.width.max(1));
    let shift = (cur.cx() - prev.cx()) / w;
    let growth = f64::from(cur.width) / w;
    let steady = (1.0 / tolerance..=tolerance).contains(&growth);
    match step {
        LivenessStep::TurnLeft if shift >= min_shift && steady => Ok(()),
        LivenessStep::TurnRight if shift <= -min_shift && steady => Ok(()),
        LivenessStep::Closer if growth >= min_growth => Ok(()),
        _ => Err(format!(
            "expected {}, saw a shift of {shift:+.2} face widths and a size change of ×{growth:.2}",
            step.as_str()
        )),
    }
}

/// Check `key_frames` (the start, then one after each step) against `steps`: every frame passes
/// the quality gates, every move is the step asked for, consecutive faces differ. Returns each
/// frame's measures.
pub fn check_steps(
    detector: &mut Detector,
    gates: &QualityGates,
    steps: &[LivenessStep],
    key_frames: &[Frame],
) -> Result<Vec<Quality>, FaceError> {
    if key_frames.len() != steps.len() + 1 {
        return Err(FaceError::Liveness {
            step: 0,
            reason: format!(
                "{} key frames for {} steps (expected {})",
                key_frames.len(),
                steps.len(),
                steps.len() + 1
            ),
        });
    }
    let mut out: Vec<Quality> = Vec::with_capacity(key_frames.len());
    let mut prev: Option<(GrayImage, FaceBox)> = None;
    for (i, frame) in key_frames.iter().enumerate() {
        let q = assess(detector, frame, gates)?;
        let gray = frame.gray();
        if let Some((pg, pf)) = &prev {
            let step = steps[i - 1];
            step_done(step, pf, &q.face)
                .map_err(|reason| FaceError::Liveness { step: i, reason })?;
            let change = patch_difference(pg, pf, &gray, &q.face);
            if change < MIN_PIXEL_CHANGE {
                return Err(FaceError::Liveness {
                    step: i,
                    reason: format!("the face did not change (difference {change:.2})"),
                });
            }
        }
        prev = Some((gray, q.face));
        out.push(q);
    }
    Ok(out)
}

/// Whether `cur` (gray, face) follows `prev` as `step` asks, pixels included (used while
/// capturing).
pub(crate) fn follows(
    step: LivenessStep,
    prev: &(GrayImage, FaceBox),
    cur: &(GrayImage, FaceBox),
) -> bool {
    step_within(
        step,
        &prev.1,
        &cur.1,
        CAPTURE_MIN_SHIFT,
        CAPTURE_MIN_GROWTH,
        CAPTURE_TURN_TOLERANCE,
    )
    .is_ok()
        && patch_difference(&prev.0, &prev.1, &cur.0, &cur.1) >= MIN_PIXEL_CHANGE
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x: i32, w: u32) -> FaceBox {
        FaceBox {
            x,
            y: 50,
            width: w,
            height: w,
            score: 5.0,
        }
    }

    #[test]
    fn turns_and_closer_are_told_apart() {
        let start = b(100, 80);
        assert!(step_done(LivenessStep::TurnLeft, &start, &b(130, 80)).is_ok());
        assert!(step_done(LivenessStep::TurnRight, &start, &b(130, 80)).is_err());
        assert!(step_done(LivenessStep::TurnRight, &start, &b(70, 82)).is_ok());
        assert!(step_done(LivenessStep::Closer, &start, &b(90, 100)).is_ok());
        assert!(step_done(LivenessStep::Closer, &start, &start).is_err());
        assert!(step_done(LivenessStep::TurnLeft, &start, &start).is_err());
        // A turn with a big jump in size is not a turn.
        assert!(step_done(LivenessStep::TurnLeft, &start, &b(140, 110)).is_err());
        // The client asks for more than the gateway accepts.
        assert!(step_done(LivenessStep::TurnLeft, &start, &b(118, 80)).is_ok());
        let (p, c) = (
            (GrayImage::new(1, 1), start),
            (GrayImage::new(1, 1), b(118, 80)),
        );
        assert!(!follows(LivenessStep::TurnLeft, &p, &c));
    }

    #[test]
    fn random_challenges_follow_their_rules() {
        let mut rng = rand::thread_rng();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..300 {
            let s = random_steps(&mut rng);
            assert_eq!(s.len(), CHALLENGE_STEPS);
            assert!(s.windows(2).all(|w| w[0] != w[1]));
            assert!(s.iter().filter(|x| **x == LivenessStep::Closer).count() <= 2);
            seen.insert(s);
        }
        assert!(seen.len() > 10, "challenges vary: {}", seen.len());
    }
}
