// ИИН / БИН check digit (12 digits; the 12th is a check digit): weights 1..11, sum mod 11;
// if that is 10, weights 3,4,5,6,7,8,9,10,11,1,2; if 10 again, the number is invalid.
// The same algorithm as crates/sio-core/src/iin.rs.

const W1 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const W2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/** Why an ИИН/БИН is not valid. */
export type IinProblem = 'format' | 'check_digit';

/** The check digit of the first 11 digits, or null if none exists. */
export function checkDigit(first11: string): number | null {
  const d = [...first11].map(Number);
  let c = d.reduce((s, x, i) => s + x * W1[i], 0) % 11;
  if (c === 10) c = d.reduce((s, x, i) => s + x * W2[i], 0) % 11;
  return c === 10 ? null : c;
}

/** null when `s` is a valid ИИН/БИН, else what is wrong with it. */
export function iinProblem(s: string): IinProblem | null {
  if (!/^\d{12}$/.test(s)) return 'format';
  const c = checkDigit(s.slice(0, 11));
  return c !== null && c === Number(s[11]) ? null : 'check_digit';
}

/** Whether `s` is a valid ИИН/БИН. */
export function isValidIin(s: string): boolean {
  return iinProblem(s) === null;
}
