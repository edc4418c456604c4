import { beforeAll, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import type { Language } from '../backend';
import { type Dictionary, isKey, language, loadDictionary, t, translate, whatToDoKey } from './index';
import { en } from './en';
import { queryLanguage, shellLanguage } from './start';
import { astanaLocalToIso, formatDateTime, hrDeadline, timeLeft } from './time';

describe('i18n', () => {
  const keys = Object.keys(en).sort();
  const dictionaries = {} as Record<Language, Dictionary>;
  beforeAll(async () => {
    for (const lang of ['kk', 'ru', 'en'] as const) dictionaries[lang] = await loadDictionary(lang);
  });
  for (const lang of ['kk', 'ru', 'en'] as const) {
    it(`${lang} has exactly the same keys and no empty strings`, () => {
      const d = dictionaries[lang];
      expect(Object.keys(d).sort()).toEqual(keys);
      for (const [k, v] of Object.entries(d)) expect(v.trim(), `${lang}:${k}`).not.toBe('');
    });
    it(`${lang} keeps the same {params} as English`, () => {
      const params = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      for (const k of keys) expect(params(dictionaries[lang][k as keyof typeof en]), `${lang}:${k}`).toEqual(params(en[k as keyof typeof en]));
    });
  }
  it('Kazakh and Russian are Cyrillic, with Kazakh letters in Kazakh', () => {
    expect(dictionaries.ru['nav.home']).toMatch(/^[А-Яа-яЁё ]+$/);
    const kkText = Object.values(dictionaries.kk).join(' ');
    expect(kkText).toMatch(/[әғқңөұүһі]/);
  });
  it('English has no Cyrillic except the names of the other languages', () => {
    for (const [k, v] of Object.entries(en)) if (k !== 'lang.kk' && k !== 'lang.ru') expect(v, k).not.toMatch(/[\u0400-\u04ff]/);
  });
  it('switches at run time', () => {
    language.set('ru');
    expect(get(t)('nav.home')).toBe('Главная');
    language.set('kk');
    expect(get(t)('nav.home')).toBe('Басты бет');
    language.set('en');
    expect(get(t)('login.tries_left', { n: 2 })).toBe('Tries left before the PIN is blocked: 2');
  });
  it('looks up "what to do" by code only', () => {
    expect(whatToDoKey('TOKEN_WRONG_PIN')).toBe('errors.TOKEN_WRONG_PIN');
    expect(whatToDoKey('SOMETHING_NEW')).toBe('errors.default');
    expect(translate('kk', whatToDoKey('GW_OTP_WRONG'))).toContain('SMS');
    expect(isKey('nav.home')).toBe(true);
    expect(isKey('toString')).toBe(false);
  });
});

describe('dictionaries loaded on demand', () => {
  it('starts in the default language with only its dictionary, switches once a chunk is there', async () => {
    // A fresh instance of the module: no shell, no ?lang=, nothing loaded by the test setup.
    vi.resetModules();
    const fresh = await import('./index');
    await fresh.languageReady;
    expect(get(fresh.language)).toBe('kk');
    expect(get(fresh.t)('nav.home')).toBe('Басты бет');
    // Russian is not loaded: its texts are not there, and choosing it keeps Kazakh on the page
    // until the chunk has arrived (never keys).
    expect(fresh.translate('ru', 'nav.home')).toBe('nav.home');
    fresh.language.set('ru');
    expect(get(fresh.language)).toBe('kk');
    expect(get(fresh.t)('nav.home')).toBe('Басты бет');
    await fresh.setLanguage('ru');
    expect(get(fresh.language)).toBe('ru');
    expect(get(fresh.t)('nav.home')).toBe('Главная');
    // A loaded language switches at once.
    fresh.language.set('kk');
    expect(get(fresh.language)).toBe('kk');
  });
  it('lets the last choice win when chunks arrive out of order', async () => {
    vi.resetModules();
    const fresh = await import('./index');
    await fresh.languageReady;
    const first = fresh.setLanguage('ru');
    const second = fresh.setLanguage('en');
    await Promise.all([first, second]);
    expect(get(fresh.language)).toBe('en');
    await fresh.loadLanguage('ru');
    expect(get(fresh.language)).toBe('en');
  });
});

describe('start language', () => {
  it('reads the script the desktop shell injects (crates/sio-app/src/start.rs)', () => {
    const win: { __SIO_START__?: unknown } = {};
    // The exact text of `sio_app::start_script` for Russian.
    new Function('window', 'window.__SIO_START__ = Object.freeze({"language":"ru"});')(win);
    expect(shellLanguage(win.__SIO_START__)).toBe('ru');
    expect(shellLanguage(undefined)).toBeNull();
    expect(shellLanguage(null)).toBeNull();
    expect(shellLanguage({ language: 'de' })).toBeNull();
    expect(shellLanguage('ru')).toBeNull();
  });
  it('reads ?lang= of the browser build', () => {
    expect(queryLanguage('?api=x&lang=en')).toBe('en');
    expect(queryLanguage('?lang=xx')).toBeNull();
    expect(queryLanguage('')).toBeNull();
  });
});

describe('Astana time', () => {
  it('shows UTC instants at UTC+5', () => {
    expect(formatDateTime('2026-11-23T11:03:00Z', 'ru')).toBe('23.11.2026, 16:03');
  });
  it('reads datetime-local as Astana wall time', () => {
    expect(astanaLocalToIso('2026-11-23T09:30')).toBe('2026-11-23T09:30:00+05:00');
    expect(astanaLocalToIso('bad')).toBeNull();
  });
  it('computes the 24-hour HR deadline', () => {
    const d = hrDeadline('2026-11-23T09:00:00+05:00');
    expect(timeLeft(d, new Date('2026-11-23T10:30:00+05:00'))).toEqual({ over: false, h: 22, m: 30 });
    expect(timeLeft(d, new Date('2026-11-24T10:00:00+05:00'))).toEqual({ over: true, h: 1, m: 0 });
  });
});
