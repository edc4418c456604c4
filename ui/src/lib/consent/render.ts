// The consent (Appendix 6 to the Rules, Order 21/2023 as amended by Order 88/2024) as blocks to
// render readably: the appendix header, the title, chapter headings, numbered points and their
// sub-items, with the form's filled fields marked. The text itself is never changed: the blocks
// concatenate back to it (the signed text is exactly what is shown).

export type Piece = { text: string; field: boolean };
export type BlockKind = 'header' | 'title' | 'chapter' | 'point' | 'sub' | 'para';
export type Block = { kind: BlockKind; pieces: Piece[] };

export type FilledFields = {
  city?: string | null;
  full_name?: string;
  position?: string | null;
  organisation_name?: string;
};

const CHAPTER = /^\d+\. [^.;:_"]+$/;
const POINT = /^\d+\. /;
const SUB = /^\d+\) /;
const FORM_DATE = /"\d{1,2}" [а-яё]+ \d{4} года/;

/** Split `text` into pieces, marking each occurrence of a field value or of the filled date. */
export function markFields(text: string, fields: FilledFields): Piece[] {
  const values = [fields.city, fields.full_name, fields.position, fields.organisation_name]
    .filter((v): v is string => !!v && v.trim().length > 1)
    .sort((a, b) => b.length - a.length);
  let out: Piece[] = [{ text, field: false }];
  const split = (re: RegExp) => {
    const next: Piece[] = [];
    for (const p of out) {
      if (p.field) {
        next.push(p);
        continue;
      }
      let rest = p.text;
      let m: RegExpExecArray | null;
      while ((m = re.exec(rest)) !== null && m[0].length > 0) {
        if (m.index > 0) next.push({ text: rest.slice(0, m.index), field: false });
        next.push({ text: m[0], field: true });
        rest = rest.slice(m.index + m[0].length);
      }
      if (rest) next.push({ text: rest, field: false });
    }
    out = next;
  };
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const v of values) split(new RegExp(esc(v)));
  split(FORM_DATE);
  return out;
}

/** The blocks of a consent text (paragraphs are separated by blank lines). */
export function consentBlocks(text: string, fields: FilledFields): Block[] {
  const paras = text.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p.length > 0);
  return paras.map((p, i) => {
    let kind: BlockKind = 'para';
    if (i === 0 && p.includes('\n') && !POINT.test(p)) kind = 'header';
    else if (/^(Согласие на условия|Consent to the terms|КЕЛІСІМ|"Құқық қорғау)/.test(p)) kind = 'title';
    else if (CHAPTER.test(p) && p.length < 60 && !p.includes('\n')) kind = 'chapter';
    else if (POINT.test(p)) kind = 'point';
    else if (SUB.test(p)) kind = 'sub';
    return { kind, pieces: markFields(p, fields) };
  });
}
