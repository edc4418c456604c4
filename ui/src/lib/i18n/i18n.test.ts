import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { dictionaries, language, t, translate, whatToDoKey } from './index';
import { en } from './en';
import { astanaLocalToIso, formatDateTime, hrDeadline, timeLeft } from './time';

describe('i18n', () => {
  const keys = Object.keys(en).sort();
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
