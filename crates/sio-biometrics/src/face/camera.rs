//! The webcam through `nokhwa` (V4L2 on Linux, Media Foundation on Windows): listing cameras,
//! opening one at the resolution closest to 640×480, and frames as a [`FrameSource`].
//! Failures map to `BIO_NO_CAMERA`, `BIO_CAMERA_BUSY`, `BIO_CAMERA_DENIED` or `BIO_CAMERA_FAILED`.

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};

use super::{FaceError, Frame, FrameSource};

/// A camera the OS offers, for the camera picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraEntry {
    /// Index to open it with.
    pub index: u32,
    /// Human name.
    pub name: String,
    /// Driver's description.
    pub description: String,
}

/// Map a `nokhwa` failure to our codes by what the OS said.
fn map_err(e: nokhwa::NokhwaError) -> FaceError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("busy") || lower.contains("ebusy") || lower.contains("in use") {
        FaceError::CameraBusy
    } else if lower.contains("permission") || lower.contains("denied") || lower.contains("eacces") {
        FaceError::CameraDenied
    } else if lower.contains("no such") || lower.contains("not found") || lower.contains("enoent") {
        FaceError::NoCamera
    } else {
        FaceError::Camera(text)
    }
}

/// The cameras the OS offers; `BIO_NO_CAMERA` when there are none.
pub fn list() -> Result<Vec<CameraEntry>, FaceError> {
    let found = nokhwa::query(ApiBackend::Auto).map_err(map_err)?;
    let cams: Vec<CameraEntry> = found
        .iter()
        .filter_map(|c| match c.index() {
            CameraIndex::Index(i) => Some(CameraEntry {
                index: *i,
                name: c.human_name(),
                description: c.description().to_string(),
            }),
            CameraIndex::String(_) => None,
        })
        .collect();
    if cams.is_empty() {
        return Err(FaceError::NoCamera);
    }
    Ok(cams)
}

/// An open camera streaming frames. The camera lives on its own thread (the OS handle is not
/// `Send`); frames come over a channel of one, so the newest frame is always the next one.
pub struct CameraSource {
    frames: std::sync::mpsc::Receiver<Result<Frame, FaceError>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    name: String,
    resolution: (u32, u32),
}

impl std::fmt::Debug for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CameraSource({})", self.name)
    }
}

fn open_camera(index: u32, width: u32, height: u32) -> Result<Camera, FaceError> {
    let wanted = CameraFormat::new(Resolution::new(width, height), FrameFormat::MJPEG, 30);
    let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
    let mut camera = Camera::new(CameraIndex::Index(index), format).map_err(map_err)?;
    camera.open_stream().map_err(map_err)?;
    Ok(camera)
}

fn grab(camera: &mut Camera) -> Result<Frame, FaceError> {
    let buffer = camera.frame().map_err(map_err)?;
    let decoded = buffer.decode_image::<RgbFormat>().map_err(map_err)?;
    let (w, h) = (decoded.width(), decoded.height());
    let rgb = image::RgbImage::from_raw(w, h, decoded.into_raw())
        .ok_or_else(|| FaceError::Camera("the camera gave a frame of the wrong size".into()))?;
    Ok(Frame::new(rgb))
}

impl CameraSource {
    /// Open camera `index` at the format closest to `width`×`height` at 30 frames a second
    /// (640×480 is what the detector is tuned for).
    pub fn open(index: u32, width: u32, height: u32) -> Result<Self, FaceError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let (info_tx, info_rx) = std::sync::mpsc::channel();
        let (tx, frames) = std::sync::mpsc::sync_channel(1);
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stop_thread = stop.clone();
        std::thread::spawn(move || {
            let mut camera = match open_camera(index, width, height) {
                Ok(c) => c,
                Err(e) => {
                    let _ = info_tx.send(Err(e));
                    return;
                }
            };
            let r = camera.resolution();
            let _ = info_tx.send(Ok((camera.info().human_name(), (r.width(), r.height()))));
            while !stop_thread.load(Ordering::Relaxed) {
                if tx.send(grab(&mut camera)).is_err() {
                    break;
                }
            }
            let _ = camera.stop_stream();
        });
        let (name, resolution) = info_rx
            .recv()
            .map_err(|_| FaceError::Camera("the camera thread ended".into()))??;
        Ok(Self {
            frames,
            stop,
            name,
            resolution,
        })
    }

    /// The resolution the camera agreed to.
    pub fn resolution(&self) -> (u32, u32) {
        self.resolution
    }
}

impl FrameSource for CameraSource {
    fn next_frame(&mut self) -> Result<Frame, FaceError> {
        self.frames.recv().map_err(|_| FaceError::SourceEnded)?
    }
    fn name(&self) -> String {
        self.name.clone()
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}
