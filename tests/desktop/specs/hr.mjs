// The HR officer in the desktop app, end to end on the real stack: the demo head of the police
// department (HR officer, role 18) logs in with the card, which now holds the head's keys, and
// files the blocking of the investigator's account after a dismissal (the 24-hour deadline runs
// from the order), co-signed on the card. Every screen in kk, ru, en.
import { PIN, click, expectScreen, finish, login, setField, shots3, startApp, type } from '../lib.mjs';

const HEAD = '901120400238';
const app = await startApp();
let ok = false;
try {
  await login(app, HEAD, 'hr-');
  await shots3(app, 'hr-07-home');
  await click(app, '[data-nav=hr]');
  await expectScreen(app, '[data-action=hr-submit]', 'HR: the form');
  await shots3(app, 'hr-08-applications');

  // Blocking after a dismissal; the order was signed two hours ago (Astana time, UTC+5).
  await click(app, 'input[name=hr-action][value=blocking]');
  await setField(app, '#hr-reason', 'dismissal');
  const order = new Date(Date.now() + 5 * 3600e3 - 2 * 3600e3).toISOString().slice(0, 16);
  await setField(app, '#hr-order', order);
  const fields = {
    '#hr-name': 'ИВАНОВ АЛЕКСЕЙ',
    '#hr-iin': '850415300121',
    '#hr-org': 'ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)',
    '#hr-bin': '040340001233',
    '#hr-unit': 'Следственное управление',
    '#hr-pos': 'Следователь',
    '#hr-wphone': '+7 7172 00 00 00',
    '#hr-mphone': '+77010000001',
    '#hr-email': 'investigator@example.invalid',
    '#hr-addr': 'Астана',
    '#hr-hpos': 'Начальник управления',
    '#hr-hname': 'СЕРІКОВА АЙГЕРІМ',
    '#hr-hiin': HEAD,
  };
  for (const [sel, v] of Object.entries(fields)) await type(app, sel, v);
  for (const c of await app.$$('form input[type=checkbox]')) {
    await c.scrollIntoView({ block: 'center' });
    if (!(await c.isSelected())) await c.click();
  }
  await type(app, '#hr-pin', PIN);
  await shots3(app, 'hr-09-block-form');
  await click(app, '[data-action=hr-submit]');
  await expectScreen(app, '[data-testid=hr-submitted]', 'HR: submitted');
  await shots3(app, 'hr-10-block-submitted');
  ok = true;
} catch (e) {
  console.error(`desktop-e2e: hr: ${e.stack ?? e}`);
} finally {
  await app.deleteSession().catch(() => {});
}
process.exit(finish('hr') && ok ? 0 : 1);
