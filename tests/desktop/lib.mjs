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
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * Make WebKit paint once more. The app draws without GPU compositing (src-tauri/src/main.rs,
 * `render_in_software`); in that mode WebKitWebDriver's screenshot is taken at the next paint, and
 * a screen with nothing left to paint (no caret blinking, no animation) would keep it waiting
 * forever. A 1-pixel, almost transparent mark for half a second is that paint.
 */
export async function repaint(browser) {
  await browser.execute(() => {
    const mark = document.createElement('div');
    mark.setAttribute('aria-hidden', 'true');
    mark.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;opacity:0.01;pointer-events:none';
    document.body.append(mark);
    setTimeout(() => mark.remove(), 500);
  });
}

/** The screen as PNG bytes (base64), as WebDriver takes it. */
export async function screenshot(browser) {
  await repaint(browser);
  return browser.takeScreenshot();
}

async function saveShot(browser, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  try {
    writeFileSync(file, Buffer.from(await screenshot(browser), 'base64'));
  } catch (e) {
    console.error(`desktop-e2e: screenshot ${name}: ${e.message}`);
  }
  return file;
}

let shots = 0;
export const shotCount = () => shots;

// --- accessibility: axe-core (npm axe-core, pinned in package-lock.json) injected through the
// WebDriver session; a serious or critical violation on any screen fails the run -----------------
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Violations found, per screen (also written to <spec>-a11y.txt). */
export const a11yReport = [];

/** Run axe-core on the current screen; serious and critical violations become problems. */
export async function axeCheck(browser, name) {
  const loaded = await browser.execute(() => typeof window.axe !== 'undefined');
  if (!loaded) await browser.execute(`${AXE_SOURCE}\n;window.axe = window.axe || axe; return true;`);
  const found = await browser.executeAsync((done) => {
    window.axe
      .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })
      .then((r) => done([{ id: 'passes', impact: 'none', help: `${r.passes.length} rules passed, ${r.incomplete.length} need review`, nodes: [] }, ...r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))]))
      .catch((e) => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));
  });
  for (const v of found) {
    a11yReport.push(`${name}: [${v.impact}] ${v.id}: ${v.help} (${v.nodes.join(', ')})`);
    if (v.impact === 'serious' || v.impact === 'critical') problems.push(`a11y ${name}: [${v.impact}] ${v.id}: ${v.help} (${v.nodes.join(', ')})`);
  }
  return found;
}

// --- no English on kk and ru screens: a DOM text scan (visible text, aria-label, placeholder) ----
// Allowed: all-capitals tokens (failure codes, PIN, PUK, SMS, PDF, JSON, IIN-like acronyms), the
// product name "Face ID", and whatever the app marks translate="no" (proper names from
// certificates and readers, versions, addresses) or lang="en" (technical details for the helpdesk).
const ALLOWED_WORDS = new Set(['Face', 'ID']);
export const englishFound = [];

/** English words on the current screen (kk or ru), outside the allow-list. */
export async function englishWords(browser) {
  const words = await browser.execute(() => {
    const out = new Set();
    const add = (text) => {
      const clean = text
        .replace(/https?:\/\/\S+/g, ' ')
        .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, ' ')
        .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b/gi, ' ');
      for (const w of clean.match(/[A-Za-z][A-Za-z'’]*/g) ?? []) if (w.length > 1) out.add(w);
    };
    const skip = (el) => !!el.closest('[lang=en], [translate=no], code, pre, script, style, [data-lang], noscript');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || skip(el) || el.getClientRects().length === 0) continue;
      add(n.textContent ?? '');
    }
    for (const el of document.querySelectorAll('[aria-label], [placeholder], [title]')) {
      if (skip(el) || el.getClientRects().length === 0) continue;
      for (const a of ['aria-label', 'placeholder', 'title']) if (el.getAttribute(a)) add(el.getAttribute(a));
    }
    return [...out];
  });
  return words.filter((w) => !ALLOWED_WORDS.has(w) && !/^[A-Z0-9_]+$/.test(w));
}

/**
 * Screenshot the current screen in kk, ru and en (`<lang>-<name>.png`), checking in each that
 * text fits; the app is left in `keep` (default en) afterwards.
 */
export async function shots3(browser, name, keep = 'en', at = null) {
  let first = true;
  for (const lang of [...LANGS.filter((l) => l !== keep), keep]) {
    await click(browser, `[data-lang=${lang}]`);
    await browser.pause(150); // layout after the texts change
    // The part of the screen the shot is about (the language buttons are at the top).
    if (at) await browser.execute((s) => document.querySelector(s)?.scrollIntoView({ block: 'start' }), at);
    await saveShot(browser, `${lang}-${name}`);
    shots++;
    for (const b of await overflow(browser)) problems.push(`[${lang}] ${name}: ${b}`);
    if (lang !== 'en') {
      const en = await englishWords(browser);
      if (en.length) {
        englishFound.push(`[${lang}] ${name}: ${en.join(' ')}`);
        problems.push(`[${lang}] ${name}: English words on the screen: ${en.join(' ')}`);
      }
    }
    if (first) await axeCheck(browser, name);
    first = false;
  }
}

/**
 * Screenshot the current screen in the language it is in (`<lang>-<name>.png`), with the same
 * checks as shots3 but without touching the language switcher (for the keyboard-only run).
 */
export async function shotHere(browser, name) {
  const lang = await browser.execute(() => document.documentElement.lang);
  await saveShot(browser, `${lang}-${name}`);
  shots++;
  for (const b of await overflow(browser)) problems.push(`[${lang}] ${name}: ${b}`);
  if (lang !== 'en') {
    const en = await englishWords(browser);
    if (en.length) problems.push(`[${lang}] ${name}: English words on the screen: ${en.join(' ')}`);
  }
  await axeCheck(browser, name);
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

/** Whether `sel` is displayed now. */
export async function isShown(browser, sel) {
  return (await browser.$(sel)).isDisplayed().catch(() => false);
}

/**
 * Log in as the card's holder: (reader → certificate, when the app cannot choose alone) → PIN →
 * SMS code from the gateway's outbox (sent by the app at once when SMS is the only factor) →
 * consent on the first login. Screenshots of every login screen in the three languages.
 * A lone reader with a card and a lone authentication certificate are chosen by the app.
 */
export async function login(browser, iin, tag) {
  // The officer's own card is in the first virtual reader (a second person's token may sit in the
  // second one: then the reader is chosen by hand).
  const reader = '[data-reader="Virtual PCD 00 00"]:not([disabled])';
  await expectScreen(browser, `#login-pin, ${reader}`, 'login: PIN or reader');
  if (!(await isShown(browser, '#login-pin'))) {
    await shots3(browser, `${tag}01-login-reader`);
    await click(browser, reader);
    await expectScreen(browser, '#login-pin, [data-cert]', 'login: PIN or certificates');
    if (!(await isShown(browser, '#login-pin'))) {
      await shots3(browser, `${tag}02-login-certificate`);
      await click(browser, '[data-cert]');
    }
  }
  await expectScreen(browser, '#login-pin', 'login: PIN');
  const focused = await browser.execute(() => document.activeElement?.id ?? '');
  if (focused !== 'login-pin') problems.push(`login: focus is on "${focused}", not on the PIN field`);
  await type(browser, '#login-pin', PIN);
  await shots3(browser, `${tag}03-login-pin`);
  const before = lastSmsId(iin);
  await click(browser, '[data-action=sign-in]');
  // The factor chooser is shown only when the gateway offers more than the SMS code; with the SMS
  // code alone it is sent at once.
  await expectScreen(browser, '[data-factor=sms], [data-testid=sms-sent]', 'login: second factor');
  if (await isShown(browser, '[data-factor=sms]')) {
    await shots3(browser, `${tag}04-login-factor`);
    await click(browser, '[data-factor=sms]');
    await click(browser, '[data-action=sms-send]');
  }
  await expectScreen(browser, '[data-testid=sms-sent]', 'login: SMS sent');
  const code = await smsCode(iin, before);
  await type(browser, '#sms-code', code);
  await shots3(browser, `${tag}05-login-sms`);
  await click(browser, '[data-action=sms-verify]');
  // First login: the consent is signed on the card; later logins go straight home.
  await expectScreen(browser, '[data-action=consent-agree], [data-nav=home]', 'login: consent or home');
  if (await isShown(browser, '[data-action=consent-agree]')) {
    await shots3(browser, `${tag}06-login-consent`);
    await check(browser, '[data-action=consent-agree]');
    await type(browser, '#consent-pin', PIN);
    await click(browser, '[data-action=consent-sign]');
  }
  await expectScreen(browser, '[data-nav=home]', 'login: home');
}

/** Write the problems list (if any) next to the screenshots and fail on them. */
export function finish(spec) {
  writeFileSync(path.join(ARTIFACTS, `${spec}-a11y.txt`), a11yReport.join('\n') + (a11yReport.length ? '\n' : ''));
  const file = path.join(ARTIFACTS, `${spec}-problems.txt`);
  writeFileSync(file, problems.join('\n') + (problems.length ? '\n' : ''));
  for (const p of problems) console.error(`desktop-e2e: ${spec}: ${p}`);
  console.log(`desktop-e2e: ${spec}: ${shots} screenshots in ${ARTIFACTS}, ${problems.length} problems`);
  return problems.length === 0;
}
