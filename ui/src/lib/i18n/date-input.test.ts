import { describe, expect, it } from 'vitest';
import { parseDateInput, parseDateTimeInput, showDateInput } from './date-input';

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
