// Idle lock: after IDLE_MS without keyboard or pointer activity the session is locked.

/** 15 minutes (rule: session lock after 15 minutes idle). */
export const IDLE_MS = 15 * 60 * 1000;

/** Watch activity on `target`; call `onIdle` once the user has been idle for `ms`. Returns stop. */
export function watchIdle(target: EventTarget, onIdle: () => void, ms: number = IDLE_MS, now: () => number = Date.now): () => void {
  let last = now();
  let fired = false;
  const bump = () => {
    last = now();
    fired = false;
  };
  const events = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'];
  for (const e of events) target.addEventListener(e, bump, { passive: true });
  const timer = setInterval(() => {
    if (!fired && now() - last >= ms) {
      fired = true;
      onIdle();
    }
  }, Math.min(ms, 5000));
  return () => {
    clearInterval(timer);
    for (const e of events) target.removeEventListener(e, bump);
  };
}
