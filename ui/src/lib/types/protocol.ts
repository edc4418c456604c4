// Generated from crates/sio-protocol by `cargo test -p sio-protocol` with SIO_REGENERATE=1.
// Do not edit by hand.

/**
 * The body of every non-2xx response: a stable machine code and a human message.
 *
 * The UI matches on `code` only (see docs/failure-codes.md); `message` is for people.
 */
export type ErrorBody = { 
/**
 * Stable machine code, e.g. `GW_ACCOUNT_LOCKED`.
 */
code: string, 
/**
 * Human-readable explanation in English.
 */
message: string, 
/**
 * For lockouts and cool-downs: until when (gateway time, Astana, RFC 3339).
 */
until?: string, };

/**
 * Answer of `GET /v1/health`.
 */
export type Health = { 
/**
 * Always `ok`.
 */
status: string, 
/**
 * Protocol version.
 */
version: string, 
/**
 * The gateway's clock, Astana time.
 */
gateway_time: string, };

/**
 * A document with legal weight and its signature.
 *
 * `cms` is a DER CMS `SignedData` (RFC 5652), base64 (standard alphabet, padded), **detached**:
 * its encapsulated content is absent and its signatures cover the canonical bytes
 * ([`crate::canonical`]) of `document`. HR applications carry two `SignerInfo`s in one
 * `SignedData`. `openssl cms -verify -binary -content doc.json -inform DER` verifies it when
 * `doc.json` holds the canonical bytes.
 */
export type Signed<T> = { 
/**
 * The document, as JSON.
 */
document: T, 
/**
 * Base64 DER of the detached CMS SignedData over the canonical bytes of `document`.
 */
cms: string, };

/**
 * A server nonce to be signed. Single use; expires at `expires_at`.
 */
export type LoginChallenge = { 
/**
 * Identifier of this challenge.
 */
challenge_id: string, 
/**
 * 32 random bytes, base64 (standard, padded).
 */
nonce: string, 
/**
 * The gateway's clock when the challenge was made (Astana time). A client whose clock
 * differs by more than the signing window is told so before it signs.
 */
gateway_time: string, 
/**
 * After this instant the challenge is void.
 */
expires_at: string, 
/**
 * Allowed difference between `client_time` in the login document and the gateway's clock, seconds.
 */
clock_window_seconds: number, };

/**
 * Where the private key that signed the login lives, as the client declares it.
 */
export type KeyCarrier = "hardware" | "software";

/**
 * `doc` tag of [`LoginDocument`].
 */
export type LoginDocType = "sio.login/v1";

/**
 * What the user signs with the authentication key to log in.
 */
export type LoginDocument = { 
/**
 * Always `sio.login/v1`.
 */
doc: LoginDocType, 
/**
 * The challenge being answered.
 */
challenge_id: string, 
/**
 * The nonce of that challenge, exactly as received.
 */
nonce: string, 
/**
 * SHA-256 of the DER of the authentication certificate, lowercase hex.
 */
certificate_sha256: string, 
/**
 * Where the key is.
 */
carrier: KeyCarrier, 
/**
 * The client's clock when signing.
 */
client_time: string, };

/**
 * Second factors an account may use (rule 18: biometrics or an SMS code).
 */
export type SecondFactor = "sms" | "fingerprint" | "face";

/**
 * Where a session stands.
 */
export type SessionStage = "second_factor" | "consent" | "active";

/**
 * The holder of the session as the gateway knows them.
 */
export type SessionUser = { 
/**
 * ИИН.
 */
iin: string, 
/**
 * Full name.
 */
full_name: string, 
/**
 * БИН of the user's body.
 */
organisation_bin: string, 
/**
 * Name of the user's body.
 */
organisation_name: string, 
/**
 * Role number (Order 34/2026 Appendix 1), if the user may send requests.
 */
role?: number, 
/**
 * Whether the user may read the body's reports (rule 10).
 */
reports: boolean, 
/**
 * Whether the user may file HR applications.
 */
hr: boolean, };

/**
 * The state of a session, returned by login, each factor and `GET /v1/session`.
 */
export type SessionInfo = { 
/**
 * Bearer token for `Authorization`. Present only in the answer to `POST /v1/login`.
 */
token?: Secret, 
/**
 * Stage.
 */
stage: SessionStage, 
/**
 * Factors this account may use for the second step.
 */
factors: Array<SecondFactor>, 
/**
 * The user.
 */
user: SessionUser, 
/**
 * The session ends at this instant whatever happens (12 hours after login).
 */
expires_at: string, 
/**
 * The session is locked if idle past this instant (15 minutes).
 */
idle_until: string, 
/**
 * Version of the consent text the user has to sign (stage `consent`) or has signed.
 */
consent_version: string, 
/**
 * When the user signed the consent, if they have.
 */
consent_signed_at?: string, 
/**
 * The user's previous successful login (both factors passed), if any.
 */
previous_login_at?: string, 
/**
 * Set when the user was away longer than two months before this login: the day from which
 * they were due to file a block of their own account (Appendix 6 §11.2 as amended by Order
 * 88/2024). The app reminds them until they file it.
 */
absence_block_due?: string, };

/**
 * Answer to an SMS code request.
 */
export type OtpSent = { 
/**
 * The registered number with all but the last four digits masked, e.g. `+7 *** *** 12 34`.
 */
masked_phone: string, 
/**
 * The code is void after this instant (10 minutes).
 */
expires_at: string, 
/**
 * A new code may be requested after this many seconds.
 */
resend_after_seconds: number, };

/**
 * The one-time code typed by the user.
 */
export type OtpCheck = { 
/**
 * Six digits.
 */
code: Secret, };

/**
 * Kind of biometric sample.
 */
export type BiometricModality = "fingerprint" | "face";

/**
 * A biometric sample for the second factor. The matching itself is specified in its own
 * issue; the gateway answers `GW_FACTOR_UNAVAILABLE` until then.
 */
export type BiometricSample = { 
/**
 * Fingerprint or face.
 */
modality: BiometricModality, 
/**
 * Format of `data`, e.g. `png`, `iso19794-2`, `embedding-f32le`.
 */
format: string, 
/**
 * The sample, base64.
 */
data: Secret, };

/**
 * One movement of the liveness challenge, in the user's own terms.
 */
export type FaceStep = "turn_left" | "turn_right" | "closer";

/**
 * The gateway's liveness challenge.
 */
export type FaceChallenge = { 
/**
 * Identifier of this challenge (single use, bound to the session).
 */
challenge_id: string, 
/**
 * 16 random bytes, base64: signed back in the proof.
 */
nonce: string, 
/**
 * The movements to make, in this order.
 */
steps: Array<FaceStep>, 
/**
 * The proof must arrive before this instant.
 */
expires_at: string, 
/**
 * Seconds allowed from the challenge to the proof.
 */
time_limit_seconds: number, };

/**
 * `doc` tag of [`FaceProof`].
 */
export type FaceProofDocType = "sio.face/v1";

/**
 * The key frames following a [`FaceChallenge`], signed with the authentication key. The frames
 * are biometric samples: `Debug` redacts them and nothing stores them.
 */
export type FaceProof = { 
/**
 * Always `sio.face/v1`.
 */
doc: FaceProofDocType, 
/**
 * The challenge answered.
 */
challenge_id: string, 
/**
 * Its nonce, exactly as received.
 */
nonce: string, 
/**
 * Its steps, as received.
 */
steps: Array<FaceStep>, 
/**
 * JPEG key frames (at most 320×240), base64: the start, then one after each step.
 */
frames: Array<Secret>, 
/**
 * The client's clock when signing.
 */
client_time: string, };

/**
 * A finger, named as fprintd names it.
 */
export type Finger = "left-thumb" | "left-index-finger" | "left-middle-finger" | "left-ring-finger" | "left-little-finger" | "right-thumb" | "right-index-finger" | "right-middle-finger" | "right-ring-finger" | "right-little-finger";

/**
 * `doc` tag of [`FingerprintEnrolmentDocument`].
 */
export type FingerprintEnrolmentDocType = "sio.fingerprint-enrolment/v1";

/**
 * The user-signed enrolment record of protocol v1. **Refused** now: `POST
 * /v1/fingerprint/enrolments` answers `GW_FINGERPRINT_ENROL_FORBIDDEN` whatever it carries,
 * because a user must not enrol themselves (the helpdesk does, with `sio gateway admin
 * enroll-fingerprint`). Kept so that the refusal is documented with its body.
 */
export type FingerprintEnrolmentDocument = { 
/**
 * Always `sio.fingerprint-enrolment/v1`.
 */
doc: FingerprintEnrolmentDocType, 
/**
 * ИИН of the user whose finger was enrolled.
 */
iin: string, 
/**
 * Identifier of the workstation (a hash of its machine id).
 */
workstation: string, 
/**
 * Name of the reader the finger was enrolled on.
 */
device: string, 
/**
 * The finger.
 */
finger: Finger, 
/**
 * The client's clock when signing.
 */
enrolled_at: string, };

/**
 * An enrolment the gateway recorded (the helpdesk's).
 */
export type FingerprintEnrolment = { 
/**
 * Identifier of the record.
 */
enrolment_id: string, 
/**
 * The workstation: common name of its certificate.
 */
workstation: string, 
/**
 * SHA-256 (lowercase hex) of the workstation certificate whose key must sign the verdicts.
 */
workstation_certificate: string, 
/**
 * Reader the verdicts must name; empty for any reader of that workstation.
 */
device: string, 
/**
 * Finger.
 */
finger: Finger, 
/**
 * When the gateway recorded it.
 */
recorded_at: string, };

/**
 * A single-use challenge for the fingerprint second factor. Issued to every user in stage
 * `second_factor`, enrolled or not, with nothing else in it: it must not tell someone holding a
 * card and PIN which workstation would be accepted.
 */
export type FingerprintChallenge = { 
/**
 * Identifier of this challenge.
 */
challenge_id: string, 
/**
 * 32 random bytes, base64.
 */
nonce: string, 
/**
 * After this instant the challenge is void.
 */
expires_at: string, };

/**
 * The OS stack's verdict.
 */
export type FingerprintResult = "match" | "no-match";

/**
 * `doc` tag of [`FingerprintVerdictDocument`].
 */
export type FingerprintVerdictDocType = "sio.fingerprint-verdict/v2";

/**
 * What the workstation's fingerprint agent signs with the **workstation key** (the key of the
 * workstation certificate, readable only by the agent) after the OS stack verified the finger.
 */
export type FingerprintVerdictDocument = { 
/**
 * Always `sio.fingerprint-verdict/v2`.
 */
doc: FingerprintVerdictDocType, 
/**
 * The challenge being answered.
 */
challenge_id: string, 
/**
 * Its nonce, exactly as received.
 */
nonce: string, 
/**
 * ИИН of the user whose prints were checked.
 */
iin: string, 
/**
 * SHA-256 (lowercase hex) of the workstation certificate that signs this verdict.
 */
workstation_certificate: string, 
/**
 * Name of the reader.
 */
device: string, 
/**
 * The finger verified, when the OS stack says.
 */
finger?: Finger, 
/**
 * Match or no match.
 */
result: FingerprintResult, 
/**
 * The workstation's clock when signing.
 */
verified_at: string, };

/**
 * Language of a consent text (Appendix 6 to the Rules).
 */
export type ConsentLanguage = "ru" | "kk";

/**
 * The fields of the Appendix 6 form as the gateway filled them in the signed text: the blanks
 * «город», «"___"___ 20__ года», «в лице … (фамилия, имя, отчество, должность)» and
 * «являющийся сотрудником … (наименование государственного органа)».
 */
export type ConsentFields = { 
/**
 * City (locality `L` of the user's certificate), if the certificate names one; the blank
 * stays in the text otherwise.
 */
city?: string, 
/**
 * The date of the form (Astana).
 */
date?: string, 
/**
 * Surname, name, patronymic as the gateway's user record holds them.
 */
full_name: string, 
/**
 * Position as recorded from the user's HR application, if recorded.
 */
position?: string, 
/**
 * Name of the user's state body.
 */
organisation_name: string, };

/**
 * The consent (Appendix 6 to the Rules, Order 21/2023 as amended by Order 88/2024; rule 17 of
 * the Rules: signed on the first login) with the form's fields filled for this user.
 */
export type ConsentText = { 
/**
 * Version of the text. A user who signed another version is asked again.
 */
version: string, 
/**
 * Language of the text that is signed and whose hash is `sha256`. Always `ru` today: the
 * only text of the edition in force (Order 88/2024) is the Russian one.
 */
signed_language: ConsentLanguage, 
/**
 * SHA-256 of the UTF-8 of the signed text (`ru`, filled), lowercase hex.
 */
sha256: string, 
/**
 * The date of the form, to be repeated in [`ConsentDocument::form_date`].
 */
form_date?: string, 
/**
 * Russian text of the act, verbatim, with the form's fields filled: the text that is signed.
 */
ru: string, 
/**
 * Kazakh notice: what is signed and why the text is Russian.
 */
kk: string, 
/**
 * English courtesy translation, not legally binding; never signed.
 */
en: string, 
/**
 * The form's fields as filled in `ru`.
 */
fields: ConsentFields, 
/**
 * For reference only, never signed: the Kazakh text of Appendix 6 of the repealed 2015
 * edition (Order 151/2015), the only Kazakh text of the form the acts give.
 */
kk_reference_2015: string, };

/**
 * One employee of the HR officer's body, as `GET /v1/staff` lists them.
 */
export type StaffMember = { 
/**
 * ИИН.
 */
iin: string, 
/**
 * Full name.
 */
full_name: string, 
/**
 * Position as recorded from the HR application (may be empty).
 */
position: string, 
/**
 * Account state: `registered`, `blocked` or `pending`.
 */
state: string, 
/**
 * The last successful login (both factors), if any is recorded.
 */
last_login_at?: string, 
/**
 * Set for a registered account unused for more than two months: the day from which a block
 * of the account was due (Appendix 6 §11.2 as amended by Order 88/2024).
 */
absence_block_due?: string, };

/**
 * Answer of `GET /v1/staff`: the staff of the caller's body (HR officers only).
 */
export type StaffList = { 
/**
 * БИН of the body.
 */
organisation_bin: string, 
/**
 * Its users, by name.
 */
members: Array<StaffMember>, };

/**
 * `doc` tag of [`ConsentDocument`].
 */
export type ConsentDocType = "sio.consent/v1";

/**
 * What the user signs with the signing key to give consent.
 */
export type ConsentDocument = { 
/**
 * Always `sio.consent/v1`.
 */
doc: ConsentDocType, 
/**
 * ИИН of the user giving consent.
 */
iin: string, 
/**
 * Version of the text.
 */
consent_version: string, 
/**
 * Language of the text signed (as in [`ConsentText::signed_language`]). Documents of before
 * this field were of the Russian text.
 */
text_language: ConsentLanguage, 
/**
 * SHA-256 of the filled text of that language, as in [`ConsentText::sha256`].
 */
text_sha256: string, 
/**
 * The date written in the form, as in [`ConsentText::form_date`].
 */
form_date?: string, 
/**
 * The client's clock when signing.
 */
signed_at: string, };

/**
 * `doc` tag of [`RequestDocument`].
 */
export type RequestDocType = "sio.request/v1";

/**
 * Basis of a request; the same keys as `sio_core::Basis` (`Basis::key`).
 */
export type BasisKey = "criminal" | "admin_court" | "admin_offence" | "civil_court" | "enforcement" | "wanted";

/**
 * The reference to the case a request is made in: the JSON shape of `sio_core::CaseReference`,
 * which validates each field and decides which kind fits which basis.
 */
export type CaseReference = { "kind": "criminal_case", 
/**
 * ЕРДР number.
 */
erdr: string, } | { "kind": "instruction", 
/**
 * ЕРДР number of the case.
 */
erdr: string, 
/**
 * Outgoing number of the instruction.
 */
instruction_no: string, } | { "kind": "legal_assistance", 
/**
 * Outgoing number of the request.
 */
request_no: string, 
/**
 * The requesting body.
 */
requesting_body: string, 
/**
 * Outgoing number of the cover letter of the RK authority.
 */
cover_letter_no: string, } | { "kind": "admin_court", 
/**
 * Case number in the courts' information system.
 */
number: string, 
/**
 * Accounting year.
 */
year: number, 
/**
 * The court that took the decision.
 */
court: string, } | { "kind": "admin_offence", 
/**
 * Case number.
 */
number: string, } | { "kind": "civil_court", 
/**
 * Case number in the courts' information system.
 */
number: string, 
/**
 * Accounting year.
 */
year: number, 
/**
 * The court that took the decision.
 */
court: string, } | { "kind": "enforcement", 
/**
 * End-to-end number.
 */
number: string, } | { "kind": "wanted", 
/**
 * Case number.
 */
number: string, };

/**
 * A Criminal Code article with an optional part: the JSON shape of
 * `sio_core::CriminalCodeArticle`.
 */
export type Article = { 
/**
 * Article number.
 */
article: number, 
/**
 * Part (часть).
 */
part?: number, };

/**
 * Whom a request is about (rule 20): the JSON shape of `sio_core::Subject`.
 */
export type Subject = { "kind": "individual", "id": string } | { "kind": "legal_entity", "id": string };

/**
 * A signed request for information.
 */
export type RequestDocument = { 
/**
 * Always `sio.request/v1`.
 */
doc: RequestDocType, 
/**
 * Chosen by the client (UUID v4). Sending the same document again returns the same
 * request; another document under the same id is refused (`GW_REQUEST_ID_CONFLICT`).
 */
request_id: string, 
/**
 * ИИН of the signing user.
 */
user_iin: string, 
/**
 * The user's role number (Order 34/2026 Appendix 1).
 */
role: number, 
/**
 * Basis.
 */
basis: BasisKey, 
/**
 * Service number 1–93 (Order 88/2024 Appendix 2).
 */
service: number, 
/**
 * The case the request is made in.
 */
case: CaseReference, 
/**
 * Whom the request is about.
 */
subject: Subject, 
/**
 * Criminal Code article of the case, where the service is limited to certain articles
 * (services 37–40, 70–74: Chapter 8, articles 214–249).
 */
article?: Article, 
/**
 * The client's clock when signing; must be within the gateway's window.
 */
signed_at: string, };

/**
 * Where a request stands.
 */
export type RequestState = "processing" | "ready";

/**
 * The status of a request (also the answer to its submission).
 */
export type RequestStatus = { 
/**
 * The client-chosen id.
 */
request_id: string, 
/**
 * State.
 */
state: RequestState, 
/**
 * Service number.
 */
service: number, 
/**
 * When the gateway accepted it (Astana time).
 */
submitted_at: string, 
/**
 * When the result became ready.
 */
ready_at?: string, 
/**
 * Whether this answer is for a resubmission of an already known request.
 */
duplicate: boolean, };

/**
 * A list of the user's own requests.
 */
export type RequestList = { 
/**
 * Newest first.
 */
requests: Array<RequestStatus>, };

/**
 * A result as a table: the same data the PDF shows.
 */
export type ResultTable = { 
/**
 * Column titles.
 */
columns: Array<string>, 
/**
 * Rows, one string per column.
 */
rows: Array<Array<string>>, };

/**
 * The result of a request. Confidential: the client keeps it only while it is being viewed.
 */
export type ResultDelivery = { 
/**
 * The request.
 */
request_id: string, 
/**
 * Service number.
 */
service: number, 
/**
 * Title of the service.
 */
title: string, 
/**
 * When the result was produced (Astana time).
 */
generated_at: string, 
/**
 * True for the truncated service (service 11 on bases 2–4: no amounts).
 */
truncated: boolean, 
/**
 * The data.
 */
table: ResultTable, 
/**
 * The same data as a PDF document, base64.
 */
pdf_base64: string, };

/**
 * `doc` tag of [`ExportDocument`].
 */
export type ExportDocType = "sio.export/v1";

/**
 * Notice that a result was attached to case materials (rule 48 as of 2024): the lawful
 * exception to destroying the local copy. Signed by the user with the signing key; the gateway
 * records it beside the request.
 */
export type ExportDocument = { 
/**
 * Always `sio.export/v1`.
 */
doc: ExportDocType, 
/**
 * Chosen by the client (UUID v4); idempotent.
 */
export_id: string, 
/**
 * The request whose result was exported.
 */
request_id: string, 
/**
 * ИИН of the signing user.
 */
user_iin: string, 
/**
 * Why (e.g. the case-materials volume it was attached to).
 */
reason: string, 
/**
 * SHA-256 of the exported bytes, lowercase hex.
 */
content_sha256: string, 
/**
 * The client's clock when signing.
 */
signed_at: string, };

/**
 * The gateway's record of an export.
 */
export type ExportReceipt = { 
/**
 * The export.
 */
export_id: string, 
/**
 * The request.
 */
request_id: string, 
/**
 * When the gateway recorded it (Astana time).
 */
recorded_at: string, };

/**
 * `doc` tag of [`ApplicationDocument`].
 */
export type ApplicationDocType = "sio.application/v1";

/**
 * What the application asks for.
 */
export type ApplicationAction = "registration" | "transfer" | "blocking";

/**
 * Why an account is blocked.
 */
export type BlockingReason = "dismissal" | "suspension" | "long_absence" | "other";

/**
 * The applicant.
 */
export type Applicant = { 
/**
 * Full name.
 */
full_name: string, 
/**
 * ИИН.
 */
iin: string, };

/**
 * The applicant's workplace (for a transfer: the new post, in the same body). The gateway takes
 * the person's current body from its own records and refuses a workplace naming another one.
 */
export type Workplace = { 
/**
 * Name of the organisation.
 */
organisation_name: string, 
/**
 * The organisation's code in ЕРДР (2015 Appendix 5, kk: «СДТБТ ұйымының коды»; kk rule 5
 * defines СДТБТ as ЕРДР): not a БИН, and the form has no БИН field (issue 18 item 2). Format:
 * `sio_core::org::ErdrOrgCode` (1–12 digits, not all zeros). Applications stored before the
 * field was renamed carry it as `organisation_bin`: that name is still read.
 */
organisation_code: string, 
/**
 * Structural unit.
 */
unit: string, 
/**
 * Position.
 */
position: string, };

/**
 * Contacts.
 */
export type Contacts = { 
/**
 * Work phone.
 */
work_phone: string, 
/**
 * Mobile phone (receives SMS codes), international format `+7…`.
 */
mobile_phone: string, 
/**
 * E-mail.
 */
email: string, 
/**
 * Work address.
 */
work_address: string, };

/**
 * The three confirmations of the form.
 */
export type Confirmations = { 
/**
 * Agrees to the consent.
 */
consent: boolean, 
/**
 * Holds an NCA RK signature.
 */
holds_nca_signature: boolean, 
/**
 * Agrees to the processing of personal data.
 */
personal_data: boolean, };

/**
 * The applicant's head, who co-signs.
 */
export type Head = { 
/**
 * Position.
 */
position: string, 
/**
 * Full name.
 */
full_name: string, 
/**
 * ИИН (matched against the co-signer's certificate; the operator must have marked this person
 * as a head of the body concerned).
 */
iin: string, };

/**
 * An HR application, signed by the applicant (or the responsible official) and by the head:
 * one detached CMS with two `SignerInfo`s.
 */
export type ApplicationDocument = { 
/**
 * Always `sio.application/v1`.
 */
doc: ApplicationDocType, 
/**
 * Chosen by the client (UUID v4); idempotent like request ids.
 */
application_id: string, 
/**
 * Registration, transfer or blocking.
 */
action: ApplicationAction, 
/**
 * The person the application is about.
 */
applicant: Applicant, 
/**
 * Workplace.
 */
workplace: Workplace, 
/**
 * Contacts.
 */
contacts: Contacts, 
/**
 * Role number asked for (registration, transfer).
 */
role?: number, 
/**
 * Reason, for a blocking.
 */
blocking_reason?: BlockingReason, 
/**
 * Free text for the reason `other`.
 */
blocking_reason_text?: string, 
/**
 * When the order (dismissal, suspension, transfer) was signed, Astana time: starts the
 * 24-hour deadline of rules 14–15.
 */
order_signed_at?: string, 
/**
 * The confirmations.
 */
confirmations: Confirmations, 
/**
 * The head.
 */
head: Head, 
/**
 * The client's clock when signing.
 */
signed_at: string, };

/**
 * Where an application stands.
 */
export type ApplicationState = "pending" | "done" | "refused";

/**
 * `doc` tag of [`RefusalDocument`].
 */
export type RefusalDocType = "sio.hr-refusal/v1";

/**
 * The operator's motivated refusal of an application (2015 rule 14, ru «мотивированный отказ …
 * подписанный средствами ЭЦП НУЦ, зарегистрированной на КПСиСУ»; kk «дәлелді бас тарту»),
 * signed by the operator's certificate and kept with the application.
 */
export type RefusalDocument = { 
/**
 * Always `sio.hr-refusal/v1`.
 */
doc: RefusalDocType, 
/**
 * The application refused.
 */
application_id: string, 
/**
 * What it asked for.
 */
action: ApplicationAction, 
/**
 * The person it was about.
 */
applicant_iin: string, 
/**
 * The body that filed it (БИН, from the gateway's records).
 */
organisation_bin: string, 
/**
 * The reasons (a refusal is motivated).
 */
reasons: string, 
/**
 * When the gateway received the application (Astana time).
 */
received_at: string, 
/**
 * When the operator refused it (Astana time).
 */
refused_at: string, 
/**
 * The operator's officer who decided (name or ИИН, as journaled).
 */
operator: string, };

/**
 * The status of an application.
 */
export type ApplicationStatus = { 
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
 * Query of `GET /v1/reports`: all requests of the caller's body in a period.
 */
export type ReportQuery = { 
/**
 * First day (Astana calendar), inclusive.
 */
from: string, 
/**
 * Last day, inclusive.
 */
to: string, };

/**
 * One request in a report.
 */
export type ReportRow = { 
/**
 * Request id.
 */
request_id: string, 
/**
 * ИИН of the user who sent it.
 */
user_iin: string, 
/**
 * Name of that user.
 */
user_name: string, 
/**
 * Service number.
 */
service: number, 
/**
 * Basis.
 */
basis: BasisKey, 
/**
 * Case number.
 */
case_number: string, 
/**
 * The Criminal Code article the user declared with the request (State Revenue Committee
 * services need a Chapter 8 one: 2024 r.2, Appendix 2 footnote 2); absent when none was.
 */
article?: Article, 
/**
 * When it was accepted (Astana time).
 */
submitted_at: string, };

/**
 * A report for a body.
 */
export type Report = { 
/**
 * БИН of the body.
 */
organisation_bin: string, 
/**
 * Period start.
 */
from: string, 
/**
 * Period end.
 */
to: string, 
/**
 * When made.
 */
generated_at: string, 
/**
 * The requests, oldest first.
 */
rows: Array<ReportRow>, };

/**
 * One access-journal record (2009 rules r.8 plus the outcome).
 */
export type JournalEntry = { 
/**
 * Date and time, Astana.
 */
at: string, 
/**
 * ИИН of the user, or empty before the user is known.
 */
user: string, 
/**
 * Client IP address.
 */
ip: string, 
/**
 * Logical part of the resource (the endpoint path without ids).
 */
resource: string, 
/**
 * Operation.
 */
operation: string, 
/**
 * `ok` or the error code.
 */
outcome: string, };

/**
 * A planned technical work (an outage, a change, an update…), current or upcoming.
 */
export type PlannedWork = { 
/**
 * The operator's id of the notice.
 */
id: number, 
/**
 * Start (Astana time).
 */
starts_at: string, 
/**
 * End (Astana time).
 */
ends_at: string, 
/**
 * What is done and what it affects, in Russian.
 */
description_ru: string, 
/**
 * The same in Kazakh.
 */
description_kk: string, };

/**
 * An emergency the operator recorded and has not closed (Appendix 7 journal, r.43).
 */
export type OpenEmergency = { 
/**
 * The journal entry's id.
 */
id: number, 
/**
 * Since when (Astana time).
 */
started_at: string, 
/**
 * The cause as recorded.
 */
cause: string, };

/**
 * Answer of `GET /v1/notices`: what users are told now.
 */
export type Notices = { 
/**
 * Planned works not yet over, soonest first (cancelled ones are not listed).
 */
planned_works: Array<PlannedWork>, 
/**
 * Open emergencies, newest first.
 */
emergencies: Array<OpenEmergency>, };
