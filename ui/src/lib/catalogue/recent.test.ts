import { describe, expect, it } from 'vitest';
import { matchesService } from './recent';

describe('service search', () => {
  it('matches by number prefix or by all words of the name in any language', () => {
    const names = ['Сведения о пенсионных взносах', 'Зейнетақы жарналары туралы мәліметтер', 'Pension contributions'];
    expect(matchesService('', 11, names)).toBe(true);
    expect(matchesService('11', 11, names)).toBe(true);
    expect(matchesService('1', 11, names)).toBe(true);
    expect(matchesService('2', 11, names)).toBe(false);
    expect(matchesService('пенсион взнос', 11, names)).toBe(true);
    expect(matchesService('зейнетақы', 11, names)).toBe(true);
    expect(matchesService('пенсион авто', 11, names)).toBe(false);
  });
});
