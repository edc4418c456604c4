import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDLE_MS, watchIdle } from './idle';

describe('idle lock', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  it('locks after 15 minutes without activity, not before', () => {
    expect(IDLE_MS).toBe(900000);
    const target = new EventTarget();
    const onIdle = vi.fn();
    const stop = watchIdle(target, onIdle);
    vi.advanceTimersByTime(14 * 60 * 1000);
    target.dispatchEvent(new Event('keydown'));
    vi.advanceTimersByTime(14 * 60 * 1000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60 * 1000 + 5000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60 * 60 * 1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });
});

describe('idle countdown', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  it('counts down the last minute, every second, and clears on activity', () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    const left: (number | null)[] = [];
    const stop = watchIdle(target, onIdle, IDLE_MS, Date.now, (l) => left.push(l));
    vi.advanceTimersByTime(IDLE_MS - 61 * 1000);
    expect(left).toEqual([]);
    vi.advanceTimersByTime(3000);
    expect(left.length).toBeGreaterThanOrEqual(2);
    expect(left.every((l) => l !== null && l <= 60000 && l > 0)).toBe(true);
    target.dispatchEvent(new Event('keydown'));
    expect(left[left.length - 1]).toBeNull();
    vi.advanceTimersByTime(IDLE_MS + 1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(left[left.length - 1]).toBeNull();
    stop();
  });
});
