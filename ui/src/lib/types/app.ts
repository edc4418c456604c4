// Generated from crates/sio-app (model types and the command table of dispatch.rs) by
// `SIO_REGENERATE=1 cargo test -p sio-app --test generated`. Do not edit by hand.

import type {
  ApplicationAction,
  ApplicationDocument,
  ApplicationState,
  Article,
  BasisKey,
  BiometricModality,
  CaseReference,
  ConsentText,
  Notices,
  OtpSent,
  RefusalDocument,
  Report,
  RequestDocument,
  ResultDelivery,
  SessionInfo,
  Signed,
  StaffList,
  Subject,
} from './protocol';

/**
 * An error as the UI sees it (`ErrorInfo` in ui/src/lib/backend/index.ts).
 */
export type ErrorInfo = { 
/**
 * Stable code (docs/failure-codes.md).
 */
code: string, 
/**
 * For people, in English.
 */
message: string, 
/**
 * PIN tries left, for PIN errors.
 */
tries_left?: number, 
/**
 * For lockouts and cool-downs: until when (RFC 3339).
 */
until?: string, 
/**
 * What to do, as a coarse class ([`Remedy::key`], e.g. `retry_pin`). The UI's localized
 * text is looked up by `code` first (`errors.<CODE>`); the class is the fallback for a code
 * without a text of its own.
 */
remedy?: string, };

/**
 * A PC/SC reader (`ReaderInfo`).
 */
export type ReaderInfo = { 
/**
 * Reader name as PC/SC reports it.
 */
name: string, 
/**
 * Whether a card is in the reader.
 */
card_present: boolean, 
/**
 * Label of the token, when one is present and known.
 */
token_label?: string, };

/**
 * What a key on the token is for.
 */
export type CertUsage = "auth" | "sign";

/**
 * A certificate on a token (`CertificateInfo`).
 */
export type CertificateInfo = { 
/**
 * `9a` (authentication) or `9c` (signing).
 */
id: string, 
/**
 * Subject common name.
 */
subject: string, 
/**
 * ИИН from the subject's serial number.
 */
iin: string, 
/**
 * Organisation, if any.
 */
organisation?: string, 
/**
 * Issuer.
 */
issuer: string, 
/**
 * Validity start.
 */
not_before: string, 
/**
 * Validity end.
 */
not_after: string, 
/**
 * What the key is for.
 */
usage: CertUsage, };

/**
 * PIN retry counter (`PinStatus`).
 */
export type PinStatus = { 
/**
 * Tries left before the PIN blocks.
 */
tries_left: number, 
/**
 * Whether the PIN is blocked.
 */
blocked: boolean, };

/**
 * Languages of the interface.
 */
export type Language = "kk" | "ru" | "en";

/**
 * Settings the user may change (`Settings`).
 */
export type Settings = { 
/**
 * Language of the interface.
 */
language: Language, };

/**
 * Why a session is locked.
 */
export type LockReason = "idle" | "card_removed" | "card_reset" | "card_service_gone" | "user";

/**
 * Kind of [`CardEvent`].
 */
export type CardEventKind = "inserted" | "removed";

/**
 * Insertion or removal of a card (event `card`).
 */
export type CardEvent = { 
/**
 * `inserted` or `removed`.
 */
kind: CardEventKind, 
/**
 * The reader.
 */
reader: string, };

/**
 * Session state change (event `session`).
 */
export type SessionEvent = { "kind": "locked", 
/**
 * Why.
 */
reason: LockReason, } | { "kind": "unlocked" } | { "kind": "expired" };

/**
 * A result open in the viewer was destroyed because its viewing time ran out (event
 * `result_expired`; the policy's `results.shred_after_view_minutes`, 2015 r.52).
 */
export type ResultExpired = { 
/**
 * The request whose result it was.
 */
request_id: string, 
/**
 * When it was destroyed (RFC 3339, Astana time).
 */
at: string, };

/**
 * How a service may be used on a basis (Order 88/2024 Appendix 2 marks).
 */
export type AccessMark = "full" | "truncated" | "articles";

/**
 * A basis in the catalogue (`sio_core::catalogue::BasisEntry`).
 */
export type CatalogueBasis = { 
/**
 * Stable key.
 */
key: BasisKey, 
/**
 * Column number in the tables.
 */
column: number, 
/**
 * Russian name.
 */
name_ru: string, 
/**
 * Kazakh name.
 */
name_kk: string, 
/**
 * English name.
 */
name_en: string, };

/**
 * A role in the catalogue (`sio_core::catalogue::RoleEntry`).
 */
export type CatalogueRole = { 
/**
 * Row number (Appendix 1).
 */
no: number, 
/**
 * Russian name as in the seed.
 */
name_ru: string, 
/**
 * Kazakh name.
 */
name_kk: string, 
/**
 * Whether the Kazakh name is a translation (not from the 2015 Kazakh text).
 */
name_kk_translated: boolean, 
/**
 * English name.
 */
name_en: string, 
/**
 * Keys of the bases marked "+".
 */
bases: Array<BasisKey>, };

/**
 * A service in the catalogue (`sio_core::catalogue::ServiceEntry`).
 */
export type CatalogueService = { 
/**
 * Row number (Appendix 2).
 */
no: number, 
/**
 * Russian name as in the seed.
 */
name_ru: string, 
/**
 * Kazakh name.
 */
name_kk: string, 
/**
 * Whether the Kazakh name is a translation (not from the 2015 Kazakh text).
 */
name_kk_translated: boolean, 
/**
 * English name.
 */
name_en: string, 
/**
 * Basis → mark; absent bases are not allowed.
 */
access: Partial<Record<BasisKey, AccessMark>>, };

/**
 * The role × basis × service tables, as `sio catalogue --json` prints them (`catalogue`).
 */
export type CatalogueData = { 
/**
 * The six bases in column order.
 */
bases: Array<CatalogueBasis>, 
/**
 * The roles.
 */
roles: Array<CatalogueRole>, 
/**
 * The services.
 */
services: Array<CatalogueService>, };

/**
 * A service allowed for role × basis (`AllowedServiceInfo`).
 */
export type AllowedServiceInfo = { 
/**
 * Service number.
 */
service: number, 
/**
 * `full`, `truncated` or `articles`.
 */
mark: AccessMark, };

/**
 * A form of case reference and its fields (`CaseFormInfo`).
 */
export type CaseFormInfo = { 
/**
 * The form (`criminal_case`, …).
 */
form: CaseReference["kind"], 
/**
 * Its fields in display order.
 */
fields: Array<string>, };

/**
 * Everything the user fills in to make a request (`sio_core::RequestSpec` on the wire); the
 * application adds ids, user and time, and signs.
 */
export type RequestDraft = { 
/**
 * The user's role (Appendix 1).
 */
role: number, 
/**
 * The basis of the request.
 */
basis: BasisKey, 
/**
 * The service (Appendix 2).
 */
service: number, 
/**
 * The case, with the fields its basis requires.
 */
case: CaseReference, 
/**
 * The individual or legal entity the request is about.
 */
subject: Subject, 
/**
 * The Criminal Code article of a criminal case, where the service needs one.
 */
article?: Article, };

/**
 * The document exactly as it will be signed (`RequestPreview`).
 */
export type RequestPreview = { 
/**
 * The document.
 */
document: RequestDocument, 
/**
 * Its canonical bytes as UTF-8: what the signature covers.
 */
canonical: string, 
/**
 * Structural warnings of the draft ([`sio_core::warnings`]): never refusals — the acts are
 * silent on these forms (ИИН/БИН structure: Law No. 223-III of 12 Jan 2007) — but the user
 * confirms each before signing.
 */
warnings: Array<DraftWarning>, };

/**
 * One structural warning of a draft (`sio check` prints the same).
 */
export type DraftWarning = { 
/**
 * The stable code (docs/failure-codes.md, warnings), e.g. `CORE_WARN_IIN_MONTH`.
 */
code: string, 
/**
 * The field it is about: `subject`, `erdr` or `year`.
 */
field: string, 
/**
 * An English explanation (the UI shows its own kk/ru/en text by code).
 */
message: string, };

/**
 * Where a request stands (`OutboxStatus`).
 */
export type OutboxStatus = "queued" | "sent" | "accepted" | "rejected" | "result_ready" | "shredded";

/**
 * A request in the outbox (`OutboxItem`); also the payload of the `request_status` event.
 */
export type OutboxItem = { 
/**
 * The request id.
 */
request_id: string, 
/**
 * Service number.
 */
service: number, 
/**
 * Basis key.
 */
basis: BasisKey, 
/**
 * Short key of the case.
 */
case_key: string, 
/**
 * Subject ИИН/БИН.
 */
subject_id: string, 
/**
 * Status.
 */
status: OutboxStatus, 
/**
 * 0..1.
 */
progress: number, 
/**
 * When queued.
 */
created_at: string, 
/**
 * When the status last changed.
 */
updated_at: string, 
/**
 * Why it was rejected.
 */
error?: ErrorInfo, 
/**
 * Waiting more than one hour: the incident notice to the operator, to send or print
 * (2015 rr.38–44).
 */
delay_notice?: string, };

/**
 * Proof that the local copy of a result is gone (`ShredReport`).
 */
export type ShredReport = { 
/**
 * The request.
 */
request_id: string, 
/**
 * Whether the ciphertext and its key were destroyed (or no local copy existed).
 */
shredded: boolean, 
/**
 * When.
 */
at: string, };

/**
 * Receipt of an export to case materials (`ExportReceipt`).
 */
export type ExportReceipt = { 
/**
 * The request.
 */
request_id: string, 
/**
 * Where the signed export was written.
 */
path: string, 
/**
 * SHA-256 of the exported bytes.
 */
sha256: string, 
/**
 * When.
 */
at: string, };

/**
 * The second signature of an HR application: another person's token in another reader, and
 * its PIN (the head's; the applicant's when the user is the head).
 */
export type Cosigner = { 
/**
 * The reader holding the second signer's token.
 */
reader: string, 
/**
 * That token's PIN, for this one signature.
 */
pin: Secret, };

/**
 * An HR application for the list (`ApplicationItem`).
 */
export type ApplicationItem = { 
/**
 * The applicant's name.
 */
applicant_name: string, 
/**
 * When the order was signed.
 */
order_signed_at?: string, 
/**
 * A refusal whose operator's signature does not verify against the pinned CA
 * (`CLIENT_HR_REFUSAL_SIGNATURE`; 2015 rule 14: a refusal is signed): its reasons are then
 * not shown.
 */
refusal_error?: ErrorInfo, 
/**
 * The id.
 */
application_id: string, 
/**
 * Action.
 */
action: ApplicationAction, 
/**
 * State.
 */
state: ApplicationState, 
/**
 * When received (Astana time).
 */
received_at: string, 
/**
 * When carried out.
 */
done_at?: string, 
/**
 * Whether the application arrived later than 24 hours after the order.
 */
late: boolean, 
/**
 * The operator's reasons, when refused: a refusal is motivated (2015 rule 14: the operator
 * decides within one working day and refuses with its reasons).
 */
refusal_reasons?: string, 
/**
 * The operator's refusal as a signed document (2015 rule 14: "a motivated refusal … signed
 * with the NCA RK signature registered to КПСиСУ"): the client verifies its signature
 * against the pinned CA and shows the reasons only then.
 */
refusal?: Signed<RefusalDocument>, };

/**
 * The outcome of one diagnosis row.
 */
export type DiagnosisLevel = "pass" | "warn" | "fail";

/**
 * One row of the diagnosis page (`sio_workstation::ui::UiItem`).
 */
export type DiagnosisItem = { 
/**
 * Stable id; the UI looks up its title and "what to do" text by it.
 */
id: string, 
/**
 * Outcome.
 */
level: DiagnosisLevel, 
/**
 * What was measured, e.g. "3.4 GHz", "2 readers", "TLS 1.3". Not translated.
 */
measured: string, 
/**
 * Failure code of the worst check, when the row is not a pass.
 */
code?: string, };

/**
 * The diagnosis report for the helpdesk (`diagnose`; `sio_workstation::UiReport`).
 */
export type DiagnosisReport = { 
/**
 * When the checks ran.
 */
generated_at: string, 
/**
 * The rows.
 */
items: Array<DiagnosisItem>, };

/**
 * Versions for the About screen (`AboutInfo`).
 */
export type AboutInfo = { 
/**
 * This application.
 */
app_version: string, 
/**
 * The protocol.
 */
protocol_version: string, 
/**
 * The rules engine.
 */
core_version: string, 
/**
 * The legal acts the catalogue encodes.
 */
catalogue_version: string, 
/**
 * The gateway of the policy.
 */
gateway?: string, };

/** The argument object of a command that takes none. */
export type NoArgs = Record<string, never>;

/**
 * Arguments of `list_certificates`.
 */
export type ListCertificatesArgs = { reader: string, };

/**
 * Arguments of `pin_status`.
 */
export type PinStatusArgs = { reader: string, };

/**
 * Arguments of `change_pin`.
 */
export type ChangePinArgs = { reader: string, pin: Secret, new_pin: Secret, };

/**
 * Arguments of `unblock_pin`.
 */
export type UnblockPinArgs = { reader: string, puk: Secret, new_pin: Secret, };

/**
 * Arguments of `login`.
 */
export type LoginArgs = { reader: string, certificate_id: string, pin: Secret, };

/**
 * Arguments of `verify_sms_code`.
 */
export type VerifySmsCodeArgs = { code: Secret, };

/**
 * Arguments of `verify_biometric`.
 */
export type VerifyBiometricArgs = { modality: BiometricModality, };

/**
 * Arguments of `sign_consent`.
 */
export type SignConsentArgs = { reader: string, certificate_id: string, pin: Secret, language: Language, text_sha256?: string, };

/**
 * Arguments of `lock`.
 */
export type LockArgs = { reason: LockReason, };

/**
 * Arguments of `unlock`.
 */
export type UnlockArgs = { pin: Secret, };

/**
 * Arguments of `allowed_services`.
 */
export type AllowedServicesArgs = { role: number, basis: BasisKey, };

/**
 * Arguments of `case_forms`.
 */
export type CaseFormsArgs = { basis: BasisKey, };

/**
 * Arguments of `preview_request`.
 */
export type PreviewRequestArgs = { draft: RequestDraft, };

/**
 * Arguments of `sign_and_send`.
 */
export type SignAndSendArgs = { draft: RequestDraft, pin: Secret, confirmed_warnings?: Array<string>, };

/**
 * Arguments of `open_result`.
 */
export type OpenResultArgs = { request_id: string, };

/**
 * Arguments of `close_result`.
 */
export type CloseResultArgs = { request_id: string, };

/**
 * Arguments of `export_result`.
 */
export type ExportResultArgs = { request_id: string, case_key: string, reason: string, pin: Secret, };

/**
 * Arguments of `submit_application`.
 */
export type SubmitApplicationArgs = { application: Omit<ApplicationDocument, 'doc' | 'application_id' | 'signed_at'>, pin: Secret, cosigner?: Cosigner, };

/**
 * Arguments of `report`.
 */
export type ReportArgs = { from: string, to: string, };

/**
 * Arguments of `set_settings`.
 */
export type SetSettingsArgs = { settings: Settings, };

/**
 * The command table of the contract: command name → argument object → answer. Every
 * command rejects with an `ErrorInfo` (a code from docs/failure-codes.md).
 */
export interface Commands {
  /**
   * The PC/SC readers and whether a card is in each.
   */
  list_readers: { args: NoArgs; result: Array<ReaderInfo> };
  /**
   * The certificates on the card in `reader`.
   */
  list_certificates: { args: ListCertificatesArgs; result: Array<CertificateInfo> };
  /**
   * The PIN retry counter of the card in `reader`.
   */
  pin_status: { args: PinStatusArgs; result: PinStatus };
  /**
   * Change the PIN of the token in `reader` (the current PIN, a new one of 6–8 characters).
   */
  change_pin: { args: ChangePinArgs; result: PinStatus };
  /**
   * Unblock the PIN of the token in `reader` with the PUK, setting a new PIN.
   */
  unblock_pin: { args: UnblockPinArgs; result: PinStatus };
  /**
   * Verify the PIN and sign the gateway's challenge with the authentication key (PIN dropped
   * after).
   */
  login: { args: LoginArgs; result: SessionInfo };
  /**
   * Ask the gateway for a one-time SMS code (second factor).
   */
  request_sms_code: { args: NoArgs; result: OtpSent };
  /**
   * Check the SMS code (second factor).
   */
  verify_sms_code: { args: VerifySmsCodeArgs; result: SessionInfo };
  /**
   * Biometric second factor: fingerprint on the reader or face from the webcam.
   */
  verify_biometric: { args: VerifyBiometricArgs; result: SessionInfo };
  /**
   * The text of the consent to sign after the second factor.
   */
  consent_text: { args: NoArgs; result: ConsentText };
  /**
   * Sign the consent with the signing key (PIN-always).
   * `text_sha256` is the hash of the text the user was shown (`consent_text`): the app signs
   * only that text (`APP_CONSENT_CHANGED` if the gateway's text has changed meanwhile).
   */
  sign_consent: { args: SignConsentArgs; result: SessionInfo };
  /**
   * The session, or `null` without one.
   */
  session: { args: NoArgs; result: SessionInfo | null };
  /**
   * Lock the session.
   */
  lock: { args: LockArgs; result: null };
  /**
   * Unlock with the PIN of the same card (back in its reader).
   */
  unlock: { args: UnlockArgs; result: SessionInfo };
  /**
   * End the session.
   */
  logout: { args: NoArgs; result: null };
  /**
   * The role × basis × service tables (= `sio catalogue --json`).
   */
  catalogue: { args: NoArgs; result: CatalogueData };
  /**
   * The services allowed for role × basis (the role's bases ∩ the services' bases).
   */
  allowed_services: { args: AllowedServicesArgs; result: Array<AllowedServiceInfo> };
  /**
   * The forms of case reference a basis takes, with their fields.
   */
  case_forms: { args: CaseFormsArgs; result: Array<CaseFormInfo> };
  /**
   * The request document exactly as it will be signed.
   */
  preview_request: { args: PreviewRequestArgs; result: RequestPreview };
  /**
   * Sign the previewed request on the card (PIN-always) and queue it.
   * `confirmed_warnings`: the codes of the structural warnings the user confirmed (issue 18);
   * every warning the draft has at sign time must be among them (`APP_WARNINGS_UNCONFIRMED`).
   */
  sign_and_send: { args: SignAndSendArgs; result: OutboxItem };
  /**
   * The outbox.
   */
  list_requests: { args: NoArgs; result: Array<OutboxItem> };
  /**
   * Decrypt a result for viewing; it stays open until `close_result`.
   */
  open_result: { args: OpenResultArgs; result: ResultDelivery };
  /**
   * Close the viewer: the local copy is crypto-erased.
   */
  close_result: { args: CloseResultArgs; result: ShredReport };
  /**
   * Export a result to the case materials (rule 48): explicit, logged, signed.
   */
  export_result: { args: ExportResultArgs; result: ExportReceipt };
  /**
   * Sign and submit an HR application (with the second signature, when given).
   */
  submit_application: { args: SubmitApplicationArgs; result: ApplicationItem };
  /**
   * The HR applications of this workstation.
   */
  list_applications: { args: NoArgs; result: Array<ApplicationItem> };
  /**
   * Planned works published in advance and open emergencies (2015 rr.38, 43, 44).
   */
  notices: { args: NoArgs; result: Notices };
  /**
   * HR officers: the staff of their body, last login and block due (Appendix 6 §11.2).
   */
  staff_list: { args: NoArgs; result: StaffList };
  /**
   * The report for a period.
   */
  report: { args: ReportArgs; result: Report };
  /**
   * Diagnose the workstation (Appendix 4) and the token/reader/biometric/channel stack.
   */
  diagnose: { args: NoArgs; result: DiagnosisReport };
  /**
   * Run the diagnosis and save it for the helpdesk in the user's downloads folder; the path.
   */
  save_diagnosis: { args: NoArgs; result: string };
  /**
   * The settings.
   */
  get_settings: { args: NoArgs; result: Settings };
  /**
   * Change the settings.
   */
  set_settings: { args: SetSettingsArgs; result: Settings };
  /**
   * Versions for the About screen.
   */
  about: { args: NoArgs; result: AboutInfo };
}

/** A command of the contract. */
export type CommandName = keyof Commands;

/** The argument object of a command. */
export type CommandArgs<K extends CommandName> = Commands[K]['args'];

/** The answer of a command. */
export type CommandResult<K extends CommandName> = Commands[K]['result'];

/** Every command, in the order of the contract. */
export const COMMANDS: readonly CommandName[] = [
  'list_readers',
  'list_certificates',
  'pin_status',
  'change_pin',
  'unblock_pin',
  'login',
  'request_sms_code',
  'verify_sms_code',
  'verify_biometric',
  'consent_text',
  'sign_consent',
  'session',
  'lock',
  'unlock',
  'logout',
  'catalogue',
  'allowed_services',
  'case_forms',
  'preview_request',
  'sign_and_send',
  'list_requests',
  'open_result',
  'close_result',
  'export_result',
  'submit_application',
  'list_applications',
  'notices',
  'staff_list',
  'report',
  'diagnose',
  'save_diagnosis',
  'get_settings',
  'set_settings',
  'about',
];

/** The events the application pushes: name → payload. */
export interface Events {
  card: CardEvent;
  session: SessionEvent;
  request_status: OutboxItem;
  result_expired: ResultExpired;
}
