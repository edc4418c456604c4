/*
 * Backend over Tauri IPC. The Rust shell (src-tauri) registers one Tauri command per entry of the
 * contract's command table, which is declared once, in crates/sio-app/src/dispatch.rs, and
 * generated into ../types/app.ts (`Commands`: name → argument object → answer). Each command is
 * `#[tauri::command(rename_all = "snake_case")]` (the UI sends snake_case argument keys, the same
 * as the HTTP harness), takes its arguments as one JSON object, and forwards it to
 * `sio_app::App::dispatch`; it answers `Result<T, ErrorBody>` where the error is
 * `{ code, message, tries_left?, until? }` (`ErrorInfo`; code from docs/failure-codes.md).
 *
 * Events — `app.emit(name, payload)`, `Events` in ../types/app.ts:
 *
 *   card            CardEvent      { kind: "inserted" | "removed", reader }
 *   session         SessionEvent   { kind: "locked", reason } | { kind: "unlocked" } | { kind: "expired" }
 *   request_status  OutboxItem     (on every status or progress change)
 *   result_expired  ResultExpired  { request_id, at } (an open result's viewing time ran out; destroyed)
 *
 * Secrets (pin, code, new_pin, puk) travel in the argument object of one call and are never
 * returned.
 */

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { type Backend, BackendError, type Transport, backendOver } from './index';
import type { CommandArgs, CommandName, CommandResult, Events } from '../types/app';

/** Transport over Tauri IPC. */
export function tauriTransport(): Transport {
  return {
    async call<K extends CommandName>(command: K, payload: CommandArgs<K>): Promise<CommandResult<K>> {
      try {
        return await invoke<CommandResult<K>>(command, payload);
      } catch (e) {
        throw BackendError.from(e);
      }
    },
    async listen<E extends keyof Events>(event: E, cb: (payload: Events[E]) => void) {
      const un = await listen<Events[E]>(event, (e) => cb(e.payload));
      return () => un();
    },
  };
}

/** The Backend inside the Tauri shell. */
export function tauriBackend(): Backend {
  return backendOver(tauriTransport());
}
