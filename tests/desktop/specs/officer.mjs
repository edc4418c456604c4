// The officer's day in the desktop app, end to end on the real stack (the reference gateway over
// mutual TLS, the virtual PIV card in pcscd holding the demo investigator's keys), with the fixes of
// issue 19 checked on the way: login without needless choices (lone reader and certificate chosen,
// SMS sent at once, focus on the field to fill in); the composer's service search, the document
// shown as a table with the signer's certificate and PIN tries, the signing → sending → sent
// progress with the case and subject kept; the sidebar's "results ready" counter and the new row
// highlighted; result headers in the interface language; leaving an open result asks first (with
// "attach to case materials" in the same dialog); the export pre-filled with the case; true shred
// texts; diagnosis values without English prose, saved and copied; Settings showing the language
// in use; About's support contact; large text at 1024 px. Every screen in kk, ru, en, each checked
// with axe-core and (kk, ru) for English words (lib.mjs).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, PIN, click, errorCode, expectScreen, finish, isShown, login, problems, repaint, shots3, startApp, type } from '../lib.mjs';

const INVESTIGATOR = '850415300121';
const ERDR = '241500031000123';
const SUBJECT = '900101300106';
const app = await startApp();
let ok = false;
const expect = (cond, what) => {
  if (!cond) throw new Error(what);
};
const active = () => app.execute(() => document.activeElement?.id || document.activeElement?.getAttribute('data-action') || document.activeElement?.tagName || '');
try {
  await login(app, INVESTIGATOR, 'officer-');
  await shots3(app, 'officer-07-home');

  // Composer: the investigator (role 3), a criminal case of their proceedings, service 1 found by
  // the search (Enter takes the first match and moves on to the case).
  await click(app, '[data-nav=compose]');
  await click(app, '[data-basis=criminal]');
  await expectScreen(app, '[data-testid=service-search]', 'composer: service search');
  await type(app, '[data-testid=service-search]', 'пенсион');
  await app.pause(200);
  await shots3(app, 'officer-08a-composer-search');
  await type(app, '[data-testid=service-search]', '1');
  await app.keys(['Enter']);
  await expectScreen(app, '[data-testid=chosen-service]', 'composer: service chosen');
  const chosen = await (await app.$('[data-testid=chosen-service]')).getText();
  expect(chosen.startsWith('1.'), `the search chose "${chosen}", not service 1`);
  expect((await active()) === 'case-erdr', `after the search, focus is on ${await active()}, not the ERDR field`);
  await type(app, '#case-erdr', ERDR);
  await type(app, '#subject-id', SUBJECT);
  await shots3(app, 'officer-08-composer');
  // Enter in a field of the draft previews it (the draft is a form).
  await (await app.$('#subject-id')).click();
  await app.keys(['Enter']);
  await expectScreen(app, '[data-testid=preview-table]', 'composer: preview');
  expect((await active()) === 'preview-h', `after the preview, focus is on ${await active()}, not the document`);
  await expectScreen(app, '[data-testid=signer-name]', 'composer: signer certificate');
  await expectScreen(app, '[data-testid=sign-tries-left]', 'composer: PIN tries left');
  await shots3(app, 'officer-09-composer-preview', 'en', '[data-testid=preview]');
  await click(app, '[data-action=preview-json]');
  await expectScreen(app, '[data-testid=preview-json]', 'composer: technical JSON');
  await shots3(app, 'officer-09b-composer-preview-json', 'en', '[data-testid=signer]');
  await click(app, '[data-action=preview-json]');

  // Sign on the card (PIN for the signature key) and send: signing → sending → sent.
  await type(app, '#send-pin', PIN);
  await click(app, '[data-action=send]');
  await expectScreen(app, '[data-testid=send-status]', 'composer: progress');
  const phases = new Set();
  for (let i = 0; i < 400 && !phases.has('sent'); i++) {
    phases.add(await (await app.$('[data-testid=send-status]')).getAttribute('data-phase').catch(() => ''));
    if (!phases.has('sent')) await app.pause(50);
  }
  expect(phases.has('sent'), `the composer never said "sent" (phases seen: ${[...phases].join(', ')})`);
  console.log(`desktop-e2e: officer: send phases seen: ${[...phases].join(' → ')}`);
  await shots3(app, 'officer-09c-composer-sent', 'en', '[data-testid=send-status]');
  // The case and the subject stay for the next request.
  expect((await (await app.$('#case-erdr')).getValue()) === ERDR, 'the case was not kept after sending');
  expect((await (await app.$('#subject-id')).getValue()) === SUBJECT, 'the subject was not kept after sending');
  // The sidebar counts the results ready.
  await expectScreen(app, '[data-testid=ready-count]', 'sidebar: results ready');
  await shots3(app, 'officer-09d-ready-counter');

  await click(app, '[data-action=to-outbox]');
  await expectScreen(app, '[data-testid=just-sent]', 'outbox: the new row highlighted');
  await expectScreen(app, '[data-status=result_ready]', 'outbox: result ready');
  await shots3(app, 'officer-10-outbox');

  // The result: headers in the interface language.
  await click(app, '[data-request] button.open');
  await expectScreen(app, '[data-action=close-result]', 'result: opened');
  await click(app, '[data-lang=kk]');
  const headers = await app.execute(() => [...document.querySelectorAll('thead th')].map((th) => th.textContent.trim()));
  expect(!headers.some((h) => ['Адрес', 'Сведения', 'Дата', 'Период'].includes(h)), `Russian column headers on the kk screen: ${headers.join(' | ')}`);
  await shots3(app, 'officer-11-result');

  // Leaving an open result (a sidebar click) asks first; staying keeps it.
  await click(app, '[data-nav=home]');
  await expectScreen(app, '[data-testid=leave-dialog]', 'result: leave dialog');
  await shots3(app, 'officer-11b-leave-dialog');
  await click(app, '[data-action=leave-stay]');
  await expectScreen(app, '[data-action=close-result]', 'result: still open after "stay"');

  // Attach to the case materials: the case is pre-filled from the request.
  await click(app, '[data-action=export]');
  await expectScreen(app, '#export-case', 'export form');
  expect((await (await app.$('#export-case')).getValue()) === ERDR, 'the export form did not pre-fill the case');
  await type(app, '#export-reason', 'Приобщение к материалам уголовного дела');
  await type(app, '#export-pin', PIN);
  await shots3(app, 'officer-11c-export', 'en', '#export-h');
  await click(app, '[data-action=export-submit]');
  await expectScreen(app, '[data-testid=exported]', 'export: receipt');
  await shots3(app, 'officer-11d-exported', 'en', '[data-testid=exported]');

  // Close → the true shred text → shredded; the result cannot be opened again.
  await click(app, '[data-action=close-result]');
  await expectScreen(app, '[data-action=shred-confirm]', 'result: shred confirmation');
  await shots3(app, 'officer-12-shred-confirm', 'en', '[data-testid=shred-dialog]');
  await click(app, '[data-action=shred-confirm]');
  await expectScreen(app, '[data-testid=shredded]', 'result: shredded');
  await shots3(app, 'officer-13-shredded');
  await click(app, '[data-nav=outbox]');
  await expectScreen(app, '[data-request]', 'outbox after shredding');
  await shots3(app, 'officer-14-outbox-after-shred');
  if (await (await app.$('[data-request] button.open')).isExisting()) {
    await click(app, '[data-request] button.open');
    await app.pause(3000);
    await shots3(app, 'officer-14b-reopen-shredded');
    if (await (await app.$('[data-action=close-result]')).isExisting()) throw new Error('the shredded result opened again');
    console.log(`desktop-e2e: officer: the outbox still offers the shredded result; opening it shows ${(await errorCode(app)) ?? 'no error code'}`);
  }

  // The helpdesk diagnosis: values and units in the interface language; saved and copied.
  await click(app, '[data-nav=diagnosis]');
  await expectScreen(app, '[data-diag]', 'diagnosis');
  await shots3(app, 'officer-15-diagnosis');
  await click(app, '[data-action=diag-copy]');
  await app.pause(300);
  const copied = await (await app.$('[data-testid=diag-done]')).getText();
  console.log(`desktop-e2e: officer: diagnosis copy: "${copied || 'fallback text box shown'}"`);
  await click(app, '[data-action=diag-save]');
  await app.pause(1500);
  const downloads = path.join(process.env.HOME ?? '', 'Downloads');
  const saved = existsSync(downloads) ? readdirSync(downloads).filter((f) => f.startsWith('sio-diagnosis-')) : [];
  console.log(`desktop-e2e: officer: diagnosis saved to ${downloads}: ${saved.join(', ') || 'no file'}`);
  expect(saved.length > 0, `the diagnosis was not saved in ${downloads}`);
  await shots3(app, 'officer-15b-diagnosis-saved');

  // Settings show the language in use (kk after the header's switcher chose kk).
  await click(app, '[data-nav=settings]');
  await app.pause(300);
  for (const lang of ['kk', 'ru']) {
    await click(app, `[data-lang=${lang}]`);
    await app.pause(150);
    const checked = await app.execute(() => document.querySelector('input[name=lang]:checked')?.value ?? '');
    expect(checked === lang, `Settings show ${checked} selected while the interface is ${lang}`);
  }
  await shots3(app, 'officer-16-settings');
  await click(app, '[data-nav=about]');
  await expectScreen(app, '[data-testid=support]', 'about: support');
  await shots3(app, 'officer-17-about');

  // Large text at 1024 px: the menu goes on top, tables scroll instead of being cut.
  await app.setWindowSize(1024, 768);
  await app.execute(() => (document.documentElement.style.fontSize = '150%'));
  await click(app, '[data-nav=outbox]');
  await expectScreen(app, '[data-request]', 'outbox at 1024 px, large text');
  const layout = await app.execute(() => {
    const aside = document.querySelector('aside')?.getBoundingClientRect();
    return { aside: aside?.width ?? 0, view: window.innerWidth, scroll: document.documentElement.scrollWidth };
  });
  expect(layout.aside > layout.view * 0.8, `at 1024 px with large text the menu is still a side column (${layout.aside} of ${layout.view} px)`);
  await shots3(app, 'officer-18-large-text-1024');
  await app.execute(() => (document.documentElement.style.fontSize = ''));
  if (problems.length) console.error(`desktop-e2e: officer: ${problems.length} problems so far`);
  ok = true;
} catch (e) {
  console.error(`desktop-e2e: officer: ${e.stack ?? e}`);
  await repaint(app).then(() => app.saveScreenshot(`${ARTIFACTS}/FAILED-officer.png`)).catch((err) => console.error(`screenshot: ${err}`));
} finally {
  await app.deleteSession().catch(() => {});
}
process.exit(finish('officer') && ok ? 0 : 1);
