//! Frames and where they come from.

use std::fmt;
use std::io::Cursor;
use std::path::Path;

use image::{GrayImage, ImageFormat, RgbImage};
use zeroize::Zeroize as _;

use super::FaceError;

/// Width and height of a key frame as sent to the gateway (the detector's working size).
pub const KEY_FRAME_WIDTH: u32 = 320;
/// Height of a key frame.
pub const KEY_FRAME_HEIGHT: u32 = 240;
/// Largest key frame the gateway decodes, either side.
const MAX_DECODE_SIDE: u32 = 1024;

/// One RGB frame. A biometric sample: the pixels are zeroed on drop, `Debug` shows only the size.
pub struct Frame {
    rgb: RgbImage,
}

impl Frame {
    /// Wrap an RGB image.
    pub fn new(rgb: RgbImage) -> Self {
        Self { rgb }
    }

    /// Read a still image (PNG or JPEG) from a file.
    pub fn open(path: &Path) -> Result<Self, FaceError> {
        let img =
            image::open(path).map_err(|e| FaceError::Image(format!("{}: {e}", path.display())))?;
        Ok(Self::new(img.to_rgb8()))
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.rgb.width()
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.rgb.height()
    }

    /// The pixels.
    pub fn rgb(&self) -> &RgbImage {
        &self.rgb
    }

    /// Luma (BT.601) of the frame.
    pub fn gray(&self) -> GrayImage {
        gray_of(&self.rgb)
    }

    /// A copy scaled to fit the key frame size (320×240 for a 4:3 camera), aspect kept. Frames
    /// already that small are copied as they are.
    pub fn to_key_frame(&self) -> Frame {
        let (w, h) = (self.width(), self.height());
        if w <= KEY_FRAME_WIDTH && h <= KEY_FRAME_HEIGHT {
            return Frame::new(self.rgb.clone());
        }
        let s = f64::min(
            f64::from(KEY_FRAME_WIDTH) / f64::from(w),
            f64::from(KEY_FRAME_HEIGHT) / f64::from(h),
        );
        let nw = ((f64::from(w) * s).round() as u32).max(1);
        let nh = ((f64::from(h) * s).round() as u32).max(1);
        Frame::new(image::imageops::resize(
            &self.rgb,
            nw,
            nh,
            image::imageops::FilterType::Triangle,
        ))
    }

    /// JPEG (quality 92) of this frame, for the signed face proof. The buffer is a sample too:
    /// the caller keeps it in a zeroizing container.
    pub fn encode_jpeg(&self) -> Result<Vec<u8>, FaceError> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
            .encode_image(&self.rgb)
            .map_err(|e| FaceError::Image(e.to_string()))?;
        Ok(out)
    }
}

/// Decode a key frame received from a client (JPEG or PNG), refusing anything larger than
/// 1024 px a side or other formats.
pub fn decode_key_frame(bytes: &[u8]) -> Result<Frame, FaceError> {
    let format = image::guess_format(bytes).map_err(|e| FaceError::Image(e.to_string()))?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png) {
        return Err(FaceError::Image(
            "only JPEG or PNG frames are accepted".into(),
        ));
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(16 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| FaceError::Image(e.to_string()))?;
    Ok(Frame::new(img.to_rgb8()))
}

pub(crate) fn gray_of(rgb: &RgbImage) -> GrayImage {
    GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
        let p = rgb.get_pixel(x, y).0;
        let l = (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000;
        image::Luma([l as u8])
    })
}

impl Clone for Frame {
    fn clone(&self) -> Self {
        Self::new(self.rgb.clone())
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let buf: &mut [u8] = &mut self.rgb;
        buf.zeroize();
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Frame({}×{}, <pixels redacted>)",
            self.width(),
            self.height()
        )
    }
}

/// Where frames come from: a camera, or in tests still images and recorded sequences.
pub trait FrameSource: Send {
    /// The next frame; blocks until the camera delivers one.
    fn next_frame(&mut self) -> Result<Frame, FaceError>;
    /// A short name for the UI and the journal (e.g. the camera's name), never pixels.
    fn name(&self) -> String;
}

/// The same image over and over: a printed photo held still in front of the camera.
#[derive(Debug)]
pub struct StillSource {
    frame: Frame,
    left: Option<usize>,
}

impl StillSource {
    /// An endless repetition of `frame`.
    pub fn new(frame: Frame) -> Self {
        Self { frame, left: None }
    }
    /// At most `n` repetitions, then [`FaceError::SourceEnded`].
    pub fn limited(frame: Frame, n: usize) -> Self {
        Self {
            frame,
            left: Some(n),
        }
    }
}

impl FrameSource for StillSource {
    fn next_frame(&mut self) -> Result<Frame, FaceError> {
        match &mut self.left {
            Some(0) => Err(FaceError::SourceEnded),
            Some(n) => {
                *n -= 1;
                Ok(self.frame.clone())
            }
            None => Ok(self.frame.clone()),
        }
    }
    fn name(&self) -> String {
        "still image".into()
    }
}

/// A recorded sequence of frames, played once.
#[derive(Debug)]
pub struct SequenceSource {
    frames: std::collections::VecDeque<Frame>,
}

impl SequenceSource {
    /// Play `frames` in order.
    pub fn new(frames: Vec<Frame>) -> Self {
        Self {
            frames: frames.into(),
        }
    }
}

impl FrameSource for SequenceSource {
    fn next_frame(&mut self) -> Result<Frame, FaceError> {
        self.frames.pop_front().ok_or(FaceError::SourceEnded)
    }
    fn name(&self) -> String {
        "recorded sequence".into()
    }
}
