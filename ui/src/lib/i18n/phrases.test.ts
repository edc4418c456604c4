import { describe, expect, it } from 'vitest';
import { astanaClock, kkClockDative, kkDative, momentParams } from './phrases';
import { translate } from './index';
import { formatDate } from './time';

describe('times in sentences', () => {
  it('Kazakh dative endings follow the spoken number', () => {
    expect(kkClockDative('22:25')).toBe('22:25-ке');
    expect(kkClockDative('10:15')).toBe('10:15-ке');
    expect(kkClockDative('09:30')).toBe('09:30-ға');
    expect(kkClockDative('18:40')).toBe('18:40-қа');
    expect(kkClockDative('12:50')).toBe('12:50-ге');
    expect(kkClockDative('22:00')).toBe('22:00-ге');
    expect(kkClockDative('16:06')).toBe('16:06-ға');
    expect(kkDative(3)).toBe('ке');
    expect(kkDative(20)).toBe('ға');
  });
  it('the session end reads naturally in each language (Astana time)', () => {
    const iso = '2026-12-06T05:15:00Z'; // 10:15 in Astana
    expect(astanaClock(iso)).toBe('10:15');
    expect(translate('ru', 'home.session_until', momentParams(iso, 'ru'))).toBe('Сеанс завершится 06.12.2026 в 10:15.');
    expect(translate('kk', 'home.session_until', momentParams(iso, 'kk'))).toBe('Сеанс 06.12.2026, сағат 10:15-ке дейін жарамды.');
    expect(translate('en', 'home.session_until', momentParams(iso, 'en'))).toBe(`The session ends on ${formatDate(iso, 'en')} at 10:15.`);
  });
});
