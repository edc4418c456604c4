//! The Windows path: the Windows Biometric Framework (WBF, `winbio.dll`), built only on Windows
//! and not yet implemented — every call answers `BIO_FP_NO_SERVICE`.
//!
//! What [`WbfStack`] is to call, mirroring [`super::FprintdStack`]:
//! - devices: `WinBioEnumBiometricUnits(WINBIO_TYPE_FINGERPRINT, …)` → `WINBIO_UNIT_SCHEMA`
//!   (unit id, description, `SensorSubType` for press/swipe); free with `WinBioFree`;
//! - a session: `WinBioOpenSession(WINBIO_TYPE_FINGERPRINT, WINBIO_POOL_SYSTEM,
//!   WINBIO_FLAG_DEFAULT, NULL, 0, WINBIO_DB_DEFAULT, &session)` — the system pool keeps templates
//!   in the OS's protected store, tied to the Windows account (like fprintd's OS account);
//! - enrolment: `WinBioEnrollBegin(session, WINBIO_ANSI_381_POS_RH_INDEX_FINGER…, unit)`, then
//!   `WinBioEnrollCapture` until it stops answering `WINBIO_I_MORE_DATA` (each capture is a stage;
//!   `WINBIO_E_BAD_CAPTURE` with a reject detail is a retry), then `WinBioEnrollCommit`
//!   (`WINBIO_E_DUPLICATE_ENROLLMENT` → `BIO_FP_DUPLICATE`);
//! - verification: `WinBioVerify(session, identity, WINBIO_SUBTYPE_ANY, &unit, &match, &reject)`
//!   where the identity is the caller's SID (`WinBioGetCurrentIdentity`… through
//!   `GetTokenInformation(TokenUser)`); `WINBIO_E_NO_MATCH` → no match, `WINBIO_E_BAD_CAPTURE` →
//!   retry, `WINBIO_E_DEVICE_BUSY` → `BIO_FP_DEVICE_BUSY`, `WINBIO_E_UNKNOWN_ID` → not enrolled;
//! - enrolled fingers: `WinBioEnumEnrollments(session, unit, identity, &subfactors, &count)`;
//! - deletion: `WinBioDeleteTemplate(session, unit, identity, subfactor)` per subfactor;
//! - `WinBioCancel` on timeout, `WinBioCloseSession` always.
//!
//! The verdict then goes to the gateway exactly as on Linux (signed with the authentication key,
//! bound to the login challenge).

use std::time::Duration;

use super::{
    BoxFuture, Finger, FingerprintDevice, FingerprintError, FingerprintStack, OnEvent, Target,
    Verification,
};

/// The Windows Biometric Framework stack (not yet implemented).
#[derive(Debug, Default, Clone)]
pub struct WbfStack;

fn todo_wbf<T>() -> Result<T, FingerprintError> {
    Err(FingerprintError::NoService(
        "the Windows Biometric Framework path is not implemented yet".into(),
    ))
}

impl FingerprintStack for WbfStack {
    fn devices(&self) -> BoxFuture<'_, Result<Vec<FingerprintDevice>, FingerprintError>> {
        Box::pin(async { todo_wbf() })
    }
    fn device<'a>(
        &'a self,
        _device: Option<&'a str>,
    ) -> BoxFuture<'a, Result<FingerprintDevice, FingerprintError>> {
        Box::pin(async { todo_wbf() })
    }
    fn enrolled<'a>(
        &'a self,
        _target: Target<'a>,
    ) -> BoxFuture<'a, Result<Vec<Finger>, FingerprintError>> {
        Box::pin(async { todo_wbf() })
    }
    fn enroll<'a>(
        &'a self,
        _target: Target<'a>,
        _finger: Finger,
        _on_event: OnEvent<'a>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<FingerprintDevice, FingerprintError>> {
        Box::pin(async { todo_wbf() })
    }
    fn verify<'a>(
        &'a self,
        _target: Target<'a>,
        _on_event: OnEvent<'a>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<Verification, FingerprintError>> {
        Box::pin(async { todo_wbf() })
    }
    fn delete_enrolled<'a>(
        &'a self,
        _target: Target<'a>,
    ) -> BoxFuture<'a, Result<(), FingerprintError>> {
        Box::pin(async { todo_wbf() })
    }
    fn workstation_id(&self) -> Result<String, FingerprintError> {
        // Would hash HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid as Linux hashes machine-id.
        todo_wbf()
    }
}
