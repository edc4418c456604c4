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
  it('falls back to the second weights, and some prefixes have no check digit', () => {
    // 90010130081: first sum mod 11 is 10, second weights give 1.
    expect(checkDigit('90010130081')).toBe(1);
    expect(isValidIin('900101300811')).toBe(true);
    // 90010130080: 10 both times, so no 12-digit number with this prefix is valid.
    expect(checkDigit('90010130080')).toBeNull();
    for (let d = 0; d <= 9; d++) expect(isValidIin(`90010130080${d}`)).toBe(false);
  });
});
