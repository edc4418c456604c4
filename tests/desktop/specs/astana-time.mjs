// Astana time in the real WebKitGTK (issue 18 item 1; 2015 rules r.29: all times are Astana time).
// WebKitGTK on Debian 12 uses the system ICU (time-zone data 2022e) which still puts Asia/Almaty at
// UTC+6; the UI must not depend on it. The gateway queues the SMS code with its Astana time
// (sio-core/chrono-tz, current data) in the SMS outbox; the code is valid for 10 minutes
// (crates/sio-gateway/src/auth.rs OTP_MINUTES). The "valid until" the app displays must equal the
// gateway's Astana time + 10 minutes, to the minute.
import { execFileSync } from 'node:child_process';
import { PIN, click, expectScreen, finish, isShown, lastSmsId, shots3, startApp, type } from '../lib.mjs';

const INVESTIGATOR = '850415300121';

/** The gateway's newest SMS to `iin` after `afterId` (created_at is Astana time, RFC 3339 with offset). */
async function gatewaySms(iin, afterId) {
  for (let i = 0; i < 150; i++) {
    const out = execFileSync(process.env.SIO_E2E_SIO, ['gateway', 'admin', '--data', process.env.SIO_E2E_GATEWAY_DATA, 'sms-outbox'], { encoding: 'utf8' });
    const fresh = JSON.parse(out).filter((m) => m.iin === iin && Number(m.id) > afterId);
    if (fresh.length) return fresh.reduce((a, b) => (Number(b.id) > Number(a.id) ? b : a));
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no SMS for ${iin} in the gateway's outbox`);
}

/** Wall-clock "dd/MM/yyyy, HH:MM" (en) of an RFC 3339 Astana time + `addMin` minutes, by field arithmetic only. */
function wallPlus(rfc3339, addMin) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(rfc3339);
  if (!m) throw new Error(`not RFC 3339: ${rfc3339}`);
  const w = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5] + addMin));
  const p = (n) => String(n).padStart(2, '0');
  return `${p(w.getUTCDate())}/${p(w.getUTCMonth() + 1)}/${w.getUTCFullYear()}, ${p(w.getUTCHours())}:${p(w.getUTCMinutes())}`;
}

const app = await startApp();
let ok = false;
try {
  const reader = '[data-reader="Virtual PCD 00 00"]:not([disabled])';
  // A lone reader and a lone certificate are chosen by the app (issue 19 item 6).
  await expectScreen(app, `#login-pin, ${reader}`, 'login: PIN or reader');
  await click(app, '[data-lang=en]');
  // What this webview's own time-zone data says (a measurement, printed; the UI must not use it).
  const webviewZone = await app.execute(() => {
    try {
      const f = new Intl.DateTimeFormat('en-GB', { timeZone: ['Asia', 'Almaty'].join('/'), timeZoneName: 'shortOffset' });
      return f.formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value ?? '?';
    } catch (e) {
      return `error ${e}`;
    }
  });
  console.log(`desktop-e2e: astana-time: the webview's ICU puts Asia/Almaty at ${webviewZone} today`);
  if (!(await isShown(app, '#login-pin'))) await click(app, reader);
  await expectScreen(app, '#login-pin, [data-cert]', 'login: PIN or certificates');
  if (!(await isShown(app, '#login-pin'))) await click(app, '[data-cert]');
  await type(app, '#login-pin', PIN);
  const before = lastSmsId(INVESTIGATOR);
  await click(app, '[data-action=sign-in]');
  // With the SMS code as the only factor the app sends it at once.
  await expectScreen(app, '[data-factor=sms], [data-testid=sms-sent]', 'login: second factor');
  if (await isShown(app, '[data-factor=sms]')) {
    await click(app, '[data-factor=sms]');
    await click(app, '[data-action=sms-send]');
  }
  await expectScreen(app, '[data-testid=sms-sent]', 'login: SMS sent');
  const sms = await gatewaySms(INVESTIGATOR, before);
  if (!/\+05:00$/.test(sms.created_at)) throw new Error(`the gateway's Astana time is not UTC+5: ${sms.created_at}`);
  const expected = wallPlus(sms.created_at, 10);
  await click(app, '[data-lang=en]');
  const shown = await (await app.$('[data-testid=sms-sent] + p')).getText();
  await shots3(app, 'astana-time-01-sms-valid-until');
  console.log(`desktop-e2e: astana-time: gateway queued the code at ${sms.created_at}; the app shows "${shown}"; expected ${expected}`);
  if (!shown.includes(expected)) throw new Error(`the displayed time "${shown}" is not the gateway's Astana time ${expected}`);
  ok = true;
} catch (e) {
  console.error(`desktop-e2e: astana-time: ${e.stack ?? e}`);
} finally {
  await app.deleteSession().catch(() => {});
}
process.exit(finish('astana-time') && ok ? 0 : 1);
