// The officer's whole day by keyboard only (issue 19 "Done when"): log in, compose, sign, send,
// open the result, attach it to the case materials, close it — with WebDriver key actions only
// (browser.keys: Tab, Shift+Tab, Enter, Space, characters). No element is clicked; a listener in
// the page counts pointer and mouse events, and any counts as a failure. Reading the screen
// (execute) is allowed, acting on it is not. Focus order is asserted where the issue sets it:
// the PIN field at login, the SMS code field, the document after the preview then the PIN field.
import { ARTIFACTS, PIN, expectScreen, finish, lastSmsId, problems, repaint, shotHere, smsCode, startApp } from '../lib.mjs';

const INVESTIGATOR = '850415300121';
const app = await startApp();
let ok = false;
let keystrokes = 0;
const expect = (cond, what) => {
  if (!cond) throw new Error(what);
};
const focused = () =>
  app.execute(() => {
    const a = document.activeElement;
    if (!a) return '';
    return a.id ? `#${a.id}` : a.getAttribute('data-action') ? `[data-action=${a.getAttribute('data-action')}]` : a.getAttribute('data-nav') ? `[data-nav=${a.getAttribute('data-nav')}]` : a.tagName.toLowerCase();
  });
async function keys(...k) {
  keystrokes += k.length;
  await app.keys(k);
}
async function typeKeys(text) {
  // One action per character: WebKitWebDriver merges a repeated key within one action sequence.
  for (const ch of text) {
    keystrokes += 1;
    await app.keys([ch]);
  }
}
/** Tab (forwards, or backwards with back=true) until the focused element matches `sel`. */
async function tabTo(sel, back = false, max = 80) {
  for (let i = 0; i < max; i++) {
    if (await app.execute((s) => !!document.activeElement?.matches(s), sel)) return;
    await keys(...(back ? ['Shift', 'Tab', 'Shift'] : ['Tab']));
  }
  throw new Error(`keyboard: ${sel} not reached with Tab (focus on ${await focused()})`);
}
async function waitFocus(sel, what, timeout = 60000) {
  const start = Date.now();
  while (Date.now() - start < timeout) {
    if (await app.execute((s) => !!document.activeElement?.matches(s), sel)) return;
    await app.pause(100);
  }
  throw new Error(`keyboard: ${what}: focus is on ${await focused()}, not ${sel}`);
}

try {
  // Count every pointer or mouse event from here on (keyboard activation fires neither).
  const arm = () =>
    app.execute(() => {
      if (window.__pointer) return;
      window.__pointer = 0;
      for (const e of ['pointerdown', 'pointerup', 'mousedown', 'mouseup', 'mousemove', 'wheel', 'touchstart']) window.addEventListener(e, () => (window.__pointer += 1), true);
    });
  await arm();

  // Login: PIN + Enter + code + Enter (the reader and the certificate are chosen by the app, the
  // SMS code is sent at once, focus is on each field).
  await expectScreen(app, '#login-pin', 'keyboard: PIN field');
  await waitFocus('#login-pin', 'login');
  const before = lastSmsId(INVESTIGATOR);
  await typeKeys(PIN);
  await keys('Enter');
  await waitFocus('#sms-code', 'SMS code');
  await typeKeys(await smsCode(INVESTIGATOR, before));
  await keys('Enter');
  // On a first login the consent: focus on its PIN; Shift+Tab to the checkbox, Space, Tab, PIN, Enter.
  await expectScreen(app, '[data-nav=home], #consent-pin', 'keyboard: consent or home');
  if (await app.execute(() => !!document.querySelector('#consent-pin'))) {
    await waitFocus('#consent-pin', 'consent');
    await tabTo('[data-action=consent-agree]', true);
    await keys(' ');
    await tabTo('#consent-pin');
    await typeKeys(PIN);
    await keys('Enter');
  }
  await expectScreen(app, '[data-nav=home]', 'keyboard: home');
  await shotHere(app, 'keyboard-01-home');
  await arm();

  // Compose: the menu by Shift+Tab from the page heading, Enter; basis by Space; the service by
  // the search and Enter; the case, the subject; Enter previews.
  await tabTo('[data-nav=compose]', true);
  await keys('Enter');
  await expectScreen(app, '[data-basis=criminal]', 'keyboard: composer');
  await tabTo('[data-basis]');
  // Arrow keys move within the radio group (and select); Space selects the focused one.
  for (let i = 0; i < 6 && !(await app.execute(() => document.activeElement?.getAttribute('data-basis') === 'criminal')); i++) await keys('ArrowDown');
  await keys(' ');
  await tabTo('#service-search');
  await typeKeys('1');
  await keys('Enter');
  await waitFocus('#case-erdr', 'after the service search');
  await typeKeys('241500031000123');
  await tabTo('#subject-id');
  await typeKeys('900101300106');
  await keys('Enter');
  await expectScreen(app, '[data-testid=preview-table]', 'keyboard: preview');
  await waitFocus('#preview-h', 'after the preview');
  await keys('Tab');
  await waitFocus('#send-pin', 'after the document, the next stop', 5000);
  await shotHere(app, 'keyboard-02-preview');
  await typeKeys(PIN);
  await keys('Enter');
  await expectScreen(app, '[data-testid=send-status][data-phase=sent]', 'keyboard: sent');

  // Open the result from the request list.
  await tabTo('[data-action=to-outbox]');
  await keys('Enter');
  await expectScreen(app, '[data-status=result_ready]', 'keyboard: result ready');
  await tabTo('[data-request] button.open');
  await keys('Enter');
  await expectScreen(app, '[data-action=close-result]', 'keyboard: result');
  await shotHere(app, 'keyboard-03-result');

  // Attach it to the case materials: the case is pre-filled, focus on the reason.
  await tabTo('[data-action=export]');
  await keys('Enter');
  await waitFocus('#export-reason', 'export form');
  await typeKeys('Materials of the case');
  await tabTo('#export-pin');
  await typeKeys(PIN);
  await keys('Enter');
  await expectScreen(app, '[data-testid=exported]', 'keyboard: exported');

  // Close: the dialog takes focus; Tab to "Destroy", Enter.
  await tabTo('[data-action=close-result]', true);
  await keys('Enter');
  await expectScreen(app, '[data-action=shred-confirm]', 'keyboard: shred dialog');
  await tabTo('[data-action=shred-confirm]');
  await keys('Enter');
  await expectScreen(app, '[data-testid=shredded]', 'keyboard: shredded');
  await shotHere(app, 'keyboard-04-shredded');

  const pointer = await app.execute(() => window.__pointer ?? -1);
  console.log(`desktop-e2e: keyboard: the officer's day in ${keystrokes} keystrokes, ${pointer} pointer events`);
  expect(pointer === 0, `${pointer} pointer/mouse events during the keyboard-only run`);
  ok = true;
} catch (e) {
  console.error(`desktop-e2e: keyboard: ${e.stack ?? e}`);
  const state = await app
    .execute(() => ({ focus: document.activeElement?.outerHTML?.slice(0, 160), sms: document.querySelector('#sms-code')?.value, alert: document.querySelector('[role=alert]')?.textContent?.slice(0, 200), h1: document.querySelector('h1')?.textContent }))
    .catch(() => null);
  console.error(`desktop-e2e: keyboard: state at the failure: ${JSON.stringify(state)}`);
  await repaint(app).then(() => app.saveScreenshot(`${ARTIFACTS}/FAILED-keyboard.png`)).catch((err) => console.error(`screenshot: ${err}`));
  problems.push(String(e.message ?? e));
} finally {
  await app.deleteSession().catch(() => {});
}
process.exit(finish('keyboard') && ok ? 0 : 1);
