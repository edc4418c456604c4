// The one interface between the screens and whatever runs the crates: the Tauri shell
// (tauri.ts, IPC) or a local HTTP test harness (web.ts). Screens import `Backend` and the
// types below, never an implementation.

import type {
  ApplicationDocument,
  ApplicationStatus,
  Article,
  BasisKey,
  CaseReference,
  ConsentText,
  OtpSent,
  Report,
  RequestDocument,
  ResultDelivery,
  SecondFactor,
  SessionInfo,
  Subject,
} from '../types/protocol';

export type {
  ApplicationDocument,
  ApplicationStatus,
  Article,
  BasisKey,
  CaseReference,
  ConsentText,
  OtpSent,
  Report,
  RequestDocument,
  ResultDelivery,
  SecondFactor,
  SessionInfo,
  Subject,
};

/** How a service may be used on a basis (Order 88/2024 Appendix 2 marks). */
export type AccessMark = 'full' | 'truncated' | 'articles';

/** The role × basis × service tables, as `sio catalogue --json` prints them. */
export interface CatalogueData {
  bases: { key: BasisKey; column: number; name_ru: string; name_kk: string; name_en: string }[];
  roles: { no: number; name_ru: string; name_kk: string; name_en: string; bases: BasisKey[] }[];
  services: { no: number; name_ru: string; name_kk: string; name_en: string; access: Partial<Record<BasisKey, AccessMark>> }[];
}

/** A service allowed for role × basis, with its mark. */
export interface AllowedServiceInfo {
  service: number;
  mark: AccessMark;
}

/** A form of case reference a basis takes and its fields in display order. */
export interface CaseFormInfo {
  form: CaseReference['kind'];
  fields: string[];
}

/** Languages of the interface. */
export type Language = 'kk' | 'ru' | 'en';

/** A PC/SC reader (or a USB token that presents itself as one). */
/** The second signature of an HR application: the other person's token in another reader, and its PIN. */
export interface Cosigner {
  reader: string;
  pin: string;
}

export interface ReaderInfo {
  /** Reader name as PC/SC reports it. */
  name: string;
  /** Whether a card/token is in the reader. */
  card_present: boolean;
  /** Label of the token, when one is present and known. */
  token_label?: string;
}

/** A certificate on a token. Keys never leave the token; only these facts do. */
export interface CertificateInfo {
  /** Identifier of the certificate on the token (slot / object id). */
  id: string;
  /** Subject common name. */
  subject: string;
  /** ИИН from the subject's serial number. */
  iin: string;
  /** Organisation (O) from the subject, if any. */
  organisation?: string;
  /** Issuer common name. */
  issuer: string;
  /** Validity start, RFC 3339. */
  not_before: string;
  /** Validity end, RFC 3339. */
  not_after: string;
  /** What the key is for: authentication (login) or signing (documents). */
  usage: 'auth' | 'sign';
}

/** PIN retry counter of a token. */
export interface PinStatus {
  /** Tries left before the PIN is blocked. */
  tries_left: number;
  /** The PIN is blocked (tries_left = 0): only the PUK helps. */
  blocked: boolean;
}

/** Insertion or removal of a card. Event `card`. */
export interface CardEvent {
  kind: 'inserted' | 'removed';
  reader: string;
}

/** Why a session is locked. */
export type LockReason = 'idle' | 'card_removed' | 'card_reset' | 'user';

/** Session state change. Event `session`. */
export type SessionEvent =
  | { kind: 'locked'; reason: LockReason }
  | { kind: 'unlocked' }
  | { kind: 'expired' };

/** Which token and certificate the user chose on the login screen. */
export interface TokenChoice {
  reader: string;
  certificate_id: string;
}

/** Everything the user fills in to make a request; the backend adds ids, user, time, and signs. */
export interface RequestDraft {
  role: number;
  basis: BasisKey;
  service: number;
  case: CaseReference;
  subject: Subject;
  article?: Article;
}

/** The document exactly as it will be signed. */
export interface RequestPreview {
  document: RequestDocument;
  /** Canonical bytes (UTF-8 JSON) that the signature covers. */
  canonical: string;
}

/** Where a request stands in the outbox. */
export type OutboxStatus = 'queued' | 'sent' | 'accepted' | 'rejected' | 'result_ready' | 'shredded';

/** A request in the outbox. Event `request_status` carries one of these. */
export interface OutboxItem {
  request_id: string;
  service: number;
  basis: BasisKey;
  /** Short key of the case (ЕРДР number, court number/year, …). */
  case_key: string;
  /** Subject ИИН/БИН. */
  subject_id: string;
  status: OutboxStatus;
  /** 0..1 while sending / waiting; 1 when done. */
  progress: number;
  created_at: string;
  updated_at: string;
  /** Why it was rejected. */
  error?: ErrorInfo;
  /** Waiting more than one hour: the incident notice to the operator (2015 rr.38–44). */
  delay_notice?: string;
}

/** Proof that the local copy of a result is gone. */
export interface ShredReport {
  request_id: string;
  /** True when the ciphertext and its key were destroyed. */
  shredded: boolean;
  at: string;
}

/** An export of a result to the case materials (rule 48): explicit, logged, signed. */
export interface ExportRequest {
  request_id: string;
  /** The case the result is attached to. */
  case_key: string;
  /** Why the result is kept (free text, required). */
  reason: string;
  /** PIN of the signing key: the export record is signed. Used for this operation only. */
  pin: string;
}

/** Receipt of an export. */
export interface ExportReceipt {
  request_id: string;
  /** Where the signed export was written (an export directory allowed by the policy). */
  path: string;
  sha256: string;
  at: string;
}

/** An HR application with what the list needs to show deadlines. */
export interface ApplicationItem extends ApplicationStatus {
  applicant_name: string;
  /** When the order was signed: the 24-hour deadline starts here. */
  order_signed_at?: string;
}

/** A diagnosis item outcome. */
export type DiagnosisLevel = 'pass' | 'warn' | 'fail';

/** One check of the workstation (Appendix 4) or of the token/reader/biometric/channel stack. */
export interface DiagnosisItem {
  /** Stable id; the UI looks up its title and "what to do" text by it. */
  id: string;
  level: DiagnosisLevel;
  /** What was measured, e.g. "3.4 GHz", "2 readers", "TLS 1.3". Not translated. */
  measured: string;
  /** Failure code, if the check failed with one. */
  code?: string;
}

/** The diagnosis report for the helpdesk. */
export interface DiagnosisReport {
  generated_at: string;
  items: DiagnosisItem[];
}

/** Settings the user may change. */
export interface Settings {
  language: Language;
}

/** Versions shown on the About screen. */
export interface AboutInfo {
  app_version: string;
  protocol_version: string;
  core_version: string;
  catalogue_version: string;
  gateway?: string;
}

/** An error as screens see it: a stable code and a message for people. */
export interface ErrorInfo {
  code: string;
  message: string;
  /** PIN tries left, for PIN errors. */
  tries_left?: number;
  /** For lockouts and cool-downs. */
  until?: string;
}

/** The error every Backend method rejects with. */
export class BackendError extends Error implements ErrorInfo {
  readonly code: string;
  readonly tries_left?: number;
  readonly until?: string;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'BackendError';
    this.code = info.code;
    this.tries_left = info.tries_left;
    this.until = info.until;
  }
  /** Turn anything thrown into a BackendError (unknown shapes get code UI_UNEXPECTED). */
  static from(e: unknown): BackendError {
    if (e instanceof BackendError) return e;
    if (e && typeof e === 'object' && typeof (e as ErrorInfo).code === 'string') {
      const o = e as ErrorInfo;
      return new BackendError({ code: o.code, message: String(o.message ?? ''), tries_left: o.tries_left, until: o.until });
    }
    return new BackendError({ code: 'UI_UNEXPECTED', message: e instanceof Error ? e.message : String(e) });
  }
}

/** Stop listening. */
export type Unsubscribe = () => void;

/** Everything the screens need. Every method rejects with {@link BackendError}. */
export interface Backend {
  // Readers and tokens
  listReaders(): Promise<ReaderInfo[]>;
  listCertificates(reader: string): Promise<CertificateInfo[]>;
  pinStatus(reader: string): Promise<PinStatus>;
  onCardEvent(cb: (e: CardEvent) => void): Promise<Unsubscribe>;

  // Login
  /** Verify the PIN and sign the gateway's challenge with the chosen key, in one operation. */
  login(choice: TokenChoice, pin: string): Promise<SessionInfo>;
  requestSmsCode(): Promise<OtpSent>;
  verifySmsCode(code: string): Promise<SessionInfo>;
  /** Biometric second factor; until the matcher exists the answer is GW_FACTOR_UNAVAILABLE. */
  verifyBiometric(modality: 'fingerprint' | 'face'): Promise<SessionInfo>;
  consentText(): Promise<ConsentText>;
  signConsent(choice: TokenChoice, pin: string, language: Language): Promise<SessionInfo>;

  // Session
  session(): Promise<SessionInfo | null>;
  lock(reason: LockReason): Promise<void>;
  /** Unlock with the PIN of the same token (the card must be back in the reader). */
  unlock(pin: string): Promise<SessionInfo>;
  logout(): Promise<void>;
  onSessionEvent(cb: (e: SessionEvent) => void): Promise<Unsubscribe>;

  // Catalogue (the composer uses the bundled copy, generated from the same engine and
  // staleness-checked; these let the shell serve the live tables).
  catalogue(): Promise<CatalogueData>;
  allowedServices(role: number, basis: BasisKey): Promise<AllowedServiceInfo[]>;
  caseForms(basis: BasisKey): Promise<CaseFormInfo[]>;

  // Requests
  previewRequest(draft: RequestDraft): Promise<RequestPreview>;
  /** Sign the previewed document on the token and queue it. */
  signAndSend(draft: RequestDraft, pin: string): Promise<OutboxItem>;
  listRequests(): Promise<OutboxItem[]>;
  onRequestStatus(cb: (item: OutboxItem) => void): Promise<Unsubscribe>;

  // Results
  openResult(requestId: string): Promise<ResultDelivery>;
  /** Close the viewer: the local copy is crypto-erased. */
  closeResult(requestId: string): Promise<ShredReport>;
  exportResult(req: ExportRequest): Promise<ExportReceipt>;

  // HR applications
  submitApplication(application: Omit<ApplicationDocument, 'doc' | 'application_id' | 'signed_at'>, pin: string, cosigner?: Cosigner): Promise<ApplicationItem>;
  listApplications(): Promise<ApplicationItem[]>;

  // Reports, diagnosis, settings, about
  report(from: string, to: string): Promise<Report>;
  diagnose(): Promise<DiagnosisReport>;
  getSettings(): Promise<Settings>;
  setSettings(s: Settings): Promise<Settings>;
  about(): Promise<AboutInfo>;
}

/**
 * The command table both implementations share: method → wire command name. The Tauri shell
 * registers these names with `invoke_handler`; the web harness serves POST /api/<name>.
 */
export const COMMANDS = {
  listReaders: 'list_readers',
  listCertificates: 'list_certificates',
  pinStatus: 'pin_status',
  login: 'login',
  requestSmsCode: 'request_sms_code',
  verifySmsCode: 'verify_sms_code',
  verifyBiometric: 'verify_biometric',
  consentText: 'consent_text',
  signConsent: 'sign_consent',
  session: 'session',
  lock: 'lock',
  unlock: 'unlock',
  logout: 'logout',
  catalogue: 'catalogue',
  allowedServices: 'allowed_services',
  caseForms: 'case_forms',
  previewRequest: 'preview_request',
  signAndSend: 'sign_and_send',
  listRequests: 'list_requests',
  openResult: 'open_result',
  closeResult: 'close_result',
  exportResult: 'export_result',
  submitApplication: 'submit_application',
  listApplications: 'list_applications',
  report: 'report',
  diagnose: 'diagnose',
  getSettings: 'get_settings',
  setSettings: 'set_settings',
  about: 'about',
} as const;

/** Event names. */
export const EVENTS = { card: 'card', session: 'session', requestStatus: 'request_status' } as const;

/** A transport: call a command with a JSON payload, subscribe to an event. */
export interface Transport {
  call<T>(command: string, payload: Record<string, unknown>): Promise<T>;
  listen<T>(event: string, cb: (payload: T) => void): Promise<Unsubscribe>;
}

/** Build a Backend over a transport; both implementations share the payload shapes here. */
export function backendOver(tr: Transport): Backend {
  const c = COMMANDS;
  return {
    listReaders: () => tr.call(c.listReaders, {}),
    listCertificates: (reader) => tr.call(c.listCertificates, { reader }),
    pinStatus: (reader) => tr.call(c.pinStatus, { reader }),
    onCardEvent: (cb) => tr.listen(EVENTS.card, cb),
    login: (choice, pin) => tr.call(c.login, { ...choice, pin }),
    requestSmsCode: () => tr.call(c.requestSmsCode, {}),
    verifySmsCode: (code) => tr.call(c.verifySmsCode, { code }),
    verifyBiometric: (modality) => tr.call(c.verifyBiometric, { modality }),
    consentText: () => tr.call(c.consentText, {}),
    signConsent: (choice, pin, language) => tr.call(c.signConsent, { ...choice, pin, language }),
    session: () => tr.call(c.session, {}),
    lock: (reason) => tr.call(c.lock, { reason }),
    unlock: (pin) => tr.call(c.unlock, { pin }),
    logout: () => tr.call(c.logout, {}),
    onSessionEvent: (cb) => tr.listen(EVENTS.session, cb),
    catalogue: () => tr.call(c.catalogue, {}),
    allowedServices: (role, basis) => tr.call(c.allowedServices, { role, basis }),
    caseForms: (basis) => tr.call(c.caseForms, { basis }),
    previewRequest: (draft) => tr.call(c.previewRequest, { draft }),
    signAndSend: (draft, pin) => tr.call(c.signAndSend, { draft, pin }),
    listRequests: () => tr.call(c.listRequests, {}),
    onRequestStatus: (cb) => tr.listen(EVENTS.requestStatus, cb),
    openResult: (request_id) => tr.call(c.openResult, { request_id }),
    closeResult: (request_id) => tr.call(c.closeResult, { request_id }),
    exportResult: (req) => tr.call(c.exportResult, { ...req }),
    submitApplication: (application, pin, cosigner) => tr.call(c.submitApplication, cosigner ? { application, pin, cosigner } : { application, pin }),
    listApplications: () => tr.call(c.listApplications, {}),
    report: (from, to) => tr.call(c.report, { from, to }),
    diagnose: () => tr.call(c.diagnose, {}),
    getSettings: () => tr.call(c.getSettings, {}),
    setSettings: (s) => tr.call(c.setSettings, { settings: s }),
    about: () => tr.call(c.about, {}),
  };
}

let current: Backend | null = null;

/** The backend of this window: Tauri IPC inside the shell, the HTTP harness in a browser. */
export async function getBackend(): Promise<Backend> {
  if (current) return current;
  const w = globalThis as unknown as { __TAURI_INTERNALS__?: unknown; location?: Location };
  if (w.__TAURI_INTERNALS__) {
    const m = await import('./tauri');
    current = m.tauriBackend();
  } else {
    const m = await import('./web');
    const fromQuery = w.location ? new URLSearchParams(w.location.search).get('api') : null;
    current = m.webBackend(fromQuery ?? import.meta.env.VITE_SIO_API ?? 'http://127.0.0.1:8765');
  }
  return current;
}

/** Use a given backend (tests). */
export function setBackend(b: Backend): void {
  current = b;
}
