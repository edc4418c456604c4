// Dates and times are shown in Astana time (UTC+5 since 1 March 2024; IANA Asia/Almaty).
import type { Language } from '../backend';

/** The time zone every time is shown in. */
export const ASTANA_TZ = 'Asia/Almaty';

// Only numeric fields are shown, so Kazakh uses the dd.MM.yyyy pattern customary in Kazakhstan
// (ICU's kk-KZ data gives yyyy-MM-dd).
const LOCALES: Record<Language, string> = { kk: 'ru-RU', ru: 'ru-RU', en: 'en-GB' };

/** Date and time, e.g. "23.11.2026, 16:03". */
export function formatDateTime(iso: string | Date, lang: Language): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone: ASTANA_TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

/** Date only. */
export function formatDate(iso: string | Date, lang: Language): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(LOCALES[lang], { timeZone: ASTANA_TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** Interpret "YYYY-MM-DDTHH:MM" (a datetime-local input) as Astana wall time; RFC 3339 with +05:00. */
export function astanaLocalToIso(local: string): string | null {
  const m = local.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/);
  if (!m) return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00+05:00`;
}

/** Today's date in Astana as YYYY-MM-DD. */
export function astanaToday(now: Date = new Date()): string {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: ASTANA_TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  return p;
}

/** Time left until `deadline` (negative when over), split for display. */
export function timeLeft(deadline: Date, now: Date): { over: boolean; h: number; m: number } {
  const ms = deadline.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const totalMin = Math.floor(abs / 60000);
  return { over: ms < 0, h: Math.floor(totalMin / 60), m: totalMin % 60 };
}

/** The 24-hour deadline of rules 14–15 from the order's signing time. */
export function hrDeadline(orderSignedAt: string): Date {
  return new Date(new Date(orderSignedAt).getTime() + 24 * 3600 * 1000);
}
