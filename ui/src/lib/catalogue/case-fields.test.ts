import { describe, expect, it } from 'vitest';
import { articleProblem, buildArticle, buildCase, fieldProblem, fieldsOf, formsFor } from './case-fields';

describe('case fields per basis', () => {
  it('criminal has case, instruction and legal assistance forms', () => {
    expect(formsFor('criminal')).toEqual(['criminal_case', 'instruction', 'legal_assistance']);
    expect(fieldsOf('instruction').map((f) => f.key)).toEqual(['erdr', 'instruction_no']);
    expect(fieldsOf('legal_assistance').map((f) => f.key)).toEqual(['request_no', 'requesting_body', 'cover_letter_no']);
  });
  it('courts take number, year, court; others a number', () => {
    expect(fieldsOf('civil_court').map((f) => f.key)).toEqual(['number', 'year', 'court']);
    expect(fieldsOf('admin_court').map((f) => f.key)).toEqual(['number', 'year', 'court']);
    for (const b of ['admin_offence', 'wanted', 'enforcement'] as const) expect(fieldsOf(formsFor(b)[0]).map((f) => f.key)).toEqual(['number']);
  });
  it('ЕРДР is 15 digits', () => {
    expect(fieldProblem('erdr', '241500031000123')).toBeNull();
    expect(fieldProblem('erdr', '24150003100012')).toBe('erdr');
    expect(fieldProblem('erdr', '')).toBe('required');
  });
  it('numbers, bodies and years follow the core rules', () => {
    expect(fieldProblem('case_number', '7527-24-00-2/1234')).toBeNull();
    expect(fieldProblem('case_number', 'a  b')).toBe('number_chars');
    expect(fieldProblem('case_number', '#1')).toBe('number_chars');
    expect(fieldProblem('outgoing', 'x'.repeat(51))).toBe('too_long');
    expect(fieldProblem('body', '123')).toBe('body_chars');
    expect(fieldProblem('year', '1990')).toBe('year');
    expect(fieldProblem('year', '2024')).toBeNull();
  });
  it('builds the wire reference', () => {
    expect(buildCase('civil_court', { number: '7527-24-00-2/1234', year: '2024', court: ' Есильский  районный суд ' })).toEqual({
      kind: 'civil_court',
      number: '7527-24-00-2/1234',
      year: 2024,
      court: 'Есильский районный суд',
    });
    expect(buildCase('criminal_case', { erdr: '1' })).toBeNull();
  });
  it('articles of Chapter 8 only', () => {
    expect(articleProblem('214', '')).toBeNull();
    expect(articleProblem('249', '3')).toBeNull();
    expect(articleProblem('213', '')).toBe('article');
    expect(articleProblem('250', '')).toBe('article');
    expect(articleProblem('', '')).toBe('article_required');
    expect(articleProblem('216', '21')).toBe('part');
    expect(buildArticle('216', '2')).toEqual({ article: 216, part: 2 });
  });
});
