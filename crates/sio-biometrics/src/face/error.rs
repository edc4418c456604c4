//! Errors of the face factor, each with a stable code.

/// Why face capture, checking or matching failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// No camera is connected (or none the OS lets us see).
    #[error("no camera found")]
    NoCamera,
    /// The camera is in use by another program.
    #[error("the camera is busy (used by another program)")]
    CameraBusy,
    /// The OS refused access to the camera.
    #[error("access to the camera was denied")]
    CameraDenied,
    /// Any other camera failure.
    #[error("camera failure: {0}")]
    Camera(String),
    /// The frame source has no more frames (a recorded sequence ended).
    #[error("the frame source has no more frames")]
    SourceEnded,
    /// No face in the frame.
    #[error("no face in the frame")]
    NoFace,
    /// More than one face in the frame.
    #[error("{0} faces in the frame; only the user may be in front of the camera")]
    ManyFaces(usize),
    /// The face is too small (too far from the camera).
    #[error("the face is too small ({width} px, at least {min} px): come closer")]
    FaceTooSmall {
        /// Face width in the frame.
        width: u32,
        /// Least width accepted.
        min: u32,
    },
    /// The face is blurred (variance of the Laplacian below the gate).
    #[error("the image is blurred: hold still or clean the lens")]
    Blurred,
    /// The face is too dark or has no contrast.
    #[error("the face is not lit enough: turn on a light")]
    TooDark,
    /// The frame sequence did not follow the liveness challenge.
    #[error("liveness check failed at step {step}: {reason}")]
    Liveness {
        /// Step number (1-based) that failed.
        step: usize,
        /// What was wrong.
        reason: String,
    },
    /// The challenge's time limit passed before every step was done.
    #[error("the liveness challenge timed out")]
    Timeout,
    /// An image could not be decoded or encoded.
    #[error("bad image: {0}")]
    Image(String),
    /// The face embedding model could not be loaded or run.
    #[error("face model: {0}")]
    Model(String),
}

sio_error::coded! {
    FaceError, default FixInput;
    Self::NoCamera => "BIO_NO_CAMERA" [CheckDevice],
    Self::CameraBusy => "BIO_CAMERA_BUSY" [CheckDevice],
    Self::CameraDenied => "BIO_CAMERA_DENIED" [Administrator],
    Self::Camera(_) => "BIO_CAMERA_FAILED" [CheckDevice],
    Self::SourceEnded => "BIO_SOURCE_ENDED" [RetryLater],
    Self::NoFace => "BIO_NO_FACE",
    Self::ManyFaces(_) => "BIO_MANY_FACES",
    Self::FaceTooSmall { .. } => "BIO_FACE_TOO_SMALL",
    Self::Blurred => "BIO_FACE_BLURRED",
    Self::TooDark => "BIO_FACE_DARK",
    Self::Liveness { .. } => "BIO_LIVENESS_FAILED",
    Self::Timeout => "BIO_LIVENESS_TIMEOUT",
    Self::Image(_) => "BIO_IMAGE_BAD",
    Self::Model(_) => "BIO_MODEL_FAILED" [Operator],
}
