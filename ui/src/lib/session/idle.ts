// Idle lock: after IDLE_MS without keyboard or pointer activity the session is locked.

/** 15 minutes (rule: session lock after 15 minutes idle). */
export const IDLE_MS = 15 * 60 * 1000;

/** The countdown before the idle lock is shown for this long. */
export const IDLE_WARN_MS = 60 * 1000;

/**
 * Elapsed time, from a clock that only moves forward at the rate of real time
 * (`performance.now()`): the idle lock measures how long the user has been away, so a jump of
 * the wall clock (NTP correcting it, the officer setting it an hour back or ahead, a time-zone
 * change) neither locks the session at once nor keeps it open past 15 minutes.
 */
export const monotonicNow = (): number => performance.now();

/**
 * Watch activity on `target`; call `onIdle` once the user has been idle for `ms` (measured by
 * `now`, a monotonic clock; the wall clock is for display only). Returns stop.
 * With `onWarn`, it is called every second of the last `warnMs` with the milliseconds left, and
 * with null when activity resumes (the shell shows a visible countdown).
 */
export function watchIdle(
  target: EventTarget,
  onIdle: () => void,
  ms: number = IDLE_MS,
  now: () => number = monotonicNow,
  onWarn?: (leftMs: number | null) => void,
  warnMs: number = IDLE_WARN_MS,
): () => void {
  let last = now();
  let fired = false;
  let warned = false;
  const bump = () => {
    last = now();
    fired = false;
    if (warned) {
      warned = false;
      onWarn?.(null);
    }
  };
  const events = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'];
  for (const e of events) target.addEventListener(e, bump, { passive: true });
  const timer = setInterval(() => {
    const idle = now() - last;
    if (!fired && idle >= ms) {
      fired = true;
      if (warned) {
        warned = false;
        onWarn?.(null);
      }
      onIdle();
    } else if (!fired && onWarn && idle >= ms - warnMs) {
      warned = true;
      onWarn(ms - idle);
    }
  }, onWarn ? 1000 : Math.min(ms, 5000));
  return () => {
    clearInterval(timer);
    for (const e of events) target.removeEventListener(e, bump);
  };
}
