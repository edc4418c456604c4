// Services the officer used recently come first in the composer (numbers only, on this workstation).

const KEY = 'sio.recent_services';
const MAX = 6;

function store(): Storage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null;
  }
}

/** Recently used service numbers, the latest first. */
export function recentServices(): number[] {
  const raw = store()?.getItem(KEY);
  if (!raw) return [];
  try {
    const v = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((n): n is number => Number.isInteger(n)).slice(0, MAX) : [];
  } catch {
    return [];
  }
}

/** Remember that `no` was just used. */
export function rememberService(no: number): void {
  const list = [no, ...recentServices().filter((n) => n !== no)].slice(0, MAX);
  store()?.setItem(KEY, JSON.stringify(list));
}

/** Does the service match what was typed: its number, or every word within its name? */
export function matchesService(query: string, no: number, names: string[]): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  if (/^\d+$/.test(q)) return String(no).startsWith(q);
  const hay = names.join(' ').toLowerCase();
  return q.split(/\s+/).every((w) => hay.includes(w));
}
