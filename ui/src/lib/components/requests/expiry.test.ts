import { describe, expect, it } from 'vitest';
import { daysLeft, expiresSoon } from './expiry';

describe('certificate expiry warning', () => {
  const now = new Date('2026-12-05T12:00:00Z');
  it('warns within 30 days, not at five weeks', () => {
    expect(expiresSoon('2027-01-09T12:00:00Z', now)).toBe(false); // 35 days
    expect(expiresSoon('2027-01-04T12:00:00Z', now)).toBe(true); // 30 days
    expect(expiresSoon('2026-12-06T00:00:00Z', now)).toBe(true);
    expect(daysLeft('2027-01-04T12:00:00Z', now)).toBe(30);
    expect(daysLeft('not a date', now)).toBeNull();
  });
});
