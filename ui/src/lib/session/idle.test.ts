import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDLE_MS, monotonicNow, watchIdle } from './idle';

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
    const stop = watchIdle(target, onIdle, IDLE_MS, monotonicNow, (l) => left.push(l));
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

// Issue 20: the wall clock jumps while the idle timer runs (NTP, the officer resetting it, a
// time-zone change). `vi.setSystemTime` moves `Date` only; the fake `performance.now()` moves
// with the timers, as elapsed time does. The lock follows elapsed time.
describe('idle lock across wall-clock jumps', () => {
  const HOUR = 60 * 60 * 1000;
  beforeEach(() =>
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    }),
  );
  afterEach(() => vi.useRealTimers());

  it('a jump an hour ahead does not lock at once', () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    const left: (number | null)[] = [];
    const stop = watchIdle(target, onIdle, IDLE_MS, undefined, (l) => left.push(l));
    vi.advanceTimersByTime(60 * 1000);
    vi.setSystemTime(Date.now() + HOUR);
    vi.advanceTimersByTime(10 * 1000);
    expect(onIdle).not.toHaveBeenCalled();
    expect(left).toEqual([]);
    // 15 minutes of real idleness after the start still lock, once.
    vi.advanceTimersByTime(IDLE_MS - 70 * 1000 + 1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });

  it('a jump an hour back does not keep the session open past 15 minutes', () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    const stop = watchIdle(target, onIdle);
    vi.advanceTimersByTime(5 * 60 * 1000);
    vi.setSystemTime(Date.now() - HOUR);
    vi.advanceTimersByTime(10 * 60 * 1000 - 6000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(6000 + 5000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });

  it('activity after a jump restarts the count from the activity', () => {
    const target = new EventTarget();
    const onIdle = vi.fn();
    const stop = watchIdle(target, onIdle);
    vi.advanceTimersByTime(10 * 60 * 1000);
    vi.setSystemTime(Date.now() - HOUR);
    target.dispatchEvent(new Event('pointerdown'));
    vi.setSystemTime(Date.now() + 2 * HOUR);
    vi.advanceTimersByTime(14 * 60 * 1000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(60 * 1000 + 5000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    stop();
  });
});
