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
  harness.reset();
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
  const reader = page.locator('[data-reader]:not([disabled])');
  await reader.waitFor();
  await reader.focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-cert="auth-1"]').waitFor();
  await shot(page, tag, '02-login-certificate');
  await page.locator('[data-cert="auth-1"]').click();

  // PIN: a wrong one first (tries left + error with what to do), then the right one, by keyboard.
  await page.locator('#login-pin').fill('000000');
  await page.keyboard.press('Enter');
  await page.locator('[role=alert][data-code="TOKEN_WRONG_PIN"]').waitFor();
  const tries = await page.locator('[data-testid=tries-left]').textContent();
  if (!tries.includes('2')) problems.push(`[${tag}] tries left not shown: ${tries}`);
  await shot(page, tag, '03-login-pin-error');
  await page.locator('#login-pin').fill('123456');
  await page.keyboard.press('Enter');

  // Second factor: SMS.
  await page.locator('[data-factor=sms]').waitFor();
  await shot(page, tag, '04-login-factor');
  await page.locator('[data-factor=sms]').click();
  await page.locator('[data-action=sms-send]').click();
  await page.locator('[data-testid=sms-sent]').waitFor();
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
  const bases = await page.locator('[data-basis]').evaluateAll((els) => els.map((e) => e.getAttribute('data-basis')));
  if (bases.join() !== 'criminal,admin_offence') problems.push(`[${tag}] role 3 bases: ${bases}`);
  await page.locator('[data-basis=criminal]').check();
  await page.locator('[data-testid=service]').selectOption('38');
  await page.locator('[data-mark=articles]').waitFor();
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
  await page.locator('[data-testid=preview]').waitFor();
  await shot(page, tag, '09-composer-preview');
  await page.locator('#send-pin').fill('123456');
  await page.locator('[data-action=send]').click();

  // Outbox: statuses arrive as events.
  await page.locator('[data-status=result_ready]').waitFor();
  await shot(page, tag, '10-outbox');
  await page.locator('button.open').first().click();

  // Result: table, PDF (pdf.js from the bundle), shred.
  await page.locator('table').waitFor();
  await shot(page, tag, '11-result-table');
  await page.locator('[data-action=tab-pdf]').click();
  await page.locator('[data-testid=pdf-canvas][data-rendered="1"], .pdf .notice').first().waitFor();
  if (await page.locator('.pdf .notice').count()) problems.push(`[${tag}] pdf: ${await page.locator('.pdf .notice').textContent()}`);
  await shot(page, tag, '12-result-pdf');
  // Export to case materials (signed, logged).
  await page.locator('[data-action=export]').click();
  await page.locator('#export-case').fill('241500031000123');
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
  await page.locator('form button.primary').click();
  await page.locator('tbody tr').first().waitFor();
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
