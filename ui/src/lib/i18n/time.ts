// Dates and times are shown in Astana time (2015 rules, r.29: all recorded times are Astana time).
//
// The UI depends on NO time-zone data of the webview: WebKitGTK on Debian 12 uses the system ICU
// (time-zone data 2022e), which predates Kazakhstan's move to UTC+5 on 1 March 2024 and gives
// UTC+6 for today's instants (issue 18 item 1; FACTS "Found in the running product"). Instead this
// module applies sio-core's offset table (crates/sio-core/src/time.rs, from the IANA zone of
// Astana, tzdata 2024a) with plain UTC arithmetic; no `Intl` time-zone option is used anywhere.
import type { Language } from '../backend';

const HOUR_MS = 3_600_000;

/**
 * Astana's UTC offsets, newest first: `from` is the first UTC instant (ms) at which `offsetH` applies.
 * - 2024-03-01 00:00 local (+06) = 2024-02-29T18:00:00Z: Kazakhstan moved to one zone, UTC+5
 *   (Government Decree of 2024; IANA tzdata 2024a). 23:00–24:00 on 29 Feb 2024 occurred twice.
 * - 2004-10-31 02:00 local standard time (+06) = 2004-10-30T20:00:00Z: summer time abolished, +06 all year.
 * Instants before 2004-10-30T20:00Z (summer time +07 in some years) never reach the app (no order,
 * certificate or journal record is that old); they are shown at +06, Astana's standard time then.
 */
export const ASTANA_OFFSETS: ReadonlyArray<{ from: number; offsetH: number }> = [
  { from: Date.UTC(2024, 1, 29, 18, 0, 0), offsetH: 5 },
  { from: Date.UTC(2004, 9, 30, 20, 0, 0), offsetH: 6 },
  { from: Number.NEGATIVE_INFINITY, offsetH: 6 },
];

/** Astana's UTC offset in hours at a UTC instant (ms since the epoch). */
export function astanaOffsetHours(utcMs: number): number {
  for (const o of ASTANA_OFFSETS) if (utcMs >= o.from) return o.offsetH;
  return 6;
}

/** The Astana wall-clock fields of an instant (read with getUTC* only). */
function astanaWall(d: Date): Date {
  return new Date(d.getTime() + astanaOffsetHours(d.getTime()) * HOUR_MS);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

function toDate(iso: string | Date): Date | null {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "dd.MM.yyyy" (kk and ru: the pattern customary in Kazakhstan) or "dd/MM/yyyy" (en-GB). */
function datePart(w: Date, lang: Language): string {
  const sep = lang === 'en' ? '/' : '.';
  return `${pad2(w.getUTCDate())}${sep}${pad2(w.getUTCMonth() + 1)}${sep}${w.getUTCFullYear()}`;
}

/** Date and time in Astana, e.g. "23.11.2026, 16:03". */
export function formatDateTime(iso: string | Date, lang: Language): string {
  const d = toDate(iso);
  if (!d) return String(iso);
  const w = astanaWall(d);
  return `${datePart(w, lang)}, ${pad2(w.getUTCHours())}:${pad2(w.getUTCMinutes())}`;
}

/** Date only, in Astana. */
export function formatDate(iso: string | Date, lang: Language): string {
  const d = toDate(iso);
  if (!d) return String(iso);
  return datePart(astanaWall(d), lang);
}

/** Time only in Astana, "HH:MM". */
export function formatTime(iso: string | Date): string {
  const d = toDate(iso);
  if (!d) return String(iso);
  const w = astanaWall(d);
  return `${pad2(w.getUTCHours())}:${pad2(w.getUTCMinutes())}`;
}

function offsetSuffix(h: number): string {
  return `${h < 0 ? '-' : '+'}${pad2(Math.abs(h))}:00`;
}

/**
 * Interpret "YYYY-MM-DDTHH:MM" (a datetime-local input) as Astana wall time; RFC 3339 with the
 * offset Astana had then (+06:00 before 1 March 2024, +05:00 since), as sio-core's `from_astana`:
 * a wall time that occurred twice (23:00–24:00 on 29 Feb 2024) takes the earlier instant, so the
 * 24-hour deadline it starts (2024 rules 14–15) is never later than the rule allows.
 */
export function astanaLocalToIso(local: string): string | null {
  const m = local.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/);
  if (!m) return null;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const wallMs = Date.UTC(y, mo - 1, d, h, mi);
  const back = new Date(wallMs);
  // Refuse calendar overflow ("2026-02-30T10:00" would silently become 2 March).
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59) return null;
  // Candidates: every offset of the table whose instant really has that offset; the earliest wins.
  const offsets = [...new Set(ASTANA_OFFSETS.map((o) => o.offsetH))].sort((a, b) => b - a);
  for (const off of offsets) {
    if (astanaOffsetHours(wallMs - off * HOUR_MS) === off) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${offsetSuffix(off)}`;
  }
  return null;
}

/** Today's date in Astana as YYYY-MM-DD. */
export function astanaToday(now: Date = new Date()): string {
  const w = astanaWall(now);
  return `${w.getUTCFullYear()}-${pad2(w.getUTCMonth() + 1)}-${pad2(w.getUTCDate())}`;
}

/** Time left until `deadline` (negative when over), split for display. */
export function timeLeft(deadline: Date, now: Date): { over: boolean; h: number; m: number } {
  const ms = deadline.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const totalMin = Math.floor(abs / 60000);
  return { over: ms < 0, h: Math.floor(totalMin / 60), m: totalMin % 60 };
}

/** The 24-hour deadline of 2024 rules 14–15 from the order's signing time (elapsed time). */
export function hrDeadline(orderSignedAt: string): Date {
  return new Date(new Date(orderSignedAt).getTime() + 24 * HOUR_MS);
}
