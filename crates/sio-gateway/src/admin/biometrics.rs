//! Face ID and fingerprint enrolments.

use std::path::Path;

use super::Admin;
use crate::error::GwError;

impl Admin {
    /// Enrol `iin`'s face for Face ID from several still images (at least 3 must pass the
    /// quality gates), with the embedding model at `model`. The template is sealed with the data
    /// directory's template key; the images are not kept.
    pub fn enroll_face(
        &self,
        iin: &str,
        model: &Path,
        images: &[std::path::PathBuf],
    ) -> Result<crate::face::FaceEnrolment, GwError> {
        crate::face::enroll(&self.conn, &self.data_dir, model, iin, images)
    }

    /// Remove `iin`'s face template; whether there was one.
    pub fn remove_face(&self, iin: &str) -> Result<bool, GwError> {
        crate::face::unenroll(&self.conn, iin)
    }

    /// Record a fingerprint enrolment made by the helpdesk at a workstation (the user's finger
    /// in that workstation's OS stack, verdicts signed by that workstation certificate's key);
    /// journaled. Users cannot record enrolments themselves. The workstation certificate must
    /// chain to the gateway's CA and not be revoked ([`Admin::with_trust`]; by default the CA and
    /// CRL the gateway of this data directory recorded when it started).
    pub fn enroll_fingerprint(
        &self,
        enrolment: &crate::fingerprint::HelpdeskEnrolment<'_>,
    ) -> Result<sio_protocol::FingerprintEnrolment, GwError> {
        let checker = match &self.trust {
            Some(files) => crate::tls::trust_checker(files)?,
            None => crate::tls::recorded_checker(&self.data_dir)?,
        };
        crate::fingerprint::enrol_by_helpdesk(&self.conn, &checker, enrolment)
    }

    /// End every fingerprint enrolment of `iin`; how many were active. Journaled.
    pub fn remove_fingerprint(&self, iin: &str, operator: &str) -> Result<usize, GwError> {
        crate::fingerprint::remove_by_helpdesk(&self.conn, iin, operator)
    }

    /// `iin`'s active fingerprint enrolments.
    pub fn fingerprint_enrolments(
        &self,
        iin: &str,
    ) -> Result<Vec<sio_protocol::FingerprintEnrolment>, GwError> {
        crate::fingerprint::enrolments(&self.conn, iin)
    }
}
