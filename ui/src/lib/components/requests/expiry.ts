// Certificates close to their end: warned 30 days ahead (the NCA RK issues a new one on request;
// an officer with an expired certificate cannot sign in or sign).

/** Warn this many days before a certificate's end. */
export const EXPIRY_WARN_DAYS = 30;

/** Whole days from `now` until `notAfter` (negative once expired; null when unreadable). */
export function daysLeft(notAfter: string, now: Date = new Date()): number | null {
  const end = new Date(notAfter).getTime();
  if (Number.isNaN(end)) return null;
  return Math.floor((end - now.getTime()) / 86_400_000);
}

/** Whether to warn about the certificate's end. */
export function expiresSoon(notAfter: string, now: Date = new Date()): boolean {
  const d = daysLeft(notAfter, now);
  return d !== null && d <= EXPIRY_WARN_DAYS;
}
