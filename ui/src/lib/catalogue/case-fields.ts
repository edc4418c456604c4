// Case reference fields per basis, validated like sio_core::CaseReference (crates/sio-core/src/case.rs).

import type { Article, BasisKey, CaseReference } from '../types/protocol';
import { ARTICLE_MAX, ARTICLE_MIN } from './index';

/** Which form of case reference is used. */
export type FormKind = CaseReference['kind'];

/** Kinds of field, each with its own rule. */
export type FieldKind = 'erdr' | 'outgoing' | 'body' | 'case_number' | 'year';

/** A field of a form: its JSON key and its rule. */
export interface FieldSpec {
  key: string;
  kind: FieldKind;
}

/** Forms a basis may take (criminal: case, instruction, international legal assistance). */
export function formsFor(basis: BasisKey): FormKind[] {
  switch (basis) {
    case 'criminal':
      return ['criminal_case', 'instruction', 'legal_assistance'];
    default:
      return [basis];
  }
}

/** Fields of a form, in display order. */
export function fieldsOf(form: FormKind): FieldSpec[] {
  switch (form) {
    case 'criminal_case':
      return [{ key: 'erdr', kind: 'erdr' }];
    case 'instruction':
      return [
        { key: 'erdr', kind: 'erdr' },
        { key: 'instruction_no', kind: 'outgoing' },
      ];
    case 'legal_assistance':
      return [
        { key: 'request_no', kind: 'outgoing' },
        { key: 'requesting_body', kind: 'body' },
        { key: 'cover_letter_no', kind: 'outgoing' },
      ];
    case 'admin_court':
    case 'civil_court':
      return [
        { key: 'number', kind: 'case_number' },
        { key: 'year', kind: 'year' },
        { key: 'court', kind: 'body' },
      ];
    default:
      return [{ key: 'number', kind: 'case_number' }];
  }
}

const NUMBER_RE = /^[\p{L}\p{N}\-/.№ _]+$/u;

/** Error key (an i18n key under `field.error.`) or null when the value is fine. */
export function fieldProblem(kind: FieldKind, raw: string): string | null {
  const v = raw.trim();
  if (v === '') return 'required';
  switch (kind) {
    case 'erdr':
      return /^\d{15}$/.test(v) ? null : 'erdr';
    case 'outgoing':
    case 'case_number':
      if ([...v].length > 50) return 'too_long';
      if (!NUMBER_RE.test(v) || !/[\p{L}\p{N}]/u.test(v) || v.includes('  ')) return 'number_chars';
      return null;
    case 'body': {
      const t = v.split(/\s+/).join(' ');
      if ([...t].length > 200) return 'too_long';
      // eslint-disable-next-line no-control-regex
      if (!/\p{L}/u.test(t) || /[\u0000-\u001f\u007f]/.test(t)) return 'body_chars';
      return null;
    }
    case 'year': {
      if (!/^\d{4}$/.test(v)) return 'year';
      const y = Number(v);
      return y >= 1991 && y <= 2100 ? null : 'year';
    }
  }
}

/** Build the wire case reference from field values; null if any field is invalid. */
export function buildCase(form: FormKind, values: Record<string, string>): CaseReference | null {
  const fields = fieldsOf(form);
  if (fields.some((f) => fieldProblem(f.kind, values[f.key] ?? '') !== null)) return null;
  const o: Record<string, unknown> = { kind: form };
  for (const f of fields) {
    const v = (values[f.key] ?? '').trim();
    o[f.key] = f.kind === 'year' ? Number(v) : f.kind === 'body' ? v.split(/\s+/).join(' ') : v;
  }
  return o as CaseReference;
}

/** Error key (under `field.error.`) for a Chapter 8 article + optional part, or null. */
export function articleProblem(articleRaw: string, partRaw: string): string | null {
  const a = articleRaw.trim();
  const p = partRaw.trim();
  if (a === '') return 'article_required';
  if (!/^\d{1,3}$/.test(a)) return 'article';
  const n = Number(a);
  if (n < ARTICLE_MIN || n > ARTICLE_MAX) return 'article';
  if (p !== '' && (!/^\d{1,2}$/.test(p) || Number(p) < 1 || Number(p) > 20)) return 'part';
  return null;
}

/** The wire article, or null if invalid. */
export function buildArticle(articleRaw: string, partRaw: string): Article | null {
  if (articleProblem(articleRaw, partRaw) !== null) return null;
  const p = partRaw.trim();
  return p === '' ? { article: Number(articleRaw.trim()) } : { article: Number(articleRaw.trim()), part: Number(p) };
}
