import { describe, expect, it } from 'vitest';
import { formatNumber, measures } from './measure';

describe('diagnosis values', () => {
  it('finds values and units in the measured prose', () => {
    expect(measures('78.4 GB free on the file system of /home')).toEqual([{ value: 78.4, unit: 'unit.GB' }]);
    expect(measures('3.40 GHz (nominal)')).toEqual([{ value: 3.4, unit: 'unit.GHz' }]);
    expect(measures('eth0 1000 Mbit/s')).toEqual([{ value: 1000, unit: 'unit.Mbit/s' }]);
    expect(measures('TLS 1.3, handshake 12 ms, request 30 ms')).toEqual([{ value: 12, unit: 'unit.ms' }, { value: 30, unit: 'unit.ms' }]);
    expect(measures('no system D-Bus')).toEqual([]);
  });
  it('writes numbers the way the language does', () => {
    expect(formatNumber(78.4, 'ru')).toBe('78,4');
    expect(formatNumber(78.4, 'kk')).toBe('78,4');
    expect(formatNumber(78.4, 'en')).toBe('78.4');
  });
});
