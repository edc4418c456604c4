// The translation layer: one key set (en.ts), three languages, a store for the current one.
//
// Each dictionary is a chunk of its own, loaded when its language is first used (issue 21: the
// first bundle carries the start language only). The page starts in the language the desktop
// shell hands over (start.ts), its dictionary loaded before the first screen is mounted
// (`languageReady`, awaited by main.ts); choosing another language loads that chunk first and
// switches the store when it is there, so no key is ever shown untranslated. `translate`, `$t` and
// `tNow` stay synchronous: they read the loaded dictionary of the current language.
import { derived, get, writable, type Readable } from 'svelte/store';
import type { Language } from '../backend';
import type { Key } from './en';
import { startLanguage } from './start';

export type { Key };

/** A language's texts: every key (i18n.test.ts checks that each dictionary has all of them). */
export type Dictionary = Record<Key, string>;

/** Languages in the order the switcher shows them. */
export const LANGUAGES: Language[] = ['kk', 'ru', 'en'];

/** The default language when the page is given none (the browser build, tests). */
export const DEFAULT_LANGUAGE: Language = 'kk';

// One chunk per language (a literal import() each, so the bundler splits them).
const loaders: Record<Language, () => Promise<Dictionary>> = {
  kk: () => import('./kk').then((m) => m.kk),
  ru: () => import('./ru').then((m) => m.ru),
  en: () => import('./en').then((m) => m.en),
};
const loaded: Partial<Record<Language, Dictionary>> = {};
const loading = new Map<Language, Promise<Dictionary>>();

/** The dictionary of `lang`, loading its chunk once. */
export function loadDictionary(lang: Language): Promise<Dictionary> {
  const have = loaded[lang];
  if (have) return Promise.resolve(have);
  let p = loading.get(lang);
  if (!p) {
    p = loaders[lang]().then(
      (d) => {
        loaded[lang] = d;
        loading.delete(lang);
        return d;
      },
      (e: unknown) => {
        loading.delete(lang); // a later choice tries again
        throw e;
      },
    );
    loading.set(lang, p);
  }
  return p;
}

/** Load the dictionary of `lang` (before a screen that translates into it is shown). */
export async function loadLanguage(lang: Language): Promise<void> {
  await loadDictionary(lang);
}

/** Interpolation parameters: `{name}` in a text is replaced by params.name. */
export type Params = Record<string, string | number>;

/**
 * Translate `key` into `lang`. The current language's dictionary is always loaded (the store
 * changes only once it is); another language's must have been loaded with `loadLanguage`, else
 * the key itself comes back. Dictionaries are complete, so no other fallback is needed.
 */
export function translate(lang: Language, key: Key, params?: Params): string {
  const text = loaded[lang]?.[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m));
}

/** Whether a string is a known key (for codes and ids that come from the backend). */
export function isKey(k: string): k is Key {
  // Every dictionary has the same keys: any loaded one answers.
  return LANGUAGES.some((l) => {
    const d = loaded[l];
    return d !== undefined && Object.prototype.hasOwnProperty.call(d, k);
  });
}

const start: Language = startLanguage() ?? DEFAULT_LANGUAGE;
const current = writable<Language>(start);
/** The language last asked for; a slower load of an earlier choice does not override it. */
let wanted: Language = start;

/**
 * The start language's dictionary, loading since this module was evaluated; main.ts mounts the
 * app when it is there. Fails only if the chunk cannot be loaded (the page then shows keys).
 */
export const languageReady: Promise<void> = loadLanguage(start);

/** Switch to `lang` once its dictionary is loaded; a later choice wins over an earlier one. */
export async function setLanguage(lang: Language): Promise<void> {
  wanted = lang;
  if (!loaded[lang]) {
    try {
      await loadDictionary(lang);
    } catch (e) {
      // The language stays as it is (the switcher shows the one in use).
      if (wanted === lang) wanted = get(current);
      console.warn(`language ${lang} not loaded`, e);
      return;
    }
  }
  if (wanted === lang) current.set(lang);
}

/**
 * The current language. `set` switches at once when the dictionary is loaded, otherwise when its
 * chunk arrives (the page stays in the old language meanwhile, never shows keys).
 */
export const language: Readable<Language> & { set(lang: Language): void } = {
  subscribe: current.subscribe,
  set(lang: Language) {
    if (loaded[lang]) {
      wanted = lang;
      current.set(lang);
    } else void setLanguage(lang);
  },
};

/** The translate function of the current language, as a store: `$t('key', { … })`. */
export const t = derived(language, (lang) => (key: Key, params?: Params) => translate(lang, key, params));

/** Translate with the current language outside components. */
export function tNow(key: Key, params?: Params): string {
  return translate(get(language), key, params);
}

/** "What to do" text for an error code, looked up by code only (never by message). */
export function whatToDoKey(code: string): Key {
  const k = `errors.${code}`;
  return isKey(k) ? k : 'errors.default';
}

// Keep <html lang> in step, for screen readers and hyphenation.
if (typeof document !== 'undefined') {
  language.subscribe((l) => document.documentElement.setAttribute('lang', l));
}
