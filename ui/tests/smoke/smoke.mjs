// Browser smoke test: serves the built UI (ui/dist) with `vite preview` on 127.0.0.1, drives it
// with Debian's chromium through playwright-core against the in-test fake harness, in kk, ru and
// en, and saves a screenshot of every screen to ui/test-artifacts/. Fails on page errors, CSP
// violations, or text that overflows its box.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { startHarness } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(root, 'test-artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

await mkdir(out, { recursive: true });
const server = await preview({ root, preview: { host: '127.0.0.1', port: 4173, strictPort: false }, logLevel: 'warn' });
const base = server.resolvedUrls.local[0].replace(/\/$/, '');
const harness = await startHarness();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});

const problems = [];
let shots = 0;

/** Elements whose text does not fit (horizontal overflow with visible overflow), and page-wide horizontal scroll. */
async function overflow(page) {
  return page.evaluate(() => {
    const bad = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) bad.push(`page scrolls horizontally (${document.documentElement.scrollWidth} > ${window.innerWidth})`);
    for (const el of document.querySelectorAll('button, label, h1, h2, h3, p, legend, th, td, span, strong, li, a, dt, dd')) {
      const cs = getComputedStyle(el);
      if (cs.display === 'inline' || cs.overflowX !== 'visible') continue;
      if (el.closest('.scroll, pre, .visually-hidden')) continue;
      if (el.scrollWidth > el.clientWidth + 1) bad.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" ${el.scrollWidth}>${el.clientWidth}`);
    }
    return bad;
  });
}

async function shot(page, lang, name) {
  await page.waitForTimeout(80);
  const file = path.join(out, `${lang}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots++;
  for (const b of await overflow(page)) problems.push(`[${lang}] ${name}: ${b}`);
}

const LOCALE = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

/** One pass through every screen. `scaled`: 150 % root font size in a 1024 px window (text that scales). */
async function run(lang, scaled = false) {
  // The scaled pass: the gateway offers the SMS code alone (sent at once, no chooser).
  harness.reset(scaled ? ['sms'] : undefined);
  const ctx = await browser.newContext({ viewport: scaled ? { width: 1024, height: 768 } : { width: 1280, height: 860 }, locale: LOCALE[lang] });
  const page = await ctx.newPage();
  if (scaled) await page.addInitScript(() => document.addEventListener('DOMContentLoaded', () => { document.documentElement.style.fontSize = '150%'; }));
  const tag = scaled ? `${lang}-scaled` : lang;
  page.on('pageerror', (e) => problems.push(`[${tag}] page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|503)/.test(m.text())) problems.push(`[${tag}] console: ${m.text()}`);
  });
  await page.clock.install();
  await page.goto(`${base}/?api=${encodeURIComponent(harness.url)}&lang=${lang}`);

  // Login: reader list without a card, then live insertion.
  await page.waitForSelector('[data-reader]');
  // Keyboard: the first Tab reaches the skip link, and focus is visible.
  await page.keyboard.press('Tab');
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    const cs = el ? getComputedStyle(el) : null;
    return { cls: el?.className ?? '', outline: cs ? `${cs.outlineStyle} ${cs.outlineWidth}` : '' };
  });
  if (!String(focus.cls).includes('skip') || focus.outline.startsWith('none')) problems.push(`[${tag}] first Tab: ${JSON.stringify(focus)}`);
  await shot(page, tag, '01-login-reader');
  harness.insertCard();
  // A lone reader with a card and a lone authentication certificate are chosen without asking:
  // the PIN field comes up with focus on it.
  await page.locator('#login-pin').waitFor();
  const focusedId = async () => page.evaluate(() => document.activeElement?.id ?? '');
  await page.waitForFunction(() => document.activeElement?.id === 'login-pin', null, { timeout: 3000 }).catch(() => {});
  if ((await focusedId()) !== 'login-pin') problems.push(`[${tag}] after insertion focus is on "${await focusedId()}", not the PIN field`);
  // "Back" shows the certificates by hand (both of the card; the chosen one marked).
  await page.locator('.login .card > p > button').click();
  await page.locator('[data-cert="auth-1"]').waitFor();
  const certIds = await page.locator('[data-cert]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cert')));
  if (!certIds.includes('auth-1')) problems.push(`[${tag}] certificates by hand: ${certIds}`);
  await shot(page, tag, '02-login-certificate');
  await page.locator('[data-cert="auth-1"]').click();
  await page.locator('#login-pin').waitFor();

  // PIN: a wrong one first (tries left + error with what to do), then the right one, by keyboard.
  await page.locator('#login-pin').fill('000000');
  await page.keyboard.press('Enter');
  await page.locator('[role=alert][data-code="TOKEN_WRONG_PIN"]').waitFor();
  const tries = await page.locator('[data-testid=tries-left]').textContent();
  if (!tries.includes('2')) problems.push(`[${tag}] tries left not shown: ${tries}`);
  await shot(page, tag, '03-login-pin-error');
  await page.locator('#login-pin').fill('123456');
  await page.keyboard.press('Enter');

  // Second factor. With several factors offered the officer chooses (SMS); with the SMS code as
  // the only factor (the scaled pass) it is sent at once. Either way focus lands on the code field.
  if (harness.factors.length > 1) {
    await page.locator('[data-factor=sms]').waitFor();
    await shot(page, tag, '04-login-factor');
    if (harness.smsRequests !== 0) problems.push(`[${tag}] SMS code sent before SMS was chosen`);
    await page.locator('[data-factor=sms]').click();
    await page.locator('[data-action=sms-send]').click();
  }
  await page.locator('[data-testid=sms-sent]').waitFor();
  if (harness.smsRequests !== 1) problems.push(`[${tag}] SMS code requested ${harness.smsRequests} times`);
  await page.waitForFunction(() => document.activeElement?.id === 'sms-code', null, { timeout: 3000 }).catch(() => {});
  if ((await focusedId()) !== 'sms-code') problems.push(`[${tag}] SMS sent: focus is on "${await focusedId()}", not the code field`);
  await page.locator('#sms-code').fill('123456');
  await shot(page, tag, '05-login-sms');
  await page.locator('[data-action=sms-verify]').click();

  // First-login consent.
  await page.locator('[data-action=consent-agree]').waitFor();
  await shot(page, tag, '06-login-consent');
  await page.locator('[data-action=consent-agree]').check();
  await page.locator('#consent-pin').fill('123456');
  await page.locator('[data-action=consent-sign]').click();

  // Home.
  await page.locator('[data-tile=compose]').waitFor();
  await shot(page, tag, '07-home');

  // Composer: role 3 (investigator), criminal, service 38 needs an article.
  await page.locator('[data-tile=compose]').click();
  await page.locator('[data-basis]').first().waitFor(); // the composer is loaded on first use
  const bases = await page.locator('[data-basis]').evaluateAll((els) => els.map((e) => e.getAttribute('data-basis')));
  if (bases.join() !== 'criminal,admin_offence') problems.push(`[${tag}] role 3 bases: ${bases}`);
  await page.locator('[data-basis=criminal]').check();
  // Service search: typing filters the list (the count follows); Enter takes the first match and
  // moves on to the case.
  const search = page.locator('[data-testid=service-search]');
  const all = await page.locator('[data-testid=service] option:not([disabled])').count();
  await search.fill('38');
  const found = await page.locator('[data-testid=service] option:not([disabled])').count();
  if (!(found >= 1 && found < all)) problems.push(`[${tag}] service search "38": ${found} of ${all} shown`);
  await search.press('Enter');
  await page.locator('[data-mark=articles]').waitFor();
  const chosen = (await page.locator('[data-testid=chosen-service]').textContent()).trim();
  if (!chosen.startsWith('38.')) problems.push(`[${tag}] the search chose "${chosen}", not service 38`);
  if ((await focusedId()) !== 'case-erdr') problems.push(`[${tag}] after the search, focus is on "${await focusedId()}", not the ERDR field`);
  await page.locator('#case-erdr').fill('2415000310001');
  await page.locator('#case-erdr').blur();
  await page.locator('#article-no').fill('210');
  await page.locator('#subject-id').fill('900101300107');
  await page.locator('#subject-id').blur();
  await shot(page, tag, '08-composer-invalid');
  await page.locator('#case-erdr').fill('241500031000123');
  await page.locator('#article-no').fill('218');
  await page.locator('#subject-id').fill('900101300106');
  await page.locator('[data-action=preview]').click();
  // The preview: a table, focus on the document, the signer's certificate and the PIN tries; the
  // JSON only behind its toggle.
  await page.locator('[data-testid=preview-table]').waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'preview-h', null, { timeout: 3000 }).catch(() => {});
  if ((await focusedId()) !== 'preview-h') problems.push(`[${tag}] after the preview, focus is on "${await focusedId()}", not the document`);
  await page.locator('[data-testid=signer-name]').waitFor();
  await page.locator('[data-testid=sign-tries-left]').waitFor();
  if (await page.locator('[data-testid=preview-json]').count()) problems.push(`[${tag}] the JSON is shown before its toggle`);
  await shot(page, tag, '09-composer-preview');
  await page.locator('[data-action=preview-json]').click();
  const json = await page.locator('[data-testid=preview-json]').textContent();
  if (!json.includes('sio.request/v1')) problems.push(`[${tag}] the JSON toggle shows: ${json.slice(0, 60)}`);
  await shot(page, tag, '09b-composer-preview-json');
  await page.locator('[data-action=preview-json]').click();
  await page.locator('#send-pin').fill('123456');
  await page.locator('[data-action=send]').click();

  // Sending shows its phases and ends with "sent"; the case and the subject stay.
  await page.locator('[data-testid=send-status][data-phase=sent]').waitFor();
  if ((await page.locator('#case-erdr').inputValue()) !== '241500031000123') problems.push(`[${tag}] the case was not kept after sending`);
  if ((await page.locator('#subject-id').inputValue()) !== '900101300106') problems.push(`[${tag}] the subject was not kept after sending`);
  await page.locator('[data-testid=ready-count]').waitFor();
  await shot(page, tag, '09c-composer-sent');
  // The service just used comes first next time.
  const firstOpt = await page.locator('[data-testid=service] optgroup').first().locator('option').first().getAttribute('value');
  if (firstOpt !== '38') problems.push(`[${tag}] recent services: first is ${firstOpt}, not 38`);

  // Outbox: statuses arrive as events; the new row is highlighted.
  await page.locator('[data-action=to-outbox]').click();
  await page.locator('[data-status=result_ready]').waitFor();
  await page.locator('[data-testid=just-sent]').waitFor();
  await shot(page, tag, '10-outbox');
  await page.locator('button.open').first().click();

  // Result: table, PDF (pdf.js from the bundle), shred.
  await page.locator('table').waitFor();
  await shot(page, tag, '11-result-table');
  await page.locator('[data-action=tab-pdf]').click();
  await page.locator('[data-testid=pdf-canvas][data-rendered="1"], .pdf .notice').first().waitFor();
  if (await page.locator('.pdf .notice').count()) problems.push(`[${tag}] pdf: ${await page.locator('.pdf .notice').textContent()}`);
  await shot(page, tag, '12-result-pdf');
  // Leaving an open result asks first (attach / destroy and leave / stay); "stay" keeps it.
  await page.locator('[data-nav=home]').click();
  await page.locator('[data-testid=leave-dialog]').waitFor();
  await page.locator('[data-action=leave-export]').waitFor();
  await page.locator('[data-action=leave-destroy]').waitFor();
  await shot(page, tag, '12a-leave-dialog');
  await page.locator('[data-action=leave-stay]').click();
  await page.locator('[data-action=close-result]').waitFor();
  if (await page.locator('[data-testid=leave-dialog]').count()) problems.push(`[${tag}] the leave dialog stayed after "stay"`);
  // Export to case materials (signed, logged); the case is pre-filled from the request.
  await page.locator('[data-action=export]').click();
  if ((await page.locator('#export-case').inputValue()) !== '241500031000123') problems.push(`[${tag}] the export form did not pre-fill the case`);
  await page.locator('#export-reason').fill('Приобщение к материалам уголовного дела');
  await page.locator('#export-pin').fill('123456');
  await shot(page, tag, '12b-export');
  await page.locator('#export-pin').press('Enter');
  await page.locator('[data-testid=exported]').waitFor();
  await page.locator('[data-action=close-result]').click();
  await shot(page, tag, '13-shred-confirm');
  await page.locator('[data-action=shred-confirm]').click();
  await page.locator('[data-testid=shredded]').waitFor();
  await shot(page, tag, '14-shredded');
  // The viewing time runs out while a result is open: the app destroys it (`result_expired`),
  // the screen is left for the requests list and the officer is told when.
  await page.locator('[data-action=back-to-outbox]').click();
  await page.locator('button.open').first().click();
  await page.locator('[data-action=close-result]').waitFor();
  harness.expireResult();
  await page.locator('[data-testid=result-lost] [data-cause=expired]').waitFor();
  if (await page.locator('[data-action=close-result]').count()) problems.push(`[${tag}] the expired result is still on the screen`);
  await shot(page, tag, '14b-result-expired');
  await page.locator('[data-action=result-lost-ok]').click();

  // HR, reports, diagnosis, settings, about.
  await page.locator('[data-nav=hr]').click();
  await page.locator('[data-testid=deadline]').first().waitFor();
  await shot(page, tag, '15-hr');
  // File the user's own blocking after a long absence (consent §11.2; signed by the user alone:
  // the mock has no second reader, and a co-signed application cannot be submitted without one).
  await page.locator('#hr-reason').selectOption('long_absence');
  const fields = { '#hr-name': 'Серікова Айгүл Маратқызы', '#hr-iin': '900101300106', '#hr-org': 'Департамент полиции г. Астаны', '#hr-org-code': '191501', '#hr-unit': 'Следственное управление', '#hr-pos': 'Следователь', '#hr-wphone': '+7 7172 000000', '#hr-mphone': '+77010001234', '#hr-email': 'user@example.kz', '#hr-addr': 'Астана, пр. Мәңгілік Ел, 1', '#hr-hpos': 'Начальник управления', '#hr-hname': 'Ахметов Ерлан', '#hr-hiin': '000000000101' };
  for (const [sel, v] of Object.entries(fields)) await page.locator(sel).fill(v);
  for (const c of await page.locator('form input[type=checkbox]').all()) await c.check();
  await page.locator('#hr-pin').fill('123456');
  await page.locator('[data-action=hr-submit]').click();
  await page.locator('[data-testid=hr-submitted]').waitFor();
  await shot(page, tag, '15b-hr-submitted');
  await page.locator('[data-nav=reports]').click();
  // Dates are typed dd.mm.yyyy (pre-filled: this month); an impossible date is marked, a real one
  // goes to the backend as ISO.
  const from = page.locator('#reports-from');
  if (!/^\d\d\.\d\d\.\d{4}$/.test(await from.inputValue())) problems.push(`[${tag}] reports: "from" shows "${await from.inputValue()}", not dd.mm.yyyy`);
  await from.fill('31.02.2026');
  await from.blur();
  if ((await from.getAttribute('aria-invalid')) !== 'true') problems.push(`[${tag}] reports: 31.02.2026 accepted`);
  await shot(page, tag, '16a-reports-bad-date');
  await from.fill('01.01.2026');
  await from.blur();
  if ((await from.getAttribute('aria-invalid')) !== 'false') problems.push(`[${tag}] reports: 01.01.2026 marked invalid`);
  await page.locator('form button.primary').click();
  await page.locator('tbody tr').first().waitFor();
  if (harness.lastReport?.from !== '2026-01-01') problems.push(`[${tag}] reports: asked from ${JSON.stringify(harness.lastReport)}, not 2026-01-01`);
  await shot(page, tag, '16-reports');
  await page.locator('[data-nav=diagnosis]').click();
  await page.locator('[data-diag]').first().waitFor();
  await shot(page, tag, '17-diagnosis');
  await page.locator('[data-nav=settings]').click();
  await shot(page, tag, '18-settings');
  await page.locator('[data-nav=about]').click();
  await page.locator('dl').waitFor();
  await shot(page, tag, '19-about');

  // 15 minutes without activity lock the session; the PIN unlocks it.
  await page.clock.fastForward('15:10');
  await page.locator('#lock-h').waitFor();
  await shot(page, tag, '20-lock-idle');
  await page.locator('#unlock-pin').fill('123456');
  await page.keyboard.press('Enter');
  await page.locator('dl').waitFor();

  // Card removal locks the session.
  harness.removeCard();
  await page.locator('#lock-h').waitFor();
  await shot(page, tag, '21-lock-card-removed');
  await ctx.close();
}

let failed = false;
try {
  for (const lang of ['kk', 'ru', 'en']) await run(lang);
  await run('kk', true);
} catch (e) {
  failed = true;
  console.error(`smoke: ${e.stack ?? e}`);
} finally {
  await browser.close();
  await harness.close();
  await new Promise((r) => server.httpServer.close(r));
}
for (const p of problems) console.error(`smoke: ${p}`);
console.log(`smoke: ${shots} screenshots in ${path.relative(process.cwd(), out) || '.'}, ${problems.length} problems`);
process.exit(failed || problems.length ? 1 : 0);
