// The translation layer: one key set (en.ts), three languages, a store for the current one.
import { derived, get, writable } from 'svelte/store';
import type { Language } from '../backend';
import { en, type Key } from './en';
import { kk } from './kk';
import { ru } from './ru';

export type { Key };

/** All dictionaries. */
export const dictionaries: Record<Language, Record<Key, string>> = { kk, ru, en };

/** Languages in the order the switcher shows them. */
export const LANGUAGES: Language[] = ['kk', 'ru', 'en'];

/** Interpolation parameters: `{name}` in a text is replaced by params.name. */
export type Params = Record<string, string | number>;

/** Translate `key` into `lang`. */
export function translate(lang: Language, key: Key, params?: Params): string {
  const text = dictionaries[lang][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m));
}

/** Whether a string is a known key (for codes and ids that come from the backend). */
export function isKey(k: string): k is Key {
  return Object.prototype.hasOwnProperty.call(en, k);
}

/** The current language. */
export const language = writable<Language>('kk');

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
