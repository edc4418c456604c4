//! Face detection (SeetaFace frontal, `rustface`) and the quality gates.

use std::fmt;

use image::{GrayImage, RgbImage};

use super::FaceError;
use super::source::Frame;

/// The SeetaFace frontal detection model shipped in the `rustface` crate (see `model/README.md`).
static MODEL: &[u8] = include_bytes!("../../model/seeta_fd_frontal_v1.0.bin");

/// Side of the square patch the sharpness and light gates look at.
const GATE_SIDE: u32 = 96;

/// How the detector searches. The defaults keep a 320×240 key frame (a 640×480 camera frame
/// halved) under 50 ms on one core in a release build (`cargo bench -p sio-biometrics --bench face`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorSettings {
    /// Smallest face searched for, pixels of the key frame.
    pub min_face: u32,
    /// Sliding window step, pixels.
    pub step: u32,
    /// Image pyramid scale factor (0.8: each level 80 % of the previous).
    pub pyramid_scale: f32,
    /// Least detector score counted as a face.
    pub score_thresh: f64,
}

impl Default for DetectorSettings {
    fn default() -> Self {
        Self {
            min_face: 40,
            step: 4,
            pyramid_scale: 0.8,
            score_thresh: 2.0,
        }
    }
}

/// A face found in a frame, in that frame's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Detector score.
    pub score: f64,
}

impl FaceBox {
    /// Centre, x.
    pub fn cx(&self) -> f64 {
        f64::from(self.x) + f64::from(self.width) / 2.0
    }
    /// Centre, y.
    pub fn cy(&self) -> f64 {
        f64::from(self.y) + f64::from(self.height) / 2.0
    }
}

/// The face detector. Not `Send` (the model runtime is not); make one per thread — building
/// one takes a few milliseconds.
pub struct Detector {
    inner: Box<dyn rustface::Detector>,
}

impl fmt::Debug for Detector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Detector")
    }
}

impl Detector {
    /// A detector with the default settings.
    pub fn new() -> Result<Self, FaceError> {
        Self::with_settings(DetectorSettings::default())
    }

    /// A detector with `s`.
    pub fn with_settings(s: DetectorSettings) -> Result<Self, FaceError> {
        let model =
            rustface::read_model(MODEL).map_err(|e| FaceError::Model(format!("detector: {e}")))?;
        let mut inner = rustface::create_detector_with_model(model);
        inner.set_min_face_size(s.min_face.max(20));
        inner.set_score_thresh(s.score_thresh);
        inner.set_pyramid_scale_factor(s.pyramid_scale);
        inner.set_slide_window_step(s.step.max(1), s.step.max(1));
        Ok(Self { inner })
    }

    /// Faces in `frame` (best score first).
    pub fn detect(&mut self, frame: &Frame) -> Vec<FaceBox> {
        self.detect_gray(&frame.gray())
    }

    /// Faces in a grey image (best score first).
    pub fn detect_gray(&mut self, gray: &GrayImage) -> Vec<FaceBox> {
        let data = rustface::ImageData::new(gray.as_raw(), gray.width(), gray.height());
        let mut faces: Vec<FaceBox> = self
            .inner
            .detect(&data)
            .into_iter()
            .map(|f| {
                let b = f.bbox();
                FaceBox {
                    x: b.x(),
                    y: b.y(),
                    width: b.width(),
                    height: b.height(),
                    score: f.score(),
                }
            })
            .collect();
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));
        faces
    }
}

/// The quality gates a frame must pass before it is used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityGates {
    /// Least face width, pixels of the key frame (320 wide).
    pub min_face_width: u32,
    /// Least variance of the Laplacian of the face (scaled to 96×96 grey).
    pub min_sharpness: f64,
    /// Least mean brightness of the face, 0–255.
    pub min_brightness: f64,
    /// Least standard deviation of the face's brightness (contrast).
    pub min_contrast: f64,
}

impl Default for QualityGates {
    fn default() -> Self {
        Self {
            min_face_width: 56,
            min_sharpness: 40.0,
            min_brightness: 45.0,
            min_contrast: 12.0,
        }
    }
}

/// Measures of one face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    /// The face.
    pub face: FaceBox,
    /// Variance of the Laplacian.
    pub sharpness: f64,
    /// Mean brightness.
    pub brightness: f64,
    /// Standard deviation of brightness.
    pub contrast: f64,
}

/// Detect and apply the gates: exactly one face, large enough, sharp, lit.
pub fn assess(
    detector: &mut Detector,
    frame: &Frame,
    gates: &QualityGates,
) -> Result<Quality, FaceError> {
    let gray = frame.gray();
    let faces = detector.detect_gray(&gray);
    let face = match faces.as_slice() {
        [] => return Err(FaceError::NoFace),
        [one] => *one,
        many => return Err(FaceError::ManyFaces(many.len())),
    };
    if face.width < gates.min_face_width {
        return Err(FaceError::FaceTooSmall {
            width: face.width,
            min: gates.min_face_width,
        });
    }
    let patch = patch_gray(&gray, &face, GATE_SIDE);
    let (brightness, contrast) = mean_std(&patch);
    let sharpness = laplacian_variance(&patch);
    let q = Quality {
        face,
        sharpness,
        brightness,
        contrast,
    };
    if brightness < gates.min_brightness || contrast < gates.min_contrast {
        return Err(FaceError::TooDark);
    }
    if sharpness < gates.min_sharpness {
        return Err(FaceError::Blurred);
    }
    Ok(q)
}

/// The square around `face` (side `face.width × margin`, centred), clamped to the image, as RGB
/// `side × side` — the crop the embedding model sees.
#[cfg_attr(not(feature = "embed"), allow(dead_code))]
pub(crate) fn crop_rgb(rgb: &RgbImage, face: &FaceBox, margin: f64, side: u32) -> RgbImage {
    let (x0, y0, s) = square(face, margin, rgb.width(), rgb.height());
    let sub = image::imageops::crop_imm(rgb, x0, y0, s, s).to_image();
    image::imageops::resize(&sub, side, side, image::imageops::FilterType::Triangle)
}

pub(crate) fn patch_gray(gray: &GrayImage, face: &FaceBox, side: u32) -> GrayImage {
    let (x0, y0, s) = square(face, 1.0, gray.width(), gray.height());
    let sub = image::imageops::crop_imm(gray, x0, y0, s, s).to_image();
    image::imageops::resize(&sub, side, side, image::imageops::FilterType::Triangle)
}

fn square(face: &FaceBox, margin: f64, w: u32, h: u32) -> (u32, u32, u32) {
    let side = (f64::from(face.width.max(face.height)) * margin)
        .round()
        .max(1.0);
    let side = side.min(f64::from(w.min(h))).max(1.0);
    let x0 = (face.cx() - side / 2.0).clamp(0.0, f64::from(w) - side);
    let y0 = (face.cy() - side / 2.0).clamp(0.0, f64::from(h) - side);
    (x0 as u32, y0 as u32, side as u32)
}

fn mean_std(g: &GrayImage) -> (f64, f64) {
    let n = g.as_raw().len().max(1) as f64;
    let sum: f64 = g.as_raw().iter().map(|&v| f64::from(v)).sum();
    let mean = sum / n;
    let var: f64 = g
        .as_raw()
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var.sqrt())
}

/// Variance of the 4-neighbour Laplacian.
pub(crate) fn laplacian_variance(g: &GrayImage) -> f64 {
    let (w, h) = g.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let px = |x: u32, y: u32| f64::from(g.get_pixel(x, y).0[0]);
    let mut vals = Vec::with_capacity(((w - 2) * (h - 2)) as usize);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            vals.push(px(x - 1, y) + px(x + 1, y) + px(x, y - 1) + px(x, y + 1) - 4.0 * px(x, y));
        }
    }
    let n = vals.len() as f64;
    let mean = vals.iter().sum::<f64>() / n;
    vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n
}

/// Mean absolute difference of two faces' grey patches (32×32), 0–255: 0 for the very same image.
pub(crate) fn patch_difference(a: &GrayImage, fa: &FaceBox, b: &GrayImage, fb: &FaceBox) -> f64 {
    let pa = patch_gray(a, fa, 32);
    let pb = patch_gray(b, fb, 32);
    let n = pa.as_raw().len().max(1) as f64;
    pa.as_raw()
        .iter()
        .zip(pb.as_raw())
        .map(|(x, y)| f64::from(x.abs_diff(*y)))
        .sum::<f64>()
        / n
}
