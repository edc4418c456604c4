// Dates typed as people in Kazakhstan write them: dd.mm.yyyy, and dd.mm.yyyy HH:MM (Astana time).
// The values the backend takes are ISO (YYYY-MM-DD, or YYYY-MM-DDTHH:MM for astanaLocalToIso).

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "05.12.2026" (also 5.12.2026, 05/12/2026, 05-12-2026) → "2026-12-05"; null if not a real date. */
export function parseDateInput(text: string): string | null {
  const m = text.trim().match(/^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/);
  if (!m) return null;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return validDate(y, mo, d) ? `${y}-${pad(mo)}-${pad(d)}` : null;
}

/** "05.12.2026 22:25" → "2026-12-05T22:25" (Astana wall time); null if not a real moment. */
export function parseDateTimeInput(text: string): string | null {
  const m = text.trim().match(/^(\S+)[ ,T]+(\d{1,2}):(\d{2})$/);
  if (!m) return null;
  const date = parseDateInput(m[1]);
  const [h, min] = [Number(m[2]), Number(m[3])];
  if (!date || h > 23 || min > 59) return null;
  return `${date}T${pad(h)}:${pad(min)}`;
}

/** "2026-12-05" → "05.12.2026"; "2026-12-05T22:25" → "05.12.2026 22:25" (for pre-filling a field). */
export function showDateInput(iso: string): string {
  const m = iso.match(/^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/);
  if (!m) return iso;
  return `${m[3]}.${m[2]}.${m[1]}${m[4] ? ` ${m[4]}:${m[5]}` : ''}`;
}
