// Start-up benchmark (scripts/bench-desktop.sh runs it under Xvfb with tauri-driver): launches
// the app `--runs` times through WebKitWebDriver and measures, per run,
//   spawn     the app process's start (from /proc/<pid>/stat, 10 ms ticks) — the origin;
//   page      the web page's navigation start (performance.timeOrigin) after the spawn;
//   ready     the first frame painted with `--marker` in the DOM (polled over WebDriver every
//             ~10 ms, then two requestAnimationFrame callbacks: the frame that shows it is drawn).
//   trace     where the page's time went, in ms after its navigation start: the document's
//             responseEnd, domInteractive and DOMContentLoaded, the scripts and styles loaded, the
//             app's performance marks (`sio:*`), and the painted frame.
// Prints one JSON line: {label, runs: [{page_ms, ready_ms, trace}], median_ready_ms, first_ready_ms}.
// The WebDriver session adds its own work to the app's start (automation mode), so the figures
// are an upper bound of a plain start.
import { readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { remote } from 'webdriverio';

const { values: opt } = parseArgs({
  options: {
    app: { type: 'string' },
    marker: { type: 'string' },
    label: { type: 'string', default: 'app' },
    runs: { type: 'string', default: '5' },
  },
});
const app = realpathSync(opt.app);
const port = Number(process.env.SIO_E2E_DRIVER_PORT);
const HZ = 100; // USER_HZ on Linux
const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))[1]);

/** Epoch ms at which process `pid` started. */
function startedAt(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return btime * 1000 + (Number(fields[19]) * 1000) / HZ;
}

/** Processes running the app binary. */
function appPids() {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/exe`) === app) out.push(Number(d));
    } catch {
      // gone or not ours
    }
  }
  return out;
}

const runs = [];
for (let i = 0; i < Number(opt.runs); i++) {
  const before = new Set(appPids());
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    path: '/',
    logLevel: 'error',
    capabilities: { 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: app } },
  });
  try {
    const deadline = Date.now() + 30000;
    while (!(await browser.execute((m) => !!document.querySelector(m), opt.marker))) {
      if (Date.now() > deadline) throw new Error(`${opt.label}: ${opt.marker} not shown within 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const page = await browser.executeAsync((done) =>
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          // Where the page's time went (ms after its navigation start): the document, the
          // scripts, the app's own marks (ui/src/App.svelte: `sio:init` when the shell is
          // created, i.e. the first bundle is parsed and run; `sio:settings` when its first
          // calls answered).
          const nav = performance.getEntriesByType('navigation')[0];
          const marks = Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, Math.round(m.startTime)]));
          const scripts = performance
            .getEntriesByType('resource')
            .filter((r) => /\.(m?js|css)$/.test(r.name))
            .map((r) => ({ name: r.name.replace(/^.*\//, ''), start: Math.round(r.startTime), end: Math.round(r.responseEnd) }));
          done({
            ready: Date.now(),
            origin: performance.timeOrigin,
            trace: {
              response_end: nav ? Math.round(nav.responseEnd) : null,
              dom_interactive: nav ? Math.round(nav.domInteractive) : null,
              dom_content_loaded: nav ? Math.round(nav.domContentLoadedEventEnd) : null,
              marks,
              scripts,
              painted: Math.round(performance.now()),
            },
          });
        }),
      ),
    );
    const pid = appPids().find((p) => !before.has(p));
    if (!pid) throw new Error(`${opt.label}: the app process was not found`);
    const spawn = startedAt(pid);
    runs.push({ page_ms: Math.round(page.origin - spawn), ready_ms: Math.round(page.ready - spawn), trace: page.trace });
  } finally {
    await browser.deleteSession().catch(() => {});
  }
  await new Promise((r) => setTimeout(r, 500));
}
const sorted = runs.map((r) => r.ready_ms).sort((a, b) => a - b);
console.log(JSON.stringify({ label: opt.label, runs, first_ready_ms: runs[0].ready_ms, median_ready_ms: sorted[Math.floor(sorted.length / 2)] }));
