//! Face ID figures: per-frame detection time (640×480 camera frame, one core), per-login
//! gateway matching time (liveness re-check + embeddings of the key frames), and the genuine /
//! impostor cosine similarity distributions on the test images.
//!
//! `bash scripts/fetch-test-data.sh && cargo bench -p sio-biometrics --bench face`
//! (data in `SIO_FACE_DATA`, default `.cache/face`).
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::RgbImage;
use sio_biometrics::face::embed::{Embedder, Embedding};
use sio_biometrics::face::liveness;
use sio_biometrics::face::synth::{self, Plan, Pose};
use sio_biometrics::face::{
    CaptureSettings, Detector, DetectorSettings, Frame, QualityGates, SequenceSource, assess,
    capture,
};

fn data() -> PathBuf {
    std::env::var_os("SIO_FACE_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/face"),
        PathBuf::from,
    )
}

fn load(name: &str) -> RgbImage {
    let p = data().join(name);
    image::open(&p)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/fetch-test-data.sh)", p.display()))
        .to_rgb8()
}

fn stats(name: &str, v: &mut [f32]) {
    v.sort_by(f32::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    println!(
        "  {name:<34} n={:<4} min {:+.3}  p5 {:+.3}  median {:+.3}  p95 {:+.3}  max {:+.3}",
        v.len(),
        v[0],
        q(0.05),
        q(0.5),
        q(0.95),
        v[v.len() - 1]
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Face centre and width in the source photo (detected once on the photo itself).
fn face_in(src: &RgbImage) -> ((f64, f64), f64) {
    let mut d = Detector::with_settings(DetectorSettings {
        min_face: 40,
        ..DetectorSettings::default()
    })
    .unwrap();
    let f = Frame::new(src.clone());
    let faces = d.detect(&f);
    let b = faces.first().expect("a face in the photo");
    ((b.cx(), b.cy()), f64::from(b.width))
}

/// LFW subset: 200 grey 25×25 float images (first 100 faces), numpy `.npy`.
fn lfw_faces() -> Vec<RgbImage> {
    let bytes = std::fs::read(data().join("lfw_subset.npy")).unwrap();
    let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let body = &bytes[10 + header_len..];
    (0..100)
        .map(|i| {
            let g = image::GrayImage::from_fn(25, 25, |x, y| {
                let o = (i * 625 + (y * 25 + x) as usize) * 8;
                let v = f64::from_le_bytes(body[o..o + 8].try_into().unwrap());
                image::Luma([(v * 255.0).round().clamp(0.0, 255.0) as u8])
            });
            let g = image::imageops::resize(&g, 112, 112, image::imageops::FilterType::Triangle);
            image::DynamicImage::ImageLuma8(g).to_rgb8()
        })
        .collect()
}

fn main() {
    let astronaut = load("astronaut.png");
    let camera = load("camera.png");
    let (a_centre, a_width) = face_in(&astronaut);
    println!(
        "astronaut.png: face centre ({:.0}, {:.0}), width {a_width:.0} px",
        a_centre.0, a_centre.1
    );

    // --- detection, one core, 640×480 camera frame -------------------------------------------
    let pose = Pose {
        anchor: a_centre,
        at: (320.0, 240.0),
        scale: 1.3,
        angle_deg: 0.0,
    };
    let frame = synth::warp(&astronaut, &pose);
    let mut det = Detector::new().unwrap();
    let gates = QualityGates::default();
    let q = assess(&mut det, &frame.to_key_frame(), &gates).unwrap();
    println!(
        "quality of a good frame: face {}×{} px (key frame), sharpness {:.0}, brightness {:.0}, contrast {:.0}",
        q.face.width, q.face.height, q.sharpness, q.brightness, q.contrast
    );
    for s in [1.5f32, 3.0] {
        let b = synth::blurred(&frame, s);
        let r = assess(&mut det, &b.to_key_frame(), &gates);
        println!(
            "  blurred σ={s}: {:?}",
            r.map(|q| q.sharpness).map_err(|e| e.code())
        );
    }
    let dark = synth::darkened(&frame, 0.15);
    println!(
        "  darkened ×0.15: {:?}",
        assess(&mut det, &dark.to_key_frame(), &gates)
            .map(|q| q.brightness)
            .map_err(|e| e.code())
    );
    let runs = 40;
    let t = Instant::now();
    for _ in 0..runs {
        let key = frame.to_key_frame();
        std::hint::black_box(assess(&mut det, &key, &gates).unwrap());
    }
    let per = t.elapsed() / runs;
    println!(
        "detection + quality gates, 640×480 frame (halved to 320×240), one core: {:.1} ms/frame (target ≤ 50 ms: ratio {:.2})",
        ms(per),
        ms(per) / 50.0
    );
    let mut full = Detector::with_settings(DetectorSettings {
        min_face: 80,
        ..DetectorSettings::default()
    })
    .unwrap();
    let t = Instant::now();
    for _ in 0..10 {
        std::hint::black_box(full.detect(&frame));
    }
    println!(
        "  for comparison, full 640×480 (min face 80): {:.1} ms/frame",
        ms(t.elapsed() / 10)
    );

    // --- enrolment and a login -------------------------------------------------------------
    let t = Instant::now();
    let embedder = Embedder::load(&data().join("MobileFaceNet.tflite")).unwrap();
    println!(
        "model load: {:.0} ms, {}-d",
        ms(t.elapsed()),
        embedder.dims()
    );
    let enrol_poses = [
        (1.2, 0.0, 0.0),
        (1.35, 20.0, 3.0),
        (1.5, -20.0, -3.0),
        (1.3, 0.0, 5.0),
        (1.4, 10.0, -5.0),
    ];
    let enrol: Vec<Embedding> = enrol_poses
        .iter()
        .map(|(s, dx, a)| {
            let f = synth::warp(
                &astronaut,
                &Pose {
                    anchor: a_centre,
                    at: (320.0 + dx, 240.0),
                    scale: *s,
                    angle_deg: *a,
                },
            )
            .to_key_frame();
            let q = assess(&mut det, &f, &gates).unwrap();
            embedder.embed_face(&f, &q.face).unwrap()
        })
        .collect();
    let template = Embedding::mean(&enrol).unwrap();

    let plan = Plan::cooperative(a_centre, a_width);
    let mut rng = rand::thread_rng();
    let mut login_ms = Vec::new();
    let mut capture_ms = Vec::new();
    let mut genuine = Vec::new();
    for _ in 0..6 {
        let steps = liveness::random_steps(&mut rng);
        let seq = synth::follow(&astronaut, &plan, &steps);
        let n = seq.len();
        let mut src = SequenceSource::new(seq);
        let t = Instant::now();
        let cap = capture(
            &mut src,
            &steps,
            &CaptureSettings::default(),
            &mut |_, _| {},
        )
        .unwrap();
        capture_ms.push((ms(t.elapsed()), n));
        // The gateway's share: decode is negligible; liveness re-check + 5 embeddings.
        let t = Instant::now();
        let mut d = Detector::new().unwrap();
        let found = liveness::check_steps(&mut d, &gates, &steps, &cap.key_frames).unwrap();
        let mut sum = 0.0;
        for (f, q) in cap.key_frames.iter().zip(&found) {
            let s = embedder.embed_face(f, &q.face).unwrap().cosine(&template);
            genuine.push(s);
            sum += s;
        }
        let _mean = sum / found.len() as f32;
        login_ms.push(ms(t.elapsed()));
    }
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "per-login gateway matching (liveness re-check of 5 key frames + 5 embeddings): {:.0} ms mean, {:.0} ms max",
        avg(&login_ms),
        login_ms.iter().copied().fold(0.0, f64::max)
    );
    let cap_avg = avg(&capture_ms.iter().map(|c| c.0).collect::<Vec<_>>());
    println!(
        "client capture following a challenge ({} frames a sequence): {:.0} ms (whole face step target < 3 s)",
        capture_ms[0].1, cap_avg
    );

    // --- score distributions ----------------------------------------------------------------
    let mut more_genuine = Vec::new();
    for i in 0..24 {
        let fi = f64::from(i);
        let f = synth::warp(
            &astronaut,
            &Pose {
                anchor: a_centre,
                at: (250.0 + (fi * 37.0) % 140.0, 220.0 + (fi * 13.0) % 40.0),
                scale: 1.1 + (fi * 0.07) % 0.9,
                angle_deg: -6.0 + (fi * 1.7) % 12.0,
            },
        )
        .to_key_frame();
        if let Ok(q) = assess(&mut det, &f, &gates) {
            more_genuine.push(embedder.embed_face(&f, &q.face).unwrap().cosine(&template));
        }
    }
    let mut impostor_camera = Vec::new();
    let (c_centre, _) = face_in(&camera);
    for i in 0..12 {
        let fi = f64::from(i);
        let f = synth::warp(
            &camera,
            &Pose {
                anchor: c_centre,
                at: (300.0 + fi * 5.0, 240.0),
                scale: 1.2 + fi * 0.1,
                angle_deg: -3.0 + fi * 0.5,
            },
        )
        .to_key_frame();
        let faces = det.detect(&f);
        if let Some(b) = faces.first() {
            impostor_camera.push(embedder.embed_face(&f, b).unwrap().cosine(&template));
        }
    }
    let lfw: Vec<f32> = lfw_faces()
        .iter()
        .map(|c| embedder.embed_crop(c).unwrap().cosine(&template))
        .collect();
    let lfw_self: Vec<Embedding> = lfw_faces()
        .iter()
        .take(30)
        .map(|c| embedder.embed_crop(c).unwrap())
        .collect();
    let mut lfw_pairs = Vec::new();
    for i in 0..lfw_self.len() {
        for j in i + 1..lfw_self.len() {
            lfw_pairs.push(lfw_self[i].cosine(&lfw_self[j]));
        }
    }
    println!("cosine similarity to the astronaut's template (5 enrolment frames):");
    stats("genuine, challenge key frames", &mut genuine);
    stats("genuine, shifted/scaled/rotated", &mut more_genuine);
    if !impostor_camera.is_empty() {
        stats("impostor, camera.png (cameraman)", &mut impostor_camera);
    }
    let mut lfw = lfw;
    stats("impostor, LFW subset (100 faces)", &mut lfw);
    stats("impostor pairs within LFW (30 faces)", &mut lfw_pairs);
}
