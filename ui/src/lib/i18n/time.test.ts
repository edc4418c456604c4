// Astana time without the webview's time-zone data (issue 18 item 1; 2015 rules r.29).
// The expected values are sio-core's (crates/sio-core/src/time.rs tests, chrono-tz 2024a+).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { astanaLocalToIso, astanaOffsetHours, astanaToday, formatDate, formatDateTime, formatTime } from './time';

describe('Astana offset table (sio-core time.rs)', () => {
  it('is +06 before 2024-03-01 00:00 local and +05 from then on', () => {
    expect(formatDateTime('2024-02-29T12:00:00Z', 'ru')).toBe('29.02.2024, 18:00');
    expect(formatDateTime('2024-03-01T12:00:00Z', 'ru')).toBe('01.03.2024, 17:00');
    expect(formatDateTime('2015-12-22T06:00:00Z', 'ru')).toBe('22.12.2015, 12:00');
    expect(formatDateTime('2026-11-23T10:35:00Z', 'kk')).toBe('23.11.2026, 15:35');
    // The switch itself: 2024-03-01 00:00 +06 = 2024-02-29 18:00 UTC.
    expect(formatDateTime('2024-02-29T17:59:00Z', 'ru')).toBe('29.02.2024, 23:59');
    expect(formatDateTime('2024-02-29T18:00:00Z', 'ru')).toBe('29.02.2024, 23:00');
    expect(astanaOffsetHours(Date.UTC(2024, 1, 29, 17, 59, 59))).toBe(6);
    expect(astanaOffsetHours(Date.UTC(2024, 1, 29, 18))).toBe(5);
  });
  it('formats per language and keeps bad input visible', () => {
    expect(formatDateTime('2026-11-23T11:03:00Z', 'en')).toBe('23/11/2026, 16:03');
    expect(formatDate('2026-11-23T19:30:00Z', 'ru')).toBe('24.11.2026');
    expect(formatTime('2026-12-05T16:15:00Z')).toBe('21:15');
    expect(formatDateTime('not a time', 'ru')).toBe('not a time');
  });
  it('takes today from Astana, not from the machine', () => {
    expect(astanaToday(new Date('2026-11-23T19:30:00Z'))).toBe('2026-11-24');
    expect(astanaToday(new Date('2024-02-29T18:30:00Z'))).toBe('2024-02-29');
  });
  it('sends typed order times with the offset Astana had then (as sio-core from_astana)', () => {
    // sio-core: 2024-02-29T12:00 → 06:00Z (the UI used to send +05:00, i.e. 07:00Z).
    expect(astanaLocalToIso('2024-02-29T12:00')).toBe('2024-02-29T12:00:00+06:00');
    expect(new Date(astanaLocalToIso('2024-02-29T12:00')!).toISOString()).toBe('2024-02-29T06:00:00.000Z');
    expect(astanaLocalToIso('2024-02-28T10:00')).toBe('2024-02-28T10:00:00+06:00');
    expect(astanaLocalToIso('2024-03-02T10:00')).toBe('2024-03-02T10:00:00+05:00');
    // 23:30 on 29 Feb 2024 happened twice; the earlier (+06) is taken, as in sio-core.
    expect(astanaLocalToIso('2024-02-29T23:30')).toBe('2024-02-29T23:30:00+06:00');
    expect(astanaLocalToIso('2024-03-01T00:30')).toBe('2024-03-01T00:30:00+05:00');
    expect(astanaLocalToIso('2026-11-23T09:30')).toBe('2026-11-23T09:30:00+05:00');
    expect(astanaLocalToIso('2026-02-30T10:00')).toBeNull();
    expect(astanaLocalToIso('2026-11-23T24:00')).toBeNull();
    expect(astanaLocalToIso('bad')).toBeNull();
  });
});

describe('no time-zone data of the webview (grep)', () => {
  // The zone's name is built so that this file itself does not match.
  const forbidden = [/\btimeZone\b/, new RegExp(['Asia', 'Almaty'].join('/')), /toLocale(Date|Time)?String\(/, /\bget(Hours|Date|Day|Month|FullYear|Minutes)\(\)/];
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) return files(p);
      return /\.(ts|svelte)$/.test(n) && !/\.test\.ts$/.test(n) && !p.includes(join('lib', 'types')) ? [p] : [];
    });
  }
  it('ui/src formats no time with the webview zone (timeZone, the IANA name, local getters)', () => {
    const root = join(__dirname, '..', '..');
    const hits: string[] = [];
    for (const f of files(root)) {
      const text = readFileSync(f, 'utf8');
      text.split('\n').forEach((line, i) => {
        for (const re of forbidden) if (re.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });
});
