// A card inserted right after the app starts is seen (scripts/bench-desktop.sh runs it under Xvfb
// with tauri-driver, holding /tmp/sio-card.lock, the virtual card stopped): issue 21 moved work
// after the first paint, and the card watch must not miss an insertion in the first second.
// For each delay, the card is stopped, the app is started through WebDriver, and `card-up` starts
// the virtual card that many ms after the session was asked for (the card reaches pcscd some
// hundred ms later: before, during and after the login screen's first calls). Passes when the
// login screen goes on by itself to the card (the certificates or the PIN), or shows the reader
// with its card, within 30 s. Prints one JSON line: {runs: [{delay_ms, seen_ms, shown}]}; exits 1
// when a run missed the card.
import { spawn, spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { remote } from 'webdriverio';

const { values: opt } = parseArgs({
  options: {
    app: { type: 'string' },
    delays: { type: 'string', default: '0,300,700,1500' },
  },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const app = realpathSync(opt.app);
const port = Number(process.env.SIO_E2E_DRIVER_PORT);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SEEN = '[data-cert], #login-pin, [data-reader]:not([disabled])';

function cardDown() {
  const r = spawnSync('bash', [`${root}/scripts/card-down.sh`], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('card-down failed');
}

const runs = [];
let missed = 0;
for (const delay of opt.delays.split(',').map(Number)) {
  cardDown();
  await sleep(500);
  const t0 = Date.now();
  let up;
  const starter = sleep(delay).then(() => {
    up = spawn('bash', [`${root}/scripts/card-up.sh`], { stdio: ['ignore', 'ignore', 'inherit'] });
    return new Promise((r) => up.on('exit', (code) => r(code)));
  });
  const browser = await remote({
    hostname: '127.0.0.1',
    port,
    path: '/',
    logLevel: 'error',
    capabilities: { 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: app } },
  });
  try {
    let shown = null;
    while (Date.now() - t0 < 30000 && !shown) {
      shown = await browser.execute((s) => {
        // The card itself on the screen, or the login screen's spoken "card inserted" notice.
        const el = document.querySelector(s) ?? [...document.querySelectorAll('.login [aria-live=polite]')].find((e) => e.textContent.trim());
        return el ? el.outerHTML.slice(0, 100) : null;
      }, SEEN);
      if (!shown) await sleep(50);
    }
    const code = await starter;
    if (code !== 0) throw new Error(`card-up exited with ${code}`);
    runs.push({ delay_ms: delay, seen_ms: shown ? Date.now() - t0 : null, shown });
    if (!shown) missed++;
  } finally {
    await browser.deleteSession().catch(() => {});
  }
  await sleep(500);
}
console.log(JSON.stringify({ runs }));
process.exit(missed ? 1 : 0);
