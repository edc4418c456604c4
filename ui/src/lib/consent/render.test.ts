import { describe, expect, it } from 'vitest';
import { consentBlocks, markFields } from './render';

const TEXT = `Приложение 6
к Правилам формирования,

форма

Согласие на условия использования системы информационного обмена правоохранительных, специальных государственных и иных органов

город АСТАНА

"6" декабря 2026 года

1. Пользователь, в лице Иванов Иван Иванович, следователь
(фамилия, имя, отчество (при его наличии), должность)
являющийся сотрудником Департамент полиции,

1. Предмет согласия

11. Обязанности пользователя:

2) в случае длительного, более двух месяцев, отсутствия на рабочем месте подать электронную заявку на блокировку своей учетной записи;

17. Нарушение пользователем положений настоящего согласия может привести к временному приостановлению или полному закрытию доступа к СИО ПСО.
`;
const FIELDS = { city: 'АСТАНА', full_name: 'Иванов Иван Иванович', position: 'следователь', organisation_name: 'Департамент полиции' };

describe('consent rendering (Appendix 6, Order 88/2024)', () => {
  it('keeps the text exactly and marks the filled fields', () => {
    const blocks = consentBlocks(TEXT, FIELDS);
    const joined = blocks.map((b) => b.pieces.map((p) => p.text).join('')).join('\n\n');
    expect(joined.replace(/\s+/g, ' ')).toBe(TEXT.trim().replace(/\s+/g, ' '));
    const marked = blocks.flatMap((b) => b.pieces.filter((p) => p.field).map((p) => p.text));
    expect(marked).toEqual(['АСТАНА', '"6" декабря 2026 года', 'Иванов Иван Иванович', 'следователь', 'Департамент полиции']);
  });
  it('tells headings, points and sub-items apart', () => {
    const kinds = consentBlocks(TEXT, FIELDS).map((b) => b.kind);
    expect(kinds).toEqual(['header', 'para', 'title', 'para', 'para', 'point', 'chapter', 'point', 'sub', 'point']);
  });
  it('marks nothing without fields', () => {
    expect(markFields('город _________', {})).toEqual([{ text: 'город _________', field: false }]);
  });
});
