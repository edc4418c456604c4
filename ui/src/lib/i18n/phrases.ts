// Parameters of texts that name a moment: the date (dd.mm.yyyy) and the time (HH:MM, Astana time);
// in Kazakh the time carries its dative ending ("22:25-ке дейін"), chosen by how the number is read.
import type { Language } from '../backend';
import { formatDate, formatTime } from './time';

/** HH:MM in Astana time. */
export function astanaClock(iso: string | Date): string {
  return formatTime(iso);
}

// The dative ending after the last spoken word of a number 0..59 (vowel harmony; -қа/-ке after a
// voiceless consonant, -ға/-ге otherwise): 1 бір, 2 екі, 3 үш, 4 төрт, 5 бес, 6 алты, 7 жеті,
// 8 сегіз, 9 тоғыз; 10 он, 20 жиырма, 30 отыз, 40 қырық, 50 елу; 0 нөл.
const UNITS = ['ге', 'ге', 'ге', 'ке', 'ке', 'ке', 'ға', 'ге', 'ге', 'ға'];
const TENS = ['ге', 'ға', 'ға', 'ға', 'қа', 'ге'];

/** The Kazakh dative ending of a number as read aloud ("25" → "ке", "30" → "ға"). */
export function kkDative(n: number): string {
  if (n % 10 !== 0) return UNITS[n % 10];
  return TENS[Math.floor(n / 10) % 6];
}

/** "22:25" → "22:25-ке" (minutes read last; "22:00" is read by the hour: "22:00-ге"). */
export function kkClockDative(hhmm: string): string {
  const m = hhmm.match(/^(\d{1,2}):(\d{2})$/);
  if (!m) return hhmm;
  const min = Number(m[2]);
  return `${hhmm}-${kkDative(min === 0 ? Number(m[1]) : min)}`;
}

/** `{date}` and `{time}` for a text about the moment `iso` (kk: the time in the dative). */
export function momentParams(iso: string | Date, lang: Language): { date: string; time: string } {
  const time = astanaClock(iso);
  return { date: formatDate(iso, lang), time: lang === 'kk' ? kkClockDative(time) : time };
}
