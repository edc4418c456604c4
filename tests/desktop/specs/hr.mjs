// The HR officer in the desktop app, end to end on the real stack: the demo head of the police
// department (HR officer, role 18) logs in with the card, which now holds the head's keys, fills
// the blocking of the investigator's account after a dismissal; without the second signature it is
// refused (APP_COSIGNATURE_REQUIRED); with the department head's token in the second reader
// ("Virtual PCD 00 01", started by desktop-e2e.sh) and its PIN it is signed by both and filed.
// Then the head's own blocking after a long absence, signed on the card alone. Every screen in
// kk, ru, en.
import { PIN, click, errorCode, expectScreen, finish, login, setField, shots3, shown, startApp, type } from '../lib.mjs';

const HEAD = '901120400238';
const DEPARTMENT_HEAD = '780302300344';
const SECOND_READER = 'Virtual PCD 00 01';

// Submit and wait for a new "submitted" notice (not the one of an earlier application).
async function submitted(app, what) {
  const alertCode = () => app.execute(() => document.querySelector('[role=alert][data-code]')?.getAttribute('data-code') ?? null);
  const before = await app.execute(() => document.querySelector('[data-testid=hr-submitted]')?.textContent ?? '');
  const stale = await alertCode();
  await click(app, '[data-action=hr-submit]');
  await app.waitUntil(async () => {
    const code = await alertCode();
    if (code && code !== stale) throw new Error(`${what}: the app shows error ${code}`);
    const now = await app.execute(() => document.querySelector('[data-testid=hr-submitted]')?.textContent ?? '');
    return now !== '' && now !== before;
  }, { timeout: 60000, timeoutMsg: `${what}: no submitted notice` });
}
const app = await startApp();
let ok = false;
try {
  await login(app, HEAD, 'hr-');
  await shots3(app, 'hr-07-home');
  await click(app, '[data-nav=hr]');
  await expectScreen(app, '[data-action=hr-submit]', 'HR: the form');
  await shots3(app, 'hr-08-applications');

  // A dismissal: the investigator's account is to be blocked; the order was signed two hours ago
  // (Astana time, UTC+5). The officer signs as the responsible official; the department head
  // co-signs on the head's own token.
  await click(app, 'input[name=hr-action][value=blocking]');
  await setField(app, '#hr-reason', 'dismissal');
  // Typed as officers write it, dd.mm.yyyy HH:MM (issue 19 item 4), into the text field that
  // replaced the browser's datetime-local (WebKitGTK shows that one in US order).
  const [, y, mo, d, hm] = new Date(Date.now() + 5 * 3600e3 - 2 * 3600e3).toISOString().match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})/);
  await type(app, '#hr-order', `${d}.${mo}.${y} ${hm}`);
  await expectScreen(app, '[data-testid=deadline]', 'HR: the 24-hour deadline from the typed order time');
  const person = (name, iin) => ({ '#hr-name': name, '#hr-iin': iin });
  const fields = {
    ...person('ИВАНОВ АЛЕКСЕЙ', '850415300121'),
    '#hr-org': 'ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)',
    // The organisation's code in ЕРДР (2015 Appendix 5, «СДТБТ ұйымының коды»), as the operator
    // recorded it for the body (desktop-e2e.sh: `sio gateway admin org-code`).
    '#hr-org-code': '191501',
    '#hr-unit': 'Следственное управление',
    '#hr-pos': 'Следователь',
    '#hr-wphone': '+7 7172 00 00 00',
    '#hr-mphone': '+77010000001',
    '#hr-email': 'investigator@example.invalid',
    '#hr-addr': 'Астана',
    '#hr-hpos': 'Начальник департамента',
    '#hr-hname': 'АХМЕТОВ ЕРЛАН',
    '#hr-hiin': DEPARTMENT_HEAD,
  };
  for (const [sel, v] of Object.entries(fields)) await type(app, sel, v);
  for (const c of await app.$$('form input[type=checkbox]')) {
    await c.scrollIntoView({ block: 'center' });
    if (!(await c.isSelected())) await c.click();
  }
  // No second signature chosen: the form does not fail late (issue 19 item 5) — signing stays
  // disabled and the button says why.
  await setField(app, '#hr-co-reader', '');
  await type(app, '#hr-pin', PIN);
  await shots3(app, 'hr-09-block-form');
  await shown(app, '[data-testid=hr-submit-why][data-why="hr.submit_needs_cosigner"]');
  if (await (await app.$('[data-action=hr-submit]')).isEnabled()) throw new Error('a dismissal without the head\'s token can be submitted');
  if (await errorCode(app)) throw new Error(`an error before any submission: ${await errorCode(app)}`);
  await shots3(app, 'hr-10-block-needs-cosignature');

  // The department head's token in the second reader, the head's PIN: filed with both signatures.
  await click(app, '#hr-co-reader + button');
  await app.waitUntil(
    () => app.execute((r) => [...document.querySelectorAll('#hr-co-reader option')].some((o) => o.value === r), SECOND_READER),
    { timeout: 30000, timeoutMsg: `${SECOND_READER} is not offered for the second signature` },
  );
  await setField(app, '#hr-co-reader', SECOND_READER);
  await type(app, '#hr-co-pin', PIN);
  await type(app, '#hr-pin', PIN);
  await shots3(app, 'hr-10b-block-cosigned-form');
  await submitted(app, 'HR: dismissal co-signed');
  await shots3(app, 'hr-10c-block-cosigned-submitted');

  // The head's own blocking after more than two months' absence: signed by the head alone.
  await setField(app, '#hr-reason', 'long_absence');
  // A success clears the form (issue 19 item 5): everything is filled in again.
  const own = { ...fields, ...person('СЕРІКОВА АЙГЕРІМ', HEAD), '#hr-pos': 'Начальник управления', '#hr-mphone': '+77010000002', '#hr-email': 'head@example.invalid', '#hr-hpos': 'Начальник департамента', '#hr-hname': 'АХМЕТОВ ЕРЛАН', '#hr-hiin': '780302300344' };
  await click(app, 'input[name=hr-action][value=blocking]');
  await setField(app, '#hr-reason', 'long_absence');
  for (const [sel, v] of Object.entries(own)) await type(app, sel, v);
  for (const c of await app.$$('form input[type=checkbox]')) {
    await c.scrollIntoView({ block: 'center' });
    if (!(await c.isSelected())) await c.click();
  }
  await type(app, '#hr-pin', PIN);
  await submitted(app, 'HR: own blocking');
  await shots3(app, 'hr-11-block-submitted');
  ok = true;
} catch (e) {
  console.error(`desktop-e2e: hr: ${e.stack ?? e}`);
} finally {
  await app.deleteSession().catch(() => {});
}
process.exit(finish('hr') && ok ? 0 : 1);
