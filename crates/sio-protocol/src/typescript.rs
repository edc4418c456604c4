//! TypeScript declarations for the UI, generated from the wire types by ts-rs. Checked in at
//! `ui/src/lib/types/protocol.ts`; a test fails when that file differs from [`declarations`].

use ts_rs::{Config, TS};

use crate::*;

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

/// The whole `protocol.ts`.
pub fn declarations() -> String {
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from crates/sio-protocol by `cargo test -p sio-protocol` with SIO_REGENERATE=1.\n// Do not edit by hand.\n\n",
    );
    decl::<ErrorBody>(&cfg, &mut out);
    decl::<Health>(&cfg, &mut out);
    decl::<Signed<()>>(&cfg, &mut out);
    decl::<LoginChallenge>(&cfg, &mut out);
    decl::<KeyCarrier>(&cfg, &mut out);
    decl::<LoginDocType>(&cfg, &mut out);
    decl::<LoginDocument>(&cfg, &mut out);
    decl::<SecondFactor>(&cfg, &mut out);
    decl::<SessionStage>(&cfg, &mut out);
    decl::<SessionUser>(&cfg, &mut out);
    decl::<SessionInfo>(&cfg, &mut out);
    decl::<OtpSent>(&cfg, &mut out);
    decl::<OtpCheck>(&cfg, &mut out);
    decl::<BiometricModality>(&cfg, &mut out);
    decl::<BiometricSample>(&cfg, &mut out);
    decl::<FaceStep>(&cfg, &mut out);
    decl::<FaceChallenge>(&cfg, &mut out);
    decl::<FaceProofDocType>(&cfg, &mut out);
    decl::<FaceProof>(&cfg, &mut out);
    decl::<Finger>(&cfg, &mut out);
    decl::<FingerprintEnrolmentDocType>(&cfg, &mut out);
    decl::<FingerprintEnrolmentDocument>(&cfg, &mut out);
    decl::<FingerprintEnrolment>(&cfg, &mut out);
    decl::<FingerprintChallenge>(&cfg, &mut out);
    decl::<FingerprintResult>(&cfg, &mut out);
    decl::<FingerprintVerdictDocType>(&cfg, &mut out);
    decl::<FingerprintVerdictDocument>(&cfg, &mut out);
    decl::<ConsentLanguage>(&cfg, &mut out);
    decl::<ConsentFields>(&cfg, &mut out);
    decl::<ConsentText>(&cfg, &mut out);
    decl::<StaffMember>(&cfg, &mut out);
    decl::<StaffList>(&cfg, &mut out);
    decl::<ConsentDocType>(&cfg, &mut out);
    decl::<ConsentDocument>(&cfg, &mut out);
    decl::<RequestDocType>(&cfg, &mut out);
    decl::<BasisKey>(&cfg, &mut out);
    decl::<CaseReference>(&cfg, &mut out);
    decl::<Article>(&cfg, &mut out);
    decl::<Subject>(&cfg, &mut out);
    decl::<RequestDocument>(&cfg, &mut out);
    decl::<RequestState>(&cfg, &mut out);
    decl::<RequestStatus>(&cfg, &mut out);
    decl::<RequestList>(&cfg, &mut out);
    decl::<ResultTable>(&cfg, &mut out);
    decl::<ResultDelivery>(&cfg, &mut out);
    decl::<ExportDocType>(&cfg, &mut out);
    decl::<ExportDocument>(&cfg, &mut out);
    decl::<ExportReceipt>(&cfg, &mut out);
    decl::<ApplicationDocType>(&cfg, &mut out);
    decl::<ApplicationAction>(&cfg, &mut out);
    decl::<BlockingReason>(&cfg, &mut out);
    decl::<Applicant>(&cfg, &mut out);
    decl::<Workplace>(&cfg, &mut out);
    decl::<Contacts>(&cfg, &mut out);
    decl::<Confirmations>(&cfg, &mut out);
    decl::<Head>(&cfg, &mut out);
    decl::<ApplicationDocument>(&cfg, &mut out);
    decl::<ApplicationState>(&cfg, &mut out);
    decl::<RefusalDocType>(&cfg, &mut out);
    decl::<RefusalDocument>(&cfg, &mut out);
    decl::<ApplicationStatus>(&cfg, &mut out);
    decl::<ReportQuery>(&cfg, &mut out);
    decl::<ReportRow>(&cfg, &mut out);
    decl::<Report>(&cfg, &mut out);
    decl::<JournalEntry>(&cfg, &mut out);
    decl::<PlannedWork>(&cfg, &mut out);
    decl::<OpenEmergency>(&cfg, &mut out);
    decl::<Notices>(&cfg, &mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
