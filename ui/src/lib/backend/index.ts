// The one interface between the screens and whatever runs the crates: the Tauri shell
// (tauri.ts, IPC) or a local HTTP test harness (web.ts). Screens import `Backend` and the
// types below, never an implementation.
//
// The contract itself is declared once, in Rust (crates/sio-app/src/dispatch.rs: the command
// table; crates/sio-app/src/model.rs: the types), and generated into ../types/app.ts (commands,
// argument and answer types) and ../types/protocol.ts (wire types); tests fail when those files
// are stale. Nothing here restates a shape: the transport is typed by the generated table, so a
// wrong command name, argument or answer type does not compile.

import type {
  ApplicationDocument,
  ApplicationStatus,
  Article,
  BasisKey,
  BiometricModality,
  CaseReference,
  ConsentText,
  Notices,
  OtpSent,
  PlannedWork,
  Report,
  RequestDocument,
  ResultDelivery,
  SecondFactor,
  SessionInfo,
  StaffList,
  StaffMember,
  Subject,
} from '../types/protocol';
import type {
  AboutInfo,
  AccessMark,
  AllowedServiceInfo,
  ApplicationItem,
  CardEvent,
  CardEventKind,
  CaseFormInfo,
  CatalogueData,
  CertificateInfo,
  CertUsage,
  CommandArgs,
  CommandName,
  CommandResult,
  Commands,
  Cosigner,
  DiagnosisItem,
  DiagnosisLevel,
  DiagnosisReport,
  ErrorInfo,
  Events,
  ExportReceipt,
  ExportResultArgs,
  Language,
  LockReason,
  LoginArgs,
  OutboxItem,
  OutboxStatus,
  PinStatus,
  ReaderInfo,
  RequestDraft,
  DraftWarning,
  RequestPreview,
  ResultExpired,
  SessionEvent,
  Settings,
  ShredReport,
  SubmitApplicationArgs,
} from '../types/app';
import { COMMANDS } from '../types/app';

export type {
  AboutInfo,
  AccessMark,
  AllowedServiceInfo,
  ApplicationDocument,
  ApplicationItem,
  ApplicationStatus,
  Article,
  BasisKey,
  BiometricModality,
  CardEvent,
  CardEventKind,
  CaseFormInfo,
  CaseReference,
  CatalogueData,
  CertificateInfo,
  CertUsage,
  CommandArgs,
  CommandName,
  CommandResult,
  Commands,
  ConsentText,
  Cosigner,
  DiagnosisItem,
  DiagnosisLevel,
  DiagnosisReport,
  ErrorInfo,
  Events,
  ExportReceipt,
  Language,
  LockReason,
  Notices,
  OtpSent,
  OutboxItem,
  OutboxStatus,
  PinStatus,
  PlannedWork,
  ReaderInfo,
  Report,
  RequestDocument,
  RequestDraft,
  DraftWarning,
  RequestPreview,
  ResultDelivery,
  ResultExpired,
  SecondFactor,
  SessionEvent,
  SessionInfo,
  Settings,
  ShredReport,
  StaffList,
  StaffMember,
  Subject,
};
export { COMMANDS };

/** Which token and certificate the user chose on the login screen. */
export type TokenChoice = Pick<LoginArgs, 'reader' | 'certificate_id'>;

/** An export of a result to the case materials (rule 48): explicit, logged, signed. */
export type ExportRequest = ExportResultArgs;

/** An HR application as the form fills it in; the backend adds ids and time, and signs. */
export type ApplicationInput = SubmitApplicationArgs['application'];

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
  /** Change the PIN of the token in `reader` (current PIN, new PIN of 6–8 characters). */
  changePin(reader: string, pin: string, newPin: string): Promise<PinStatus>;
  /** Unblock the PIN of the token in `reader` with the PUK, setting a new PIN. */
  unblockPin(reader: string, puk: string, newPin: string): Promise<PinStatus>;
  onCardEvent(cb: (e: CardEvent) => void): Promise<Unsubscribe>;

  // Login
  /** Verify the PIN and sign the gateway's challenge with the chosen key, in one operation. */
  login(choice: TokenChoice, pin: string): Promise<SessionInfo>;
  requestSmsCode(): Promise<OtpSent>;
  verifySmsCode(code: string): Promise<SessionInfo>;
  /** Biometric second factor: fingerprint on the reader or face from the webcam. */
  verifyBiometric(modality: BiometricModality): Promise<SessionInfo>;
  consentText(): Promise<ConsentText>;
  signConsent(choice: TokenChoice, pin: string, language: Language, textSha256?: string): Promise<SessionInfo>;

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
  signAndSend(draft: RequestDraft, pin: string, confirmedWarnings?: string[]): Promise<OutboxItem>;
  listRequests(): Promise<OutboxItem[]>;
  onRequestStatus(cb: (item: OutboxItem) => void): Promise<Unsubscribe>;
  /** An open result's viewing time ran out and the app destroyed it. */
  onResultExpired(cb: (e: ResultExpired) => void): Promise<Unsubscribe>;

  // Results
  openResult(requestId: string): Promise<ResultDelivery>;
  /** Close the viewer: the local copy is crypto-erased. */
  closeResult(requestId: string): Promise<ShredReport>;
  exportResult(req: ExportRequest): Promise<ExportReceipt>;

  // HR applications
  submitApplication(application: ApplicationInput, pin: string, cosigner?: Cosigner): Promise<ApplicationItem>;
  listApplications(): Promise<ApplicationItem[]>;
  /** HR officers: their body's staff, last login, block due after two months' absence (Appendix 6 §11.2). */
  staffList(): Promise<StaffList>;
  /** Planned works published in advance and open emergencies (2015 rr.38, 43, 44). */
  notices(): Promise<Notices>;

  // Reports, diagnosis, settings, about
  report(from: string, to: string): Promise<Report>;
  diagnose(): Promise<DiagnosisReport>;
  /** Run the diagnosis and save it to a file for the helpdesk (the user's downloads folder); the path. */
  saveDiagnosis(): Promise<string>;
  getSettings(): Promise<Settings>;
  setSettings(s: Settings): Promise<Settings>;
  about(): Promise<AboutInfo>;
}

/** Event names. */
export const EVENTS = { card: 'card', session: 'session', requestStatus: 'request_status', resultExpired: 'result_expired' } as const satisfies Record<
  string,
  keyof Events
>;

/**
 * A transport: call a command of the generated table with its argument object, subscribe to an
 * event. The Tauri shell registers every command of the table (src-tauri, from the same Rust
 * table); the web harness serves POST /api/<name>.
 */
export interface Transport {
  call<K extends CommandName>(command: K, payload: CommandArgs<K>): Promise<CommandResult<K>>;
  listen<E extends keyof Events>(event: E, cb: (payload: Events[E]) => void): Promise<Unsubscribe>;
}

/** Build a Backend over a transport; both implementations share the payload shapes here. */
export function backendOver(tr: Transport): Backend {
  return {
    listReaders: () => tr.call('list_readers', {}),
    listCertificates: (reader) => tr.call('list_certificates', { reader }),
    pinStatus: (reader) => tr.call('pin_status', { reader }),
    changePin: (reader, pin, new_pin) => tr.call('change_pin', { reader, pin, new_pin }),
    unblockPin: (reader, puk, new_pin) => tr.call('unblock_pin', { reader, puk, new_pin }),
    onCardEvent: (cb) => tr.listen('card', cb),
    login: (choice, pin) => tr.call('login', { ...choice, pin }),
    requestSmsCode: () => tr.call('request_sms_code', {}),
    verifySmsCode: (code) => tr.call('verify_sms_code', { code }),
    verifyBiometric: (modality) => tr.call('verify_biometric', { modality }),
    consentText: () => tr.call('consent_text', {}),
    signConsent: (choice, pin, language, textSha256) => tr.call('sign_consent', { ...choice, pin, language, text_sha256: textSha256 }),
    session: () => tr.call('session', {}),
    lock: async (reason) => {
      await tr.call('lock', { reason });
    },
    unlock: (pin) => tr.call('unlock', { pin }),
    logout: async () => {
      await tr.call('logout', {});
    },
    onSessionEvent: (cb) => tr.listen('session', cb),
    catalogue: () => tr.call('catalogue', {}),
    allowedServices: (role, basis) => tr.call('allowed_services', { role, basis }),
    caseForms: (basis) => tr.call('case_forms', { basis }),
    previewRequest: (draft) => tr.call('preview_request', { draft }),
    signAndSend: (draft, pin, confirmedWarnings) => tr.call('sign_and_send', { draft, pin, confirmed_warnings: confirmedWarnings }),
    listRequests: () => tr.call('list_requests', {}),
    onRequestStatus: (cb) => tr.listen('request_status', cb),
    onResultExpired: (cb) => tr.listen('result_expired', cb),
    openResult: (request_id) => tr.call('open_result', { request_id }),
    closeResult: (request_id) => tr.call('close_result', { request_id }),
    exportResult: (req) => tr.call('export_result', { ...req }),
    submitApplication: (application, pin, cosigner) =>
      tr.call('submit_application', cosigner ? { application, pin, cosigner } : { application, pin }),
    listApplications: () => tr.call('list_applications', {}),
    staffList: () => tr.call('staff_list', {}),
    notices: () => tr.call('notices', {}),
    report: (from, to) => tr.call('report', { from, to }),
    diagnose: () => tr.call('diagnose', {}),
    saveDiagnosis: () => tr.call('save_diagnosis', {}),
    getSettings: () => tr.call('get_settings', {}),
    setSettings: (settings) => tr.call('set_settings', { settings }),
    about: () => tr.call('about', {}),
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
