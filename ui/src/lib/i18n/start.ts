// The language of the first screen (issue 21: lay the first screen out once, in the language it
// keeps). The desktop shell sets `window.__SIO_START__` (crates/sio-app/src/start.rs) with the
// saved settings before any script of the page runs; the browser build and the smoke test may
// name a language with `?lang=`. Neither present (the browser build, unit tests): null, the
// caller's default, corrected by `get_settings` as before.
import type { Language } from '../backend';

const LANGS: readonly string[] = ['kk', 'ru', 'en'];

function valid(v: unknown): Language | null {
  return typeof v === 'string' && LANGS.includes(v) ? (v as Language) : null;
}

/** The `?lang=` of the page's address, if it names a language. */
export function queryLanguage(search: string = typeof location === 'undefined' ? '' : location.search): Language | null {
  return valid(new URLSearchParams(search).get('lang'));
}

/** The language the shell started the page in (`window.__SIO_START__.language`), if any. */
export function shellLanguage(start: unknown = typeof window === 'undefined' ? undefined : (window as { __SIO_START__?: unknown }).__SIO_START__): Language | null {
  return start !== null && typeof start === 'object' ? valid((start as { language?: unknown }).language) : null;
}

/** The language to start in: `?lang=`, else the shell's, else null. */
export function startLanguage(): Language | null {
  return queryLanguage() ?? shellLanguage();
}
