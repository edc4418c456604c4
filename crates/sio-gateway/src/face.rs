//! Face ID second factor on the gateway (rule 18): liveness challenges, the signed face proof,
//! liveness checked again on the frames received, MobileFaceNet embeddings compared with the
//! user's enrolled template. The client's verdict is never trusted.
//!
//! Templates (the mean embedding of several enrolment frames) are kept only here, sealed with
//! ChaCha20-Poly1305 under a key in the data directory (`face-template.key`, 0600, made on first
//! use), the user's ИИН as associated data. Frames are never stored or logged.
//!
//! A refused proof (liveness, no match, bad frames) counts towards the lockout like a wrong SMS
//! code ([`crate::auth::record_failure`]); a passed one completes the second factor the same way.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::rand::SecureRandom as _;
use rusqlite::{Connection, OptionalExtension, params};
use sio_biometrics::face::embed::{Embedder, Embedding};
use sio_biometrics::face::liveness::{self, LivenessStep};
use sio_biometrics::face::{Detector, FaceError, Frame, QualityGates, assess, decode_key_frame};
use sio_protocol::{FaceChallenge, FaceProof, FaceStep, ReceivedSigned, SessionInfo, SessionStage};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::auth::{SessionRow, User};
use crate::certs::sha256_hex;
use crate::clock::{astana, now, parse, stamp};
use crate::error::GwError;
use crate::server::{ConnInfo, Shared};

/// Cosine similarity at or above which the mean of the key frames matches the template (see
/// `sio_biometrics::face::embed::DEFAULT_THRESHOLD` for how it was chosen).
pub const DEFAULT_THRESHOLD: f32 = sio_biometrics::face::embed::DEFAULT_THRESHOLD;
/// Seconds a face challenge stays valid.
pub const CHALLENGE_SECONDS: u32 = 60;
/// Largest key frame accepted, bytes of JPEG or PNG.
const MAX_FRAME_BYTES: usize = 48 * 1024;
/// File holding the template key in the data directory.
pub const KEY_FILE: &str = "face-template.key";

/// Why the face factor was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FaceRefused {
    /// The user has no enrolled face.
    #[error(
        "no face is enrolled for this user: ask the helpdesk to enrol it, or use another factor"
    )]
    NotEnrolled,
    /// Unknown, used, expired or foreign face challenge.
    #[error("the face challenge is unknown, used or expired: start the face check again")]
    ChallengeInvalid,
    /// The frames are malformed (count, size, format).
    #[error("the face frames are malformed: {0}")]
    Sample(String),
    /// The frames do not follow the challenge, or fail the quality gates.
    #[error("liveness check failed: {0}")]
    Liveness(String),
    /// The face does not match the enrolled one.
    #[error("the face does not match the enrolled face")]
    NoMatch,
}

impl FaceRefused {
    // The stable codes are in crate::error's table (`sio_error::coded!`).

    /// HTTP status.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::NotEnrolled => StatusCode::FORBIDDEN,
            Self::Sample(_) => StatusCode::BAD_REQUEST,
            Self::ChallengeInvalid | Self::Liveness(_) | Self::NoMatch => StatusCode::UNAUTHORIZED,
        }
    }
}

/// The loaded model, the template key and the threshold.
pub(crate) struct FaceMatcher {
    embedder: Embedder,
    key: LessSafeKey,
    threshold: f32,
}

fn model_err(e: FaceError) -> GwError {
    GwError::Config(format!("face model: {e}"))
}

/// The template key of `data_dir`, made (32 random bytes, 0600) if absent.
fn template_key(data_dir: &Path) -> Result<LessSafeKey, GwError> {
    let path = data_dir.join(KEY_FILE);
    let bytes: Zeroizing<Vec<u8>> = match std::fs::read(&path) {
        Ok(b) => Zeroizing::new(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut b = Zeroizing::new(vec![0u8; 32]);
            ring::rand::SystemRandom::new()
                .fill(&mut b)
                .map_err(|_| GwError::Internal("no randomness for the template key".into()))?;
            write_private(&path, &b)?;
            b
        }
        Err(e) => return Err(GwError::Config(format!("{}: {e}", path.display()))),
    };
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
        .map_err(|_| GwError::Config(format!("{}: not a 32-byte key", path.display())))?;
    Ok(LessSafeKey::new(unbound))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), GwError> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| GwError::Config(format!("{}: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| GwError::Config(format!("{}: {e}", path.display())))
}

impl FaceMatcher {
    /// Load the model at `model` and the key of `data_dir`.
    pub(crate) fn load(model: &Path, data_dir: &Path, threshold: f32) -> Result<Self, GwError> {
        Ok(Self {
            embedder: Embedder::load(model).map_err(model_err)?,
            key: template_key(data_dir)?,
            threshold,
        })
    }

    fn seal(&self, iin: &str, t: &Embedding) -> Result<(Vec<u8>, Vec<u8>), GwError> {
        let mut nonce = [0u8; 12];
        ring::rand::SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| GwError::Internal("no randomness".into()))?;
        let mut buf = t.to_bytes();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(iin.as_bytes()),
                &mut *buf,
            )
            .map_err(|_| GwError::Internal("cannot seal a template".into()))?;
        Ok((nonce.to_vec(), buf.to_vec()))
    }

    fn open(&self, iin: &str, nonce: &[u8], sealed: &[u8]) -> Result<Embedding, GwError> {
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| GwError::Internal("a stored template has a bad nonce".into()))?;
        let mut buf = Zeroizing::new(sealed.to_vec());
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(iin.as_bytes()), &mut buf)
            .map_err(|_| {
                GwError::Internal("a stored template does not open with the template key".into())
            })?;
        Embedding::from_bytes(plain).map_err(|e| GwError::Internal(e.to_string()))
    }

    /// The embedding of the one good face in `frame`, or why not.
    fn embed(&self, detector: &mut Detector, frame: &Frame) -> Result<Embedding, FaceError> {
        let q = assess(detector, &frame.to_key_frame(), &QualityGates::default())?;
        let key = frame.to_key_frame();
        self.embedder.embed_face(&key, &q.face)
    }
}

/// What an enrolment did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FaceEnrolment {
    /// The user.
    pub iin: String,
    /// Frames used.
    pub frames_used: usize,
    /// Frames refused by the quality gates, with their codes.
    pub frames_refused: Vec<(String, String)>,
    /// Least cosine similarity of a used frame to the template (consistency of the frames).
    pub consistency: f32,
}

/// Enrol `iin`'s face from still images (at least 3 good ones): used by the admin CLI.
pub(crate) fn enroll(
    conn: &Connection,
    data_dir: &Path,
    model: &Path,
    iin: &str,
    images: &[PathBuf],
) -> Result<FaceEnrolment, GwError> {
    let exists: bool = conn
        .query_row("SELECT 1 FROM users WHERE iin = ?1", [iin], |_| Ok(true))
        .optional()
        .map_err(GwError::db("find a user"))?
        .unwrap_or(false);
    if !exists {
        return Err(GwError::UnknownUser);
    }
    let m = FaceMatcher::load(model, data_dir, DEFAULT_THRESHOLD)?;
    let mut detector = Detector::new().map_err(model_err)?;
    let mut used = Vec::new();
    let mut refused = Vec::new();
    for p in images {
        let name = p.display().to_string();
        match Frame::open(p).and_then(|f| m.embed(&mut detector, &f)) {
            Ok(e) => used.push(e),
            Err(e) => refused.push((name, e.code().to_string())),
        }
    }
    if used.len() < 3 {
        return Err(GwError::Face(FaceRefused::Sample(format!(
            "{} good frames of {} (at least 3 needed)",
            used.len(),
            images.len()
        ))));
    }
    let template = Embedding::mean(&used)
        .ok_or_else(|| GwError::Internal("embeddings of different sizes".into()))?;
    let consistency = used
        .iter()
        .map(|e| e.cosine(&template))
        .fold(f32::INFINITY, f32::min);
    let (nonce, sealed) = m.seal(iin, &template)?;
    conn.execute(
        "INSERT INTO face_templates (iin, nonce, sealed, frames, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(iin) DO UPDATE SET nonce = excluded.nonce, sealed = excluded.sealed,
           frames = excluded.frames, enrolled_at = excluded.enrolled_at",
        params![iin, nonce, sealed, used.len() as i64, stamp(now())],
    )
    .map_err(GwError::db("store a face template"))?;
    tracing::info!(user = iin, frames = used.len(), "face enrolled");
    Ok(FaceEnrolment {
        iin: iin.to_owned(),
        frames_used: used.len(),
        frames_refused: refused,
        consistency,
    })
}

/// Whether `iin` has an enrolled face.
pub(crate) fn enrolled(conn: &Connection, iin: &str) -> bool {
    conn.query_row("SELECT 1 FROM face_templates WHERE iin = ?1", [iin], |_| {
        Ok(())
    })
    .optional()
    .ok()
    .flatten()
    .is_some()
}

/// Remove `iin`'s template.
pub(crate) fn unenroll(conn: &Connection, iin: &str) -> Result<bool, GwError> {
    let n = conn
        .execute("DELETE FROM face_templates WHERE iin = ?1", [iin])
        .map_err(GwError::db("remove a face template"))?;
    Ok(n > 0)
}

fn to_wire(s: LivenessStep) -> FaceStep {
    match s {
        LivenessStep::TurnLeft => FaceStep::TurnLeft,
        LivenessStep::TurnRight => FaceStep::TurnRight,
        LivenessStep::Closer => FaceStep::Closer,
    }
}

fn from_wire(s: FaceStep) -> LivenessStep {
    match s {
        FaceStep::TurnLeft => LivenessStep::TurnLeft,
        FaceStep::TurnRight => LivenessStep::TurnRight,
        FaceStep::Closer => LivenessStep::Closer,
    }
}

fn steps_text(steps: &[FaceStep]) -> String {
    steps
        .iter()
        .map(|s| from_wire(*s).as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// `POST /v1/login/face/challenge`.
pub(crate) fn challenge(
    sh: &Shared,
    s: &SessionRow,
    user: &User,
) -> Result<FaceChallenge, GwError> {
    if s.stage != SessionStage::SecondFactor {
        return Err(GwError::WrongStage(
            "the second factor has already been passed",
        ));
    }
    if sh.face.is_none() {
        return Err(GwError::FactorUnavailable);
    }
    let conn = sh.db()?;
    if !enrolled(&conn, &user.iin) {
        return Err(GwError::Face(FaceRefused::NotEnrolled));
    }
    let mut seed = [0u8; 32];
    sh.rng
        .fill(&mut seed)
        .map_err(|_| GwError::Internal("no randomness".into()))?;
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_seed(seed);
    let steps: Vec<FaceStep> = liveness::random_steps(&mut rng)
        .into_iter()
        .map(to_wire)
        .collect();
    let mut nonce = [0u8; 16];
    sh.rng
        .fill(&mut nonce)
        .map_err(|_| GwError::Internal("no randomness".into()))?;
    let nonce = STANDARD.encode(nonce);
    let at = now();
    let expires = at + Duration::seconds(i64::from(CHALLENGE_SECONDS));
    let id = Uuid::new_v4();
    conn.execute(
        "DELETE FROM face_challenges WHERE expires_at < ?1",
        [stamp(at - Duration::hours(1))],
    )
    .map_err(GwError::db("purge old face challenges"))?;
    conn.execute(
        "INSERT INTO face_challenges (id, session, nonce, steps, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id.to_string(), s.token_hash, nonce, steps_text(&steps), stamp(at), stamp(expires)],
    )
    .map_err(GwError::db("store a face challenge"))?;
    Ok(FaceChallenge {
        challenge_id: id,
        nonce,
        steps,
        expires_at: astana(expires),
        time_limit_seconds: CHALLENGE_SECONDS,
    })
}

/// A failure that counts towards the lockout.
fn counted(sh: &Shared, conn: &Connection, iin: &str, e: FaceRefused) -> GwError {
    tracing::warn!(user = iin, code = e.code(), "face factor refused");
    match crate::auth::record_failure(sh, conn, iin) {
        Ok(Some(until)) => GwError::AccountLocked(until),
        Ok(None) => GwError::Face(e),
        Err(db) => db,
    }
}

/// `POST /v1/login/face`. CPU-heavy (detection and embeddings): run it on a blocking thread.
pub(crate) fn verify(
    sh: &Arc<Shared>,
    conn_info: &ConnInfo,
    s: &mut SessionRow,
    user: &User,
    body: &[u8],
) -> Result<SessionInfo, GwError> {
    if s.stage != SessionStage::SecondFactor {
        return Err(GwError::WrongStage(
            "the second factor has already been passed",
        ));
    }
    let matcher = sh.face.as_ref().ok_or(GwError::FactorUnavailable)?;
    let received = ReceivedSigned::from_body(body)?;
    let verified = sh
        .tls
        .verifiers()?
        .login(&received.canonical, &received.cms_der)?;
    let proof: FaceProof = received.parse()?;
    let at = now();
    {
        let conn = sh.db()?;
        let auth_cert: Option<String> = conn
            .query_row(
                "SELECT auth_cert FROM sessions WHERE token_hash = ?1",
                [&s.token_hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(GwError::db("load a session's certificate"))?;
        // The proof is signed with the very authentication certificate the session was opened with.
        if auth_cert.as_deref() != Some(sha256_hex(&verified.certificate_der).as_str())
            || verified.certificate.iin.as_deref() != Some(user.iin.as_str())
            || conn_info.cert.is_none()
        {
            return Err(GwError::SignerMismatch);
        }
        let row: Option<(String, String, String, String, Option<String>)> = conn
            .query_row(
                "SELECT session, nonce, steps, expires_at, used_at FROM face_challenges WHERE id = ?1",
                [proof.challenge_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(GwError::db("load a face challenge"))?;
        let Some((session, nonce, steps, expires, used)) = row else {
            return Err(GwError::Face(FaceRefused::ChallengeInvalid));
        };
        conn.execute(
            "UPDATE face_challenges SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
            params![proof.challenge_id.to_string(), stamp(at)],
        )
        .map_err(GwError::db("use a face challenge"))?;
        if used.is_some()
            || session != s.token_hash
            || nonce != proof.nonce
            || steps != steps_text(&proof.steps)
            || parse(&expires).is_none_or(|e| e < at)
        {
            return Err(GwError::Face(FaceRefused::ChallengeInvalid));
        }
        crate::auth::check_clock(proof.client_time.with_timezone(&Utc), at)?;
    }
    let template = {
        let conn = sh.db()?;
        let row: Option<(Vec<u8>, Vec<u8>)> = conn
            .query_row(
                "SELECT nonce, sealed FROM face_templates WHERE iin = ?1",
                [&user.iin],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(GwError::db("load a face template"))?;
        let Some((nonce, sealed)) = row else {
            return Err(GwError::Face(FaceRefused::NotEnrolled));
        };
        matcher.open(&user.iin, &nonce, &sealed)?
    };
    // The heavy part runs without the database lock.
    let outcome = check_proof(matcher, &proof, &template);
    let conn = sh.db()?;
    let score = match outcome {
        Ok(score) => score,
        Err(e) => return Err(counted(sh, &conn, &user.iin, e)),
    };
    if score < matcher.threshold {
        return Err(counted(sh, &conn, &user.iin, FaceRefused::NoMatch));
    }
    crate::auth::after_second_factor(&conn, s, user)?;
    crate::db::scrub(&conn);
    tracing::info!(user = %user.iin, "second factor accepted (face)");
    let user = crate::auth::load_user(&conn, &user.iin)?.ok_or(GwError::NoSession)?;
    Ok(crate::auth::session_info(s, &user))
}

/// Decode the frames, re-check liveness with the gateway's own detector, embed, compare.
/// Returns the mean cosine similarity to the template.
fn check_proof(
    m: &FaceMatcher,
    proof: &FaceProof,
    template: &Embedding,
) -> Result<f32, FaceRefused> {
    let steps: Vec<LivenessStep> = proof.steps.iter().map(|s| from_wire(*s)).collect();
    if proof.frames.len() != steps.len() + 1 {
        return Err(FaceRefused::Sample(format!(
            "{} frames for {} steps",
            proof.frames.len(),
            steps.len()
        )));
    }
    let mut frames = Vec::with_capacity(proof.frames.len());
    for f in &proof.frames {
        if f.expose().len() > MAX_FRAME_BYTES * 4 / 3 + 4 {
            return Err(FaceRefused::Sample("a frame is too large".into()));
        }
        let bytes = Zeroizing::new(
            STANDARD
                .decode(f.expose().trim())
                .map_err(|_| FaceRefused::Sample("a frame is not base64".into()))?,
        );
        let frame = decode_key_frame(&bytes).map_err(|e| FaceRefused::Sample(e.to_string()))?;
        if frame.width() > 400 || frame.height() > 400 {
            return Err(FaceRefused::Sample("a frame is larger than 400 px".into()));
        }
        frames.push(frame);
    }
    let mut detector =
        Detector::new().map_err(|e| FaceRefused::Sample(format!("detector: {e}")))?;
    let found = liveness::check_steps(&mut detector, &QualityGates::default(), &steps, &frames)
        .map_err(|e| FaceRefused::Liveness(e.to_string()))?;
    let mut total = 0f32;
    for (frame, q) in frames.iter().zip(&found) {
        let e = m
            .embedder
            .embed_face(frame, &q.face)
            .map_err(|e| FaceRefused::Sample(e.to_string()))?;
        total += e.cosine(template);
    }
    Ok(total / frames.len() as f32)
}
