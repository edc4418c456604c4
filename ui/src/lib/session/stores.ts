// Application state shared by views: the session, the lock, the chosen token, the route.
import { writable } from 'svelte/store';
import type { LockReason, SessionInfo, TokenChoice } from '../backend';

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

/** Go to a screen. */
export function go(r: Route): void {
  route.set(r);
}
