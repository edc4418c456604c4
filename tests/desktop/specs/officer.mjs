// The officer's day in the desktop app, end to end on the real stack (the reference gateway over
// mutual TLS, the virtual PIV card in pcscd holding the demo investigator's keys):
// log in (PIN, signed challenge, SMS code from the gateway's outbox, consent on the first login),
// compose a request and preview it, sign it on the card and send it, follow it in the outbox, view
// the result, close it and see it shredded, run the helpdesk diagnosis. Every screen in kk, ru, en.
import { PIN, click, errorCode, expectScreen, finish, login, setField, shots3, startApp, type } from '../lib.mjs';

const INVESTIGATOR = '850415300121';
const app = await startApp();
let ok = false;
try {
  await login(app, INVESTIGATOR, 'officer-');
  await shots3(app, 'officer-07-home');

  // Composer: the investigator (role 3), a criminal case of their proceedings, service 1.
  await click(app, '[data-nav=compose]');
  await click(app, '[data-basis=criminal]');
  await expectScreen(app, '[data-testid=service]', 'composer: services');
  await setField(app, '[data-testid=service]', '1');
  await expectScreen(app, '[data-testid=chosen-service]', 'composer: service chosen');
  await type(app, '#case-erdr', '241500031000123');
  await type(app, '#subject-id', '900101300106');
  await shots3(app, 'officer-08-composer');
  await click(app, '[data-action=preview]');
  await expectScreen(app, '[data-testid=preview]', 'composer: preview');
  await shots3(app, 'officer-09-composer-preview');

  // Sign on the card (PIN for the signature key) and send.
  await type(app, '#send-pin', PIN);
  await click(app, '[data-action=send]');
  await expectScreen(app, '[data-request]', 'outbox: the request');
  await expectScreen(app, '[data-status=result_ready]', 'outbox: result ready');
  await shots3(app, 'officer-10-outbox');

  // The result: open, view, close → shredded.
  await click(app, '[data-request] button.open');
  await expectScreen(app, '[data-action=close-result]', 'result: opened');
  await shots3(app, 'officer-11-result');
  await click(app, '[data-action=close-result]');
  await expectScreen(app, '[data-action=shred-confirm]', 'result: shred confirmation');
  await shots3(app, 'officer-12-shred-confirm');
  await click(app, '[data-action=shred-confirm]');
  await expectScreen(app, '[data-testid=shredded]', 'result: shredded');
  const shredded = await (await app.$('[data-testid=shredded]')).getText();
  await shots3(app, 'officer-13-shredded');
  // The shredded result cannot be opened again: the outbox may still list the request, but
  // opening it shows an error instead of the result.
  await click(app, '[data-nav=outbox]');
  await expectScreen(app, '[data-request]', 'outbox after shredding');
  await shots3(app, 'officer-14-outbox-after-shred');
  if (await (await app.$('[data-request] button.open')).isExisting()) {
    await click(app, '[data-request] button.open');
    await app.pause(3000);
    await shots3(app, 'officer-14b-reopen-shredded');
    if (await (await app.$('[data-action=close-result]')).isExisting()) throw new Error(`the shredded result opened again (${shredded})`);
    console.log(`desktop-e2e: officer: the outbox still offers the shredded result; opening it shows ${(await errorCode(app)) ?? 'no error code'}`);
  }

  // The helpdesk diagnosis, settings, about.
  await click(app, '[data-nav=diagnosis]');
  await expectScreen(app, '[data-diag]', 'diagnosis');
  await shots3(app, 'officer-15-diagnosis');
  await click(app, '[data-nav=settings]');
  await app.pause(300);
  await shots3(app, 'officer-16-settings');
  await click(app, '[data-nav=about]');
  await expectScreen(app, 'dl', 'about');
  await shots3(app, 'officer-17-about');
  ok = true;
} catch (e) {
  console.error(`desktop-e2e: officer: ${e.stack ?? e}`);
} finally {
  await app.deleteSession().catch(() => {});
}
process.exit(finish('officer') && ok ? 0 : 1);
