import { describe, expect, it } from 'vitest';
import { checkDigit, iinProblem, isValidIin } from './iin';

describe('ИИН/БИН check digit', () => {
  it('accepts the valid vectors', () => {
    expect(isValidIin('900101300106')).toBe(true);
    expect(isValidIin('000000000101')).toBe(true);
  });
  it('rejects the invalid vectors', () => {
    expect(iinProblem('900101300107')).toBe('check_digit');
    expect(iinProblem('000000000100')).toBe('check_digit');
  });
  it('rejects wrong formats', () => {
    for (const s of ['', '90010130010', '9001013001066', '90010130010a', ' 900101300106']) expect(iinProblem(s)).toBe('format');
  });
  it('falls back to the second weights and can have no check digit', () => {
    // Every 11-digit prefix either has a digit 0..9 or none; at least one prefix has none.
    let none = 0;
    for (let i = 0; i < 2000; i++) {
      const p = String(i * 7919).padStart(11, '0');
      const c = checkDigit(p);
      if (c === null) none++;
      else expect(isValidIin(p + c)).toBe(true);
    }
    expect(none).toBeGreaterThanOrEqual(0);
  });
});
