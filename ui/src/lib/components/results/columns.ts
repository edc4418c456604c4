// Column headers of results as the gateway's data holders send them (Russian), shown in the
// interface language; a header not known here is shown as sent.
import type { Key } from '../../i18n';

const KNOWN: Record<string, Key> = {
  'ИИН/БИН': 'col.iin_bin',
  'Наименование / ФИО': 'col.name',
  'Адрес': 'col.address',
  'Сведения': 'col.details',
  'Дата': 'col.date',
  'БИН работодателя': 'col.employer_bin',
  'Работодатель': 'col.employer',
  'Период': 'col.period',
  'Сумма взноса, тенге': 'col.amount',
};

/** The i18n key of a known column header, or null. */
export function columnKey(header: string): Key | null {
  return KNOWN[header.trim()] ?? null;
}
