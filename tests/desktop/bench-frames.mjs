// Start-up benchmark without WebDriver (scripts/bench-desktop.sh runs it under Xvfb): starts the
// app directly `--runs` times and captures the X screen (`xwd -root`) back to back, ~60 ms a frame,
// for `--settle` ms. The screen the app settles on (the frames of its last second) is the
// interactive login screen (for the bare window: its page); the start time is the first capture
// showing it, counted from the spawn: the midpoint between the previous capture's start and this
// capture's end, so the figure is ± half a capture. Prints one JSON line:
// {label, runs: [{ready_ms, lo_ms, hi_ms, visible_ms, frames}], first_ready_ms, median_ready_ms}
// (visible_ms: the first capture showing anything of the window, i.e. the window mapped).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    app: { type: 'string' },
    label: { type: 'string', default: 'app' },
    runs: { type: 'string', default: '5' },
    settle: { type: 'string', default: '4000' },
    save: { type: 'string' }, // write the settled frame (xwd) here, to look at
  },
});
const settle = Number(opt.settle);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function capture() {
  let start = performance.now();
  let r = spawnSync('xwd', ['-root', '-silent'], { maxBuffer: 64 << 20 });
  // A window that goes away while xwd walks the tree (the last run's, closing) fails the capture
  // with BadWindow: take it again.
  for (let retry = 0; r.status !== 0 && retry < 5; retry++) {
    start = performance.now();
    r = spawnSync('xwd', ['-root', '-silent'], { maxBuffer: 64 << 20 });
  }
  if (r.status !== 0) throw new Error(`xwd: ${r.stderr}`);
  return { start, end: performance.now(), hash: createHash('sha1').update(r.stdout).digest('hex'), raw: r.stdout };
}

const blank = capture().hash;
const runs = [];
for (let i = 0; i < Number(opt.runs); i++) {
  const t0 = performance.now();
  const child = spawn(opt.app, [], { stdio: 'ignore', detached: true });
  const frames = [];
  while (performance.now() - t0 < settle) frames.push(capture());
  const last = frames.at(-1);
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  await sleep(1000);
  if (last.hash === blank) throw new Error(`${opt.label}: nothing on the screen after ${settle} ms`);
  const settled = new Set(frames.filter((f) => f.start >= last.start - 1000).map((f) => f.hash));
  const k = frames.findIndex((f) => settled.has(f.hash));
  const lo = k > 0 ? frames[k - 1].start - t0 : 0;
  const hi = frames[k].end - t0;
  // The first capture with anything of the window on it (the empty screen before: blank).
  const v = frames.findIndex((f) => f.hash !== blank);
  const vlo = v > 0 ? frames[v - 1].start - t0 : 0;
  const vhi = frames[v].end - t0;
  runs.push({
    ready_ms: Math.round((lo + hi) / 2),
    lo_ms: Math.round(lo),
    hi_ms: Math.round(hi),
    visible_ms: Math.round((vlo + vhi) / 2),
    frames: frames.length,
  });
  if (opt.save && i === 0) writeFileSync(opt.save, last.raw);
}
const sorted = runs.map((r) => r.ready_ms).sort((a, b) => a - b);
console.log(JSON.stringify({ label: opt.label, runs, first_ready_ms: runs[0].ready_ms, median_ready_ms: sorted[Math.floor(sorted.length / 2)] }));
