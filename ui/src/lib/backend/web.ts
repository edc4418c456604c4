/*
 * Backend over HTTP against a local test harness (same commands and payloads as tauri.ts):
 *
 *   POST {base}/api/<command>   body: the JSON argument object   -> 200 JSON result
 *                                                               -> non-2xx JSON { code, message, tries_left?, until? }
 *   GET  {base}/api/events      Server-Sent Events; `event:` is the event name (card, session,
 *                               request_status, result_expired), `data:` its JSON payload.
 *
 * Only 127.0.0.1 is allowed by the page's CSP.
 */

import { type Backend, BackendError, type Transport, type Unsubscribe, backendOver } from './index';
import type { CommandArgs, CommandName, CommandResult, Events } from '../types/app';

/** Transport over fetch + EventSource. */
export function webTransport(base: string): Transport {
  const root = base.replace(/\/+$/, '');
  let source: EventSource | null = null;
  const handlers = new Map<string, Set<(data: unknown) => void>>();

  function ensureSource(event: string) {
    if (typeof EventSource === 'undefined') return;
    if (!source) source = new EventSource(`${root}/api/events`);
    if (!handlers.has(event)) {
      const set = new Set<(data: unknown) => void>();
      handlers.set(event, set);
      source.addEventListener(event, (e) => {
        let data: unknown;
        try {
          data = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return;
        }
        for (const h of set) h(data);
      });
    }
  }

  return {
    async call<K extends CommandName>(command: K, payload: CommandArgs<K>): Promise<CommandResult<K>> {
      let res: Response;
      try {
        res = await fetch(`${root}/api/${command}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        });
      } catch (e) {
        throw new BackendError({ code: 'UI_HARNESS_UNREACHABLE', message: String(e) });
      }
      const text = await res.text();
      let body: unknown = null;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new BackendError({ code: 'UI_BAD_RESPONSE', message: `HTTP ${res.status}` });
        }
      }
      if (!res.ok) throw BackendError.from(body ?? { code: 'UI_BAD_RESPONSE', message: `HTTP ${res.status}` });
      return body as CommandResult<K>;
    },
    async listen<E extends keyof Events>(event: E, cb: (payload: Events[E]) => void): Promise<Unsubscribe> {
      ensureSource(event);
      const h = cb as (d: unknown) => void;
      handlers.get(event)?.add(h);
      return () => handlers.get(event)?.delete(h);
    },
  };
}

/** The Backend in a browser, against the harness at `base` (e.g. http://127.0.0.1:8765). */
export function webBackend(base: string): Backend {
  return backendOver(webTransport(base));
}
