import { describe, expect, it } from 'vitest';
import { parseDateInput, parseDateTimeInput, showDateInput } from './date-input';
import { astanaLocalToIso } from './time';

describe('dd.mm.yyyy input', () => {
  it('reads day first, never US order', () => {
    expect(parseDateInput('12.05.2026')).toBe('2026-05-12');
    expect(parseDateInput('5.12.2026')).toBe('2026-12-05');
    expect(parseDateInput('05/12/2026')).toBe('2026-12-05');
  });
  it('refuses dates that do not exist', () => {
    expect(parseDateInput('31.02.2026')).toBeNull();
    expect(parseDateInput('29.02.2027')).toBeNull();
    expect(parseDateInput('29.02.2028')).toBe('2028-02-29');
    expect(parseDateInput('2026-12-05')).toBeNull();
    expect(parseDateInput('')).toBeNull();
  });
  it('reads and shows a moment as dd.mm.yyyy HH:MM', () => {
    expect(parseDateTimeInput('05.12.2026 22:25')).toBe('2026-12-05T22:25');
    expect(parseDateTimeInput('05.12.2026 24:00')).toBeNull();
    expect(parseDateTimeInput('05.12.2026')).toBeNull();
    expect(showDateInput('2026-12-05T22:25')).toBe('05.12.2026 22:25');
    expect(showDateInput('2026-12-05')).toBe('05.12.2026');
  });
});

// What the HR form and the Reports view send for what the officer typed (issue 19 item 4).
describe('HR order time and report period as typed', () => {
  it('HR: dd.mm.yyyy HH:MM is Astana wall time, sent as RFC 3339 with the offset Astana had', () => {
    expect(astanaLocalToIso(parseDateTimeInput('05.12.2026 22:25') ?? '')).toBe('2026-12-05T22:25:00+05:00');
    // Before 1 March 2024 Astana was UTC+6.
    expect(astanaLocalToIso(parseDateTimeInput('15.01.2024 09:00') ?? '')).toBe('2024-01-15T09:00:00+06:00');
    // Never read in US order: 12.05 is 12 May.
    expect(astanaLocalToIso(parseDateTimeInput('12.05.2026 08:00') ?? '')).toBe('2026-05-12T08:00:00+05:00');
    expect(parseDateTimeInput('31.04.2026 10:00')).toBeNull();
  });
  it('Reports: the period bounds stay ISO dates, and a pre-filled bound shows day first', () => {
    expect(parseDateInput('01.12.2026')).toBe('2026-12-01');
    expect(parseDateInput(showDateInput('2026-12-05'))).toBe('2026-12-05');
    expect(parseDateInput('12/31/2026')).toBeNull();
  });
});
