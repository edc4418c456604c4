/*
 * Backend over Tauri IPC. THE CONTRACT the Rust shell (src-tauri) implements:
 *
 * Commands — `#[tauri::command(rename_all = "snake_case")]` names (Tauri's default would expect
 * camelCase argument keys; the UI sends snake_case, the same as the HTTP harness), arguments as one
 * JSON object;
 * every command returns `Result<T, ErrorBody>` where the error is `{ code, message,
 * tries_left?, until? }` (code from docs/failure-codes.md). Types are in ./index.ts and
 * ../types/protocol.ts.
 *
 *   list_readers        {}                                         -> ReaderInfo[]
 *   list_certificates   { reader }                                 -> CertificateInfo[]
 *   pin_status          { reader }                                 -> PinStatus
 *   login               { reader, certificate_id, pin }            -> SessionInfo  (verify PIN + sign challenge; PIN dropped after)
 *   request_sms_code    {}                                         -> OtpSent
 *   verify_sms_code     { code }                                   -> SessionInfo
 *   verify_biometric    { modality: "fingerprint" | "face" }       -> SessionInfo  (GW_FACTOR_UNAVAILABLE for now)
 *   consent_text        {}                                         -> ConsentText
 *   sign_consent        { reader, certificate_id, pin, language }  -> SessionInfo
 *   session             {}                                         -> SessionInfo | null
 *   lock                { reason: "idle" | "card_removed" | "card_reset" | "user" } -> null
 *   unlock              { pin }                                    -> SessionInfo
 *   logout              {}                                         -> null
 *   catalogue           {}                                         -> CatalogueData (= `sio catalogue --json`)
 *   allowed_services    { role, basis }                            -> AllowedServiceInfo[] (role bases ∩ service bases)
 *   case_forms          { basis }                                  -> CaseFormInfo[] (sio_core::ReferenceForm::for_basis + fields)
 *   preview_request     { draft: RequestDraft }                    -> RequestPreview
 *   sign_and_send       { draft: RequestDraft, pin }               -> OutboxItem
 *   list_requests       {}                                         -> OutboxItem[]
 *   open_result         { request_id }                             -> ResultDelivery
 *   close_result        { request_id }                             -> ShredReport
 *   export_result       { request_id, case_key, reason, pin }      -> ExportReceipt
 *   submit_application  { application, pin, cosigner? {reader, pin} } -> ApplicationItem
 *   list_applications   {}                                         -> ApplicationItem[]
 *   report              { from, to }                               -> Report
 *   diagnose            {}                                         -> DiagnosisReport
 *   get_settings        {}                                         -> Settings
 *   set_settings        { settings: Settings }                     -> Settings
 *   about               {}                                         -> AboutInfo
 *
 * Events — `app.emit(name, payload)`:
 *
 *   card            CardEvent      { kind: "inserted" | "removed", reader }
 *   session         SessionEvent   { kind: "locked", reason } | { kind: "unlocked" } | { kind: "expired" }
 *   request_status  OutboxItem     (on every status or progress change)
 *
 * Secrets (pin, code) travel in the argument object of one call and are never returned.
 */

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { type Backend, BackendError, type Transport, backendOver } from './index';

/** Transport over Tauri IPC. */
export function tauriTransport(): Transport {
  return {
    async call<T>(command: string, payload: Record<string, unknown>): Promise<T> {
      try {
        return await invoke<T>(command, payload);
      } catch (e) {
        throw BackendError.from(e);
      }
    },
    async listen<T>(event: string, cb: (payload: T) => void) {
      const un = await listen<T>(event, (e) => cb(e.payload));
      return () => un();
    },
  };
}

/** The Backend inside the Tauri shell. */
export function tauriBackend(): Backend {
  return backendOver(tauriTransport());
}
