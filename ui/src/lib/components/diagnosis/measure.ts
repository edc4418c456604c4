// The diagnosis measures values in English prose for the helpdesk ("78.4 GB free on the file system
// of /home", "3.40 GHz (nominal)"). The screen shows only the values and units, formatted in the
// interface language; the prose stays under "Technical details".
import type { Language } from '../../backend';
import type { Key } from '../../i18n';

/** A measured value with its unit (an i18n key under `unit.`). */
export interface Measure {
  value: number;
  unit: Key;
}

const UNITS: [RegExp, Key][] = [
  [/^GHz$/i, 'unit.GHz'],
  [/^MHz$/i, 'unit.MHz'],
  [/^GB$|^GiB$/i, 'unit.GB'],
  [/^MB$|^MiB$/i, 'unit.MB'],
  [/^Mbit\/s$|^Mbps$/i, 'unit.Mbit/s'],
  [/^ms$/, 'unit.ms'],
  [/^s$/, 'unit.s'],
  [/^days?$/i, 'unit.days'],
  [/^readers?$/i, 'unit.readers'],
];

/** Values with units found in the measured text, in order. */
export function measures(text: string): Measure[] {
  const out: Measure[] = [];
  for (const m of text.matchAll(/(-?\d+(?:[.,]\d+)?)\s*(GHz|MHz|GiB|GB|MiB|MB|Mbit\/s|Mbps|ms|s|days?|readers?)\b/gi)) {
    const unit = UNITS.find(([re]) => re.test(m[2]))?.[1];
    if (unit) out.push({ value: Number(m[1].replace(',', '.')), unit });
  }
  return out;
}

/** A number as the language writes it (decimal comma in kk and ru). */
export function formatNumber(v: number, lang: Language): string {
  return new Intl.NumberFormat(lang === 'en' ? 'en-GB' : 'ru-RU', { maximumFractionDigits: 2 }).format(v);
}
