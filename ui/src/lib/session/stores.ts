// Application state shared by views: the session, the lock, the chosen token, the route.
import { get, writable } from 'svelte/store';
import type { LockReason, ResultExpired, SessionInfo, TokenChoice } from '../backend';

/** The signed-in user's session (null before login). */
export const session = writable<SessionInfo | null>(null);

/** Why the session is locked, or null when it is not. */
export const locked = writable<LockReason | 'expired' | null>(null);

/** The reader and certificate chosen at login; signing operations use the same token. */
export const tokenChoice = writable<TokenChoice | null>(null);

/** Screens. */
export type Route =
  | { name: 'login' }
  | { name: 'home' }
  | { name: 'compose' }
  | { name: 'outbox' }
  | { name: 'result'; requestId: string }
  | { name: 'hr' }
  | { name: 'reports' }
  | { name: 'diagnosis' }
  | { name: 'settings' }
  | { name: 'about' };

/** The current screen. */
export const route = writable<Route>({ name: 'login' });

/**
 * The result open on the screen (its local copy exists until it is closed). Leaving the result
 * screen destroys that copy (Order 21/2023 rule 48: results are kept only in the case materials),
 * so navigation away from it asks first.
 */
export const openResult = writable<{ requestId: string; service: number } | null>(null);

/** A navigation waiting for the officer's answer to "leave the open result?". */
export const pendingLeave = writable<Route | { name: 'lock' } | null>(null);

/** The officer's own lock asked for from the result screen once its question was answered. */
export const lockRequest = writable(0);

/** Why an open result was destroyed without the officer closing it. */
export type LostCause = 'lock' | 'expired';

/**
 * A result destroyed while it was open, because the session locked (told on the lock screen and
 * after) or because its viewing time ran out (`cause: 'expired'`, told on the screen it leaves to).
 */
export const lostOnLock = writable<{ requestId: string; service: number; at: string; cause?: LostCause } | null>(null);

/**
 * The app destroyed an open result whose viewing time ran out (event `result_expired`; the
 * policy's `results.shred_after_view_minutes`, 2015 r.52: the local copy is destroyed once
 * viewed). If the result screen shows it, leave that screen as a lock does and say why; `true`
 * then. Any other result (not on the screen) changes nothing here.
 */
export function resultExpired(e: ResultExpired): boolean {
  const open = get(openResult);
  if (!open || open.requestId !== e.request_id) return false;
  lostOnLock.set({ ...open, at: e.at, cause: 'expired' });
  openResult.set(null);
  pendingLeave.set(null);
  const cur = get(route);
  if (cur.name === 'result' && cur.requestId === e.request_id) route.set({ name: 'outbox' });
  return true;
}

/** Results ready to open (the sidebar's counter), kept live from the outbox events. */
export const readyCount = writable(0);

/** The request just sent: the requests list highlights its row. */
export const justSent = writable<string | null>(null);

/** Go to a screen. With a result open, asks first (the result screen shows the question). */
export function go(r: Route): void {
  const open = get(openResult);
  const cur = get(route);
  if (open && cur.name === 'result' && !(r.name === 'result' && r.requestId === open.requestId)) {
    pendingLeave.set(r);
    return;
  }
  route.set(r);
}

/** Go without asking (the result screen calls it once the officer has answered). */
export function goNow(r: Route): void {
  pendingLeave.set(null);
  route.set(r);
}

/** Sign-out asked for from the result screen once its question was answered (the shell signs out). */
export const logoutRequest = writable(0);
