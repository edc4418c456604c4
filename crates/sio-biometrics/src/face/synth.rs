//! Synthetic frames from a still photo: the photo placed in a 640×480 frame under a shift, a
//! scale and a rotation, and sequences that follow a liveness challenge. For tests, benchmarks
//! and demonstrations only — a real user's head turns, a warped photo only moves.

use std::path::PathBuf;

use image::{Rgb, RgbImage};

use super::Frame;
use super::liveness::LivenessStep;

/// Where the face test data is: `SIO_FACE_DATA`, by default `.cache/face` at the root of the
/// source tree (filled by `scripts/fetch-test-data.sh`).
pub fn data_dir() -> PathBuf {
    std::env::var_os("SIO_FACE_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/face"),
        PathBuf::from,
    )
}

/// A photo of the test data (`astronaut.png`, `camera.png`).
pub fn load(name: &str) -> Result<RgbImage, super::FaceError> {
    let p = data_dir().join(name);
    image::open(&p).map(|i| i.to_rgb8()).map_err(|e| {
        super::FaceError::Image(format!(
            "{}: {e} (run scripts/fetch-test-data.sh)",
            p.display()
        ))
    })
}

/// The face of the astronaut in `astronaut.png`: centre and width, source pixels (as the
/// detector finds it).
pub const ASTRONAUT_FACE: ((f64, f64), f64) = ((224.0, 116.0), 95.0);

/// Camera frame width the synthetic frames have.
pub const WIDTH: u32 = 640;
/// Camera frame height.
pub const HEIGHT: u32 = 480;

/// Where the photo sits in the frame: the source point `anchor` lands at `at`, the photo scaled
/// by `scale` and turned by `angle_deg` (counter-clockwise) around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// Point of the photo (e.g. the centre of the face), source pixels.
    pub anchor: (f64, f64),
    /// Where it lands in the frame.
    pub at: (f64, f64),
    /// Scale.
    pub scale: f64,
    /// Rotation, degrees.
    pub angle_deg: f64,
}

/// `src` warped by `pose` into a [`WIDTH`]×[`HEIGHT`] frame (grey background, bilinear).
pub fn warp(src: &RgbImage, pose: &Pose) -> Frame {
    let (sw, sh) = (f64::from(src.width()), f64::from(src.height()));
    let (sin, cos) = (-pose.angle_deg).to_radians().sin_cos();
    let inv = 1.0 / pose.scale.max(1e-3);
    let out = RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let u = f64::from(x) - pose.at.0;
        let v = f64::from(y) - pose.at.1;
        let sx = pose.anchor.0 + (u * cos - v * sin) * inv;
        let sy = pose.anchor.1 + (u * sin + v * cos) * inv;
        if sx < 0.0 || sy < 0.0 || sx > sw - 1.0 || sy > sh - 1.0 {
            return Rgb([110, 110, 110]);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (x1, y1) = (
            (x0 + 1).min(src.width() - 1),
            (y0 + 1).min(src.height() - 1),
        );
        let (fx, fy) = (sx - f64::from(x0), sy - f64::from(y0));
        let p = |xx: u32, yy: u32, c: usize| f64::from(src.get_pixel(xx, yy).0[c]);
        let mut px = [0u8; 3];
        for (c, slot) in px.iter_mut().enumerate() {
            let top = p(x0, y0, c) * (1.0 - fx) + p(x1, y0, c) * fx;
            let bottom = p(x0, y1, c) * (1.0 - fx) + p(x1, y1, c) * fx;
            *slot = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
        }
        Rgb(px)
    });
    Frame::new(out)
}

/// How a synthetic user follows a challenge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// The face's centre in the photo, source pixels.
    pub face_centre: (f64, f64),
    /// The face's width in the photo, source pixels.
    pub face_width: f64,
    /// Scale at the start.
    pub start_scale: f64,
    /// Sideways move of a turn, in face widths.
    pub shift: f64,
    /// Growth of the face on "closer".
    pub growth: f64,
    /// Frames in between two key positions (the movement itself).
    pub between: usize,
}

impl Plan {
    /// A cooperative user: turns of 0.4 face widths, 1.4× closer, two frames in between.
    pub fn cooperative(face_centre: (f64, f64), face_width: f64) -> Self {
        Self {
            face_centre,
            face_width,
            start_scale: 1.3,
            shift: 0.4,
            growth: 1.4,
            between: 2,
        }
    }
}

/// The key poses of `steps` (the start, then one after each step), centred in the frame.
pub fn key_poses(plan: &Plan, steps: &[LivenessStep]) -> Vec<Pose> {
    let mut x = 0.0f64;
    let mut scale = plan.start_scale;
    let mut path = vec![(x, scale)];
    for s in steps {
        let face = plan.face_width * scale;
        match s {
            LivenessStep::TurnLeft => x += plan.shift * face,
            LivenessStep::TurnRight => x -= plan.shift * face,
            LivenessStep::Closer => scale *= plan.growth,
        }
        path.push((x, scale));
    }
    let lo = path.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hi = path.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let offset = f64::from(WIDTH) / 2.0 - (lo + hi) / 2.0;
    path.iter()
        .enumerate()
        .map(|(i, (x, scale))| Pose {
            anchor: plan.face_centre,
            at: (x + offset, f64::from(HEIGHT) / 2.0),
            scale: *scale,
            // A living head is never perfectly still: a slight alternating tilt.
            angle_deg: if i % 2 == 0 { 2.0 } else { -2.0 },
        })
        .collect()
}

/// A recorded sequence following `steps`: the key poses with `plan.between` frames moving
/// between each two.
pub fn follow(src: &RgbImage, plan: &Plan, steps: &[LivenessStep]) -> Vec<Frame> {
    let poses = key_poses(plan, steps);
    let mut out = Vec::new();
    for (i, pose) in poses.iter().enumerate() {
        if i > 0 {
            let prev = poses[i - 1];
            for k in 1..=plan.between {
                let t = k as f64 / (plan.between + 1) as f64;
                let lerp = |a: f64, b: f64| a + (b - a) * t;
                out.push(warp(
                    src,
                    &Pose {
                        anchor: pose.anchor,
                        at: (lerp(prev.at.0, pose.at.0), lerp(prev.at.1, pose.at.1)),
                        scale: lerp(prev.scale, pose.scale),
                        angle_deg: lerp(prev.angle_deg, pose.angle_deg),
                    },
                ));
            }
        }
        out.push(warp(src, pose));
    }
    out
}

/// `frame` blurred (Gaussian, `sigma` pixels): an out-of-focus camera.
pub fn blurred(frame: &Frame, sigma: f32) -> Frame {
    Frame::new(image::imageops::blur(frame.rgb(), sigma))
}

/// `frame` darkened by `factor` (0–1): a room without light.
pub fn darkened(frame: &Frame, factor: f64) -> Frame {
    let mut img = frame.rgb().clone();
    for p in img.pixels_mut() {
        for c in &mut p.0 {
            *c = (f64::from(*c) * factor).round().clamp(0.0, 255.0) as u8;
        }
    }
    Frame::new(img)
}
