// Shared helpers of the desktop end-to-end specs: one WebDriver session per spec (tauri-driver
// starts the app under WebKitWebDriver), screenshots of a screen in kk, ru and en (switched at
// run time with the header's language buttons), a check that text fits, and the SMS code read
// from the reference gateway's outbox with `sio gateway admin`.
//
// Environment (set by scripts/desktop-e2e.sh):
//   SIO_E2E_APP           the app binary (debug build)
//   SIO_E2E_DRIVER_PORT   tauri-driver's port on 127.0.0.1
//   SIO_E2E_SIO           the `sio` binary
//   SIO_E2E_GATEWAY_DATA  the gateway's data directory (SMS outbox)
//   SIO_E2E_ARTIFACTS     where screenshots go (default tests/desktop/artifacts)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { remote } from 'webdriverio';

const here = path.dirname(fileURLToPath(import.meta.url));

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/desktop-e2e.sh)`);
  return v;
}

export const PIN = '123456';
export const LANGS = ['kk', 'ru', 'en'];
export const ARTIFACTS = process.env.SIO_E2E_ARTIFACTS ?? path.join(here, 'artifacts');
/** Default wait for a screen to appear; card operations on the virtual card take ~2 s each. */
export const WAIT = Number(process.env.SIO_E2E_WAIT_MS ?? 60000);

/** Problems found on the way (text that does not fit, page errors); reported at the end. */
export const problems = [];

/** Start the app through tauri-driver; returns the WebdriverIO browser. */
export async function startApp() {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await remote({
    hostname: '127.0.0.1',
    port: Number(need('SIO_E2E_DRIVER_PORT')),
    path: '/',
    logLevel: process.env.SIO_E2E_WDIO_LOG ?? 'error',
    connectionRetryTimeout: 120000,
    connectionRetryCount: 1,
    capabilities: {
      'wdio:enforceWebDriverClassic': true,
      'tauri:options': { application: need('SIO_E2E_APP') },
    },
  });
  await browser.setTimeout({ implicit: 0, pageLoad: 60000, script: 30000 });
  return browser;
}

/** Wait for `sel` to be displayed; returns the element. */
export async function shown(browser, sel, timeout = WAIT) {
  const el = await browser.$(sel);
  await el.waitForDisplayed({ timeout, timeoutMsg: `not shown within ${timeout} ms: ${sel}` });
  return el;
}

/** Click `sel` once it is displayed and enabled. */
export async function click(browser, sel, timeout = WAIT) {
  const el = await shown(browser, sel, timeout);
  await el.waitForEnabled({ timeout, timeoutMsg: `not enabled within ${timeout} ms: ${sel}` });
  await el.scrollIntoView({ block: 'center' });
  await el.click();
  return el;
}

/** Type `value` into the field `sel` (cleared first), as a user would. */
export async function type(browser, sel, value) {
  const el = await shown(browser, sel);
  await el.scrollIntoView({ block: 'center' });
  await el.clearValue();
  await el.addValue(value);
  return el;
}

/** Set a field's value the way the browser does after a user's edit (for date/time inputs). */
export async function setField(browser, sel, value) {
  await shown(browser, sel);
  await browser.execute(
    (s, v) => {
      const el = document.querySelector(s);
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    },
    sel,
    value,
  );
}

/** Tick a checkbox if it is not ticked. */
export async function check(browser, sel) {
  const el = await shown(browser, sel);
  if (!(await el.isSelected())) {
    await el.scrollIntoView({ block: 'center' });
    await el.click();
  }
}

/** The error box's code, if one is shown. */
export async function errorCode(browser) {
  return browser.execute(() => document.querySelector('[role=alert][data-code]')?.getAttribute('data-code') ?? null);
}

/** Wait for `sel`, failing early with the error code if the UI shows an error instead. */
export async function expectScreen(browser, sel, what, timeout = WAIT) {
  const start = Date.now();
  // An error already on the screen (from an earlier step) does not count.
  const earlier = await browser.$('[role=alert][data-code]');
  const stale = (await earlier.isExisting()) ? earlier.elementId : null;
  for (;;) {
    if (await (await browser.$(sel)).isDisplayed().catch(() => false)) return;
    const now = await browser.$('[role=alert][data-code]');
    const code = (await now.isExisting()) && now.elementId !== stale ? await errorCode(browser).catch(() => null) : null;
    if (code) {
      const text = await browser.execute(() => document.querySelector('[role=alert][data-code]')?.textContent?.trim() ?? '');
      await saveShot(browser, `FAILED-${what}`);
      throw new Error(`${what}: the app shows error ${code}: ${text}`);
    }
    if (Date.now() - start > timeout) {
      await saveShot(browser, `FAILED-${what}`);
      throw new Error(`${what}: ${sel} not shown within ${timeout} ms`);
    }
    await browser.pause(150);
  }
}

/** Elements whose text does not fit (the same check as the browser smoke test). */
async function overflow(browser) {
  return browser.execute(() => {
    const bad = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) bad.push(`page scrolls horizontally (${document.documentElement.scrollWidth} > ${window.innerWidth})`);
    for (const el of document.querySelectorAll('button, label, h1, h2, h3, p, legend, th, td, span, strong, li, a, dt, dd')) {
      const cs = getComputedStyle(el);
      if (cs.display === 'inline' || cs.overflowX !== 'visible') continue;
      if (el.closest('.scroll, pre, .visually-hidden')) continue;
      if (el.offsetParent === null) continue;
      if (el.scrollWidth > el.clientWidth + 1) bad.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" ${el.scrollWidth}>${el.clientWidth}`);
    }
    return bad;
  });
}

async function saveShot(browser, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  try {
    writeFileSync(file, Buffer.from(await browser.takeScreenshot(), 'base64'));
  } catch (e) {
    console.error(`desktop-e2e: screenshot ${name}: ${e.message}`);
  }
  return file;
}

let shots = 0;
export const shotCount = () => shots;

/**
 * Screenshot the current screen in kk, ru and en (`<lang>-<name>.png`), checking in each that
 * text fits; the app is left in `keep` (default en) afterwards.
 */
export async function shots3(browser, name, keep = 'en') {
  for (const lang of [...LANGS.filter((l) => l !== keep), keep]) {
    await click(browser, `[data-lang=${lang}]`);
    await browser.pause(150); // layout after the texts change
    await saveShot(browser, `${lang}-${name}`);
    shots++;
    for (const b of await overflow(browser)) problems.push(`[${lang}] ${name}: ${b}`);
  }
}

/** The SMS outbox of the gateway (`sio gateway admin sms-outbox`). */
function smsOutbox() {
  const out = execFileSync(need('SIO_E2E_SIO'), ['gateway', 'admin', '--data', need('SIO_E2E_GATEWAY_DATA'), 'sms-outbox'], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** The highest SMS id for `iin` so far (0 if none). */
export function lastSmsId(iin) {
  return Math.max(0, ...smsOutbox().filter((m) => m.iin === iin).map((m) => Number(m.id)));
}

/** Wait for an SMS to `iin` newer than `afterId`; returns its 6-digit code. */
export async function smsCode(iin, afterId, timeout = 30000) {
  const start = Date.now();
  for (;;) {
    const fresh = smsOutbox().filter((m) => m.iin === iin && Number(m.id) > afterId);
    if (fresh.length) {
      const m = fresh.reduce((a, b) => (Number(b.id) > Number(a.id) ? b : a));
      const code = /(\d{6})/.exec(m.text)?.[1];
      if (code) return code;
    }
    if (Date.now() - start > timeout) throw new Error(`no SMS code for ${iin} within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Log in as the card's holder: reader → certificate → PIN → SMS code from the gateway's outbox →
 * consent on the first login. Screenshots of every login screen in the three languages.
 */
export async function login(browser, iin, tag) {
  // The officer's own card is in the first virtual reader (a second person's token may sit in the
  // second one).
  const reader = '[data-reader="Virtual PCD 00 00"]:not([disabled])';
  await expectScreen(browser, reader, 'login: reader with the card');
  await shots3(browser, `${tag}01-login-reader`);
  await click(browser, reader);
  await expectScreen(browser, '[data-cert]', 'login: certificates');
  await shots3(browser, `${tag}02-login-certificate`);
  await click(browser, '[data-cert]');
  await type(browser, '#login-pin', PIN);
  await shots3(browser, `${tag}03-login-pin`);
  const before = lastSmsId(iin);
  await click(browser, '[data-action=sign-in]');
  // The factor chooser is shown only when the gateway offers more than the SMS code.
  await expectScreen(browser, '[data-factor=sms], [data-action=sms-send]', 'login: second factor');
  if (await (await browser.$('[data-factor=sms]')).isDisplayed().catch(() => false)) {
    await shots3(browser, `${tag}04-login-factor`);
    await click(browser, '[data-factor=sms]');
  } else {
    await shots3(browser, `${tag}04-login-sms-send`);
  }
  await click(browser, '[data-action=sms-send]');
  await expectScreen(browser, '[data-testid=sms-sent]', 'login: SMS sent');
  const code = await smsCode(iin, before);
  await type(browser, '#sms-code', code);
  await shots3(browser, `${tag}05-login-sms`);
  await click(browser, '[data-action=sms-verify]');
  // First login: the consent is signed on the card; later logins go straight home.
  await expectScreen(browser, '[data-action=consent-agree], [data-nav=home]', 'login: consent or home');
  if (await (await browser.$('[data-action=consent-agree]')).isDisplayed().catch(() => false)) {
    await shots3(browser, `${tag}06-login-consent`);
    await check(browser, '[data-action=consent-agree]');
    await type(browser, '#consent-pin', PIN);
    await click(browser, '[data-action=consent-sign]');
  }
  await expectScreen(browser, '[data-nav=home]', 'login: home');
}

/** Write the problems list (if any) next to the screenshots and fail on them. */
export function finish(spec) {
  const file = path.join(ARTIFACTS, `${spec}-problems.txt`);
  writeFileSync(file, problems.join('\n') + (problems.length ? '\n' : ''));
  for (const p of problems) console.error(`desktop-e2e: ${spec}: ${p}`);
  console.log(`desktop-e2e: ${spec}: ${shots} screenshots in ${ARTIFACTS}, ${problems.length} problems`);
  return problems.length === 0;
}
