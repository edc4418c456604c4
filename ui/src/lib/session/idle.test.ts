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
