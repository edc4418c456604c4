// The HR officer in the desktop app, end to end on the real stack: the demo head of the police
// department (HR officer, role 18) logs in with the card, which now holds the head's keys, fills
// the blocking of the investigator's account after a dismissal (refused on this workstation: it
// needs the applicant's own signature too, APP_COSIGNATURE_REQUIRED), then files the head's own
// blocking after a long absence, signed on the card. Every screen in kk, ru, en.
import { PIN, click, errorCode, expectScreen, finish, login, setField, shots3, shown, startApp, type } from '../lib.mjs';

const HEAD = '901120400238';
const app = await startApp();
let ok = false;
try {
  await login(app, HEAD, 'hr-');
  await shots3(app, 'hr-07-home');
  await click(app, '[data-nav=hr]');
  await expectScreen(app, '[data-action=hr-submit]', 'HR: the form');
  await shots3(app, 'hr-08-applications');

  // A dismissal: the investigator's account is to be blocked; the order was signed two hours ago
  // (Astana time, UTC+5). It needs the applicant's signature besides the head's: this workstation
  // holds only the head's card, so the app refuses it with a code and what to do.
  await click(app, 'input[name=hr-action][value=blocking]');
  await setField(app, '#hr-reason', 'dismissal');
  const order = new Date(Date.now() + 5 * 3600e3 - 2 * 3600e3).toISOString().slice(0, 16);
  await setField(app, '#hr-order', order);
  const person = (name, iin) => ({ '#hr-name': name, '#hr-iin': iin });
  const fields = {
    ...person('ИВАНОВ АЛЕКСЕЙ', '850415300121'),
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
  await shown(app, '[role=alert][data-code]');
  const refused = await errorCode(app);
  if (refused !== 'APP_COSIGNATURE_REQUIRED') throw new Error(`a dismissal without the applicant's signature: ${refused}`);
  await shots3(app, 'hr-10-block-needs-cosignature');

  // The head's own blocking after more than two months' absence: signed by the head alone.
  await setField(app, '#hr-reason', 'long_absence');
  const own = { ...person('СЕРІКОВА АЙГЕРІМ', HEAD), '#hr-pos': 'Начальник управления', '#hr-mphone': '+77010000002', '#hr-email': 'head@example.invalid', '#hr-hpos': 'Начальник департамента', '#hr-hname': 'АХМЕТОВ ЕРЛАН', '#hr-hiin': '780302300344' };
  for (const [sel, v] of Object.entries(own)) await type(app, sel, v);
  await type(app, '#hr-pin', PIN);
  await click(app, '[data-action=hr-submit]');
  await expectScreen(app, '[data-testid=hr-submitted]', 'HR: submitted');
  await shots3(app, 'hr-11-block-submitted');
  ok = true;
} catch (e) {
  console.error(`desktop-e2e: hr: ${e.stack ?? e}`);
} finally {
  await app.deleteSession().catch(() => {});
}
process.exit(finish('hr') && ok ? 0 : 1);
