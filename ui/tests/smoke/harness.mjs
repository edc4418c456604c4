// A tiny in-test fake of the web harness (POST /api/<command>, GET /api/events as SSE), on
// 127.0.0.1 only. It stands in for the application layer so the UI can be driven in a browser;
// the real harness / Tauri shell implement the same contract (src/lib/backend/tauri.ts).
import { readFileSync } from 'node:fs';
import http from 'node:http';

const CATALOGUE = JSON.parse(readFileSync(new URL('../../src/lib/catalogue/catalogue.json', import.meta.url), 'utf8'));
const FORMS = {
  criminal: [['criminal_case', ['erdr']], ['instruction', ['erdr', 'instruction_no']], ['legal_assistance', ['request_no', 'requesting_body', 'cover_letter_no']]],
  admin_court: [['admin_court', ['number', 'year', 'court']]],
  civil_court: [['civil_court', ['number', 'year', 'court']]],
  admin_offence: [['admin_offence', ['number']]],
  enforcement: [['enforcement', ['number']]],
  wanted: [['wanted', ['number']]],
};

const IIN = '900101300106';

/** A one-page PDF with a line of text, built by hand (valid xref offsets). */
export function tinyPdf(text) {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const stream = `BT /F1 16 Tf 30 120 Td (${text}) Tj ET`;
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1').toString('base64');
}

function now() {
  return new Date().toISOString();
}

function freshState() {
  return {
    readers: [{ name: 'Virtual PCD 00 00', card_present: false }],
    stage: null,
    tries: 3,
    requests: [],
    applications: [
      { application_id: 'a-1', action: 'blocking', state: 'pending', received_at: new Date(Date.now() - 3 * 3600e3).toISOString(), late: false, applicant_name: 'Серікова Айгүл Маратқызы', order_signed_at: new Date(Date.now() - 5 * 3600e3).toISOString() },
      { application_id: 'a-2', action: 'transfer', state: 'done', received_at: new Date(Date.now() - 50 * 3600e3).toISOString(), done_at: now(), late: true, applicant_name: 'Иванов Пётр Сергеевич' },
    ],
    language: 'kk',
    factors: ['sms', 'fingerprint', 'face'],
    smsRequests: 0,
  };
}

function sessionInfo(st) {
  return {
    stage: st.stage,
    factors: st.factors,
    user: { iin: IIN, full_name: 'Әлиев Нұрлан Серікұлы', organisation_bin: '000000000101', organisation_name: 'Департамент полиции г. Астаны', role: 3, reports: true, hr: true },
    expires_at: new Date(Date.now() + 12 * 3600e3).toISOString(),
    idle_until: new Date(Date.now() + 15 * 60e3).toISOString(),
    consent_version: '2024-07-04',
  };
}

class Fail extends Error {
  constructor(status, body) {
    super(body.code);
    this.status = status;
    this.body = body;
  }
}

/** Start the fake on 127.0.0.1 (random port). */
export async function startHarness() {
  let st = freshState();
  const clients = new Set();
  const emit = (event, data) => {
    for (const res of clients) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const commands = {
    list_readers: () => st.readers,
    list_certificates: () => [
      { id: 'auth-1', subject: 'ӘЛИЕВ НҰРЛАН', iin: IIN, organisation: 'Департамент полиции г. Астаны', issuer: 'ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST', not_before: '2026-01-10T04:00:00Z', not_after: '2027-01-10T04:00:00Z', usage: 'auth' },
      { id: 'sign-1', subject: 'ӘЛИЕВ НҰРЛАН', iin: IIN, issuer: 'NCA TEST', not_before: '2026-01-10T04:00:00Z', not_after: '2027-01-10T04:00:00Z', usage: 'sign' },
    ],
    pin_status: () => ({ tries_left: st.tries, blocked: st.tries === 0 }),
    login: ({ pin }) => {
      if (pin !== '123456') {
        st.tries = Math.max(0, st.tries - 1);
        throw new Fail(401, { code: st.tries ? 'TOKEN_WRONG_PIN' : 'TOKEN_PIN_BLOCKED', message: 'wrong PIN', tries_left: st.tries });
      }
      st.tries = 3;
      st.stage = 'second_factor';
      return { ...sessionInfo(st), token: 'x' };
    },
    request_sms_code: () => (st.smsRequests++, { masked_phone: '+7 *** *** 12 34', expires_at: new Date(Date.now() + 600e3).toISOString(), resend_after_seconds: 60 }),
    verify_sms_code: ({ code }) => {
      if (code !== '123456') throw new Fail(401, { code: 'GW_OTP_WRONG', message: 'wrong code' });
      st.stage = 'consent';
      return sessionInfo(st);
    },
    verify_biometric: () => {
      throw new Fail(503, { code: 'GW_FACTOR_UNAVAILABLE', message: 'biometric matching is not available' });
    },
    consent_text: () => ({
      version: 'app6-2024.2',
      signed_language: 'ru',
      sha256: '0'.repeat(64),
      form_date: now().slice(0, 10),
      ru: 'Приложение 6\nк Правилам\n\nФорма\n\nСОГЛАСИЕ\nо правах использования СИО ПСО\n\nг. Астана «05» декабря 2026 года\n\nПользователь в лице Әлиев Нұрлан Серікұлы, следователь, являющийся сотрудником Департамента полиции г. Астаны, ознакомлен и согласен с нижеследующим:\n1. Предмет Согласия\n11. Пользователь обязан:\n1) соблюдать конфиденциальность сведений;\n2) подать заявку на блокирование учётной записи при отсутствии более двух месяцев.',
      kk: 'Қол қойылатын мәтін — 2024 жылғы редакциядағы орыс тіліндегі мәтін.',
      en: 'NOT LEGALLY BINDING. Appendix 6: consent on the rights of use of SIO PSO.',
      kk_reference_2015: '6-қосымша. Нысан. КЕЛІСІМ (2015 жылғы редакция, анықтама үшін).',
      fields: { city: 'Астана', date: now().slice(0, 10), full_name: 'Әлиев Нұрлан Серікұлы', position: 'следователь', organisation_name: 'Департамент полиции г. Астаны' },
    }),
    sign_consent: () => {
      st.stage = 'active';
      return { ...sessionInfo(st), consent_signed_at: now() };
    },
    session: () => (st.stage ? sessionInfo(st) : null),
    lock: () => null,
    unlock: ({ pin }) => {
      if (pin !== '123456') throw new Fail(401, { code: 'TOKEN_WRONG_PIN', message: 'wrong PIN', tries_left: 2 });
      return sessionInfo(st);
    },
    logout: () => {
      st.stage = null;
      return null;
    },
    catalogue: () => CATALOGUE,
    allowed_services: ({ role, basis }) => {
      const r = CATALOGUE.roles.find((x) => x.no === role);
      if (!r || !r.bases.includes(basis)) return [];
      return CATALOGUE.services.filter((s) => s.access[basis]).map((s) => ({ service: s.no, mark: s.access[basis] }));
    },
    case_forms: ({ basis }) => (FORMS[basis] ?? []).map(([form, fields]) => ({ form, fields })),
    preview_request: ({ draft }) => {
      const document = { doc: 'sio.request/v1', request_id: '7d0c1f7e-8a4b-4e0e-9a51-2f1f5b3c9d10', user_iin: IIN, ...draft, signed_at: now() };
      return { document, canonical: JSON.stringify(document), warnings: [] };
    },
    sign_and_send: ({ draft }) => {
      const item = { request_id: `r-${st.requests.length + 1}`, service: draft.service, basis: draft.basis, case_key: draft.case.erdr ?? draft.case.number ?? '', subject_id: draft.subject.id, status: 'queued', progress: 0.1, created_at: now(), updated_at: now() };
      st.requests.unshift(item);
      setTimeout(() => { Object.assign(item, { status: 'sent', progress: 0.5, updated_at: now() }); emit('request_status', item); }, 200);
      setTimeout(() => { Object.assign(item, { status: 'result_ready', progress: 1, updated_at: now() }); emit('request_status', item); }, 500);
      return item;
    },
    list_requests: () => st.requests,
    open_result: ({ request_id }) => ({
      request_id: (st.lastOpened = request_id),
      service: 38,
      title: '38. Сведения о плательщиках НДС',
      generated_at: now(),
      truncated: false,
      table: { columns: ['БИН', 'Наименование', 'Свидетельство НДС', 'Дата постановки'], rows: [['000000000101', 'ТОО «Пример»', '60001 № 0012345', '12.03.2019'], ['000000000101', 'ТОО «Пример»', '60001 № 0012346', '01.02.2021']] },
      pdf_base64: tinyPdf('SIO PSO result 38 - VAT payers'),
    }),
    close_result: ({ request_id }) => ({ request_id, shredded: true, at: now() }),
    export_result: ({ request_id }) => ({ request_id, path: '/var/lib/sio/export/r-1.p7m', sha256: 'ab'.repeat(32), at: now() }),
    submit_application: ({ application }) => {
      const item = { application_id: `a-${st.applications.length + 1}`, action: application.action, state: 'pending', received_at: now(), late: false, applicant_name: application.applicant.full_name, order_signed_at: application.order_signed_at };
      st.applications.unshift(item);
      return item;
    },
    list_applications: () => st.applications,
    staff_list: () => ({
      organisation_bin: '000000000101',
      members: [
        { iin: IIN, full_name: 'Әлиев Нұрлан Серікұлы', position: 'следователь', state: 'registered', last_login_at: now() },
        { iin: '880202400002', full_name: 'Серікова Айгүл Маратқызы', position: 'дознаватель', state: 'registered', last_login_at: '2026-08-01T09:00:00Z', absence_block_due: '2026-10-02' },
      ],
    }),
    notices: () => ({
      planned_works: [{ id: 1, starts_at: new Date(Date.now() + 86400e3).toISOString(), ends_at: new Date(Date.now() + 90000e3).toISOString(), description_ru: 'Обновление серверов СИО ПСО', description_kk: 'СИО ПСО серверлерін жаңарту' }],
      emergencies: [],
    }),
    report: ({ from, to }) => (st.lastReport = { from, to }, {
      organisation_bin: '000000000101', from, to, generated_at: now(),
      rows: [{ request_id: 'r-1', user_iin: IIN, user_name: 'Әлиев Нұрлан Серікұлы', service: 38, basis: 'criminal', case_number: '241500031000123', article: { article: 245, part: 2 }, submitted_at: now() }],
    }),
    diagnose: () => ({
      generated_at: now(),
      items: [
        { id: 'cpu', level: 'warn', measured: '2.2 GHz, 2 cores' },
        { id: 'ram', level: 'pass', measured: '7.8 GB' },
        { id: 'disk', level: 'pass', measured: '120 GB free' },
        { id: 'internet', level: 'pass', measured: 'no route beyond the protected channel' },
        { id: 'reader', level: 'pass', measured: 'Virtual PCD 00 00' },
        { id: 'token', level: 'pass', measured: 'PIV, certificate valid to 10.01.2027' },
        { id: 'biometric', level: 'fail', measured: 'no device', code: 'BIO_NO_DEVICE' },
        { id: 'webcam', level: 'fail', measured: 'no device' },
        { id: 'channel', level: 'pass', measured: 'TLS 1.3, pinned CA, 4 ms' },
        { id: 'clock', level: 'pass', measured: '+0.3 s' },
      ],
    }),
    get_settings: () => ({ language: st.language }),
    set_settings: ({ settings }) => {
      st.language = settings.language;
      return { language: st.language };
    },
    about: () => ({ app_version: '0.1.0', protocol_version: 'sio/1', core_version: '0.1.0', catalogue_version: 'Order 34/2026 + Order 88/2024', gateway: 'https://127.0.0.1:8443' }),
  };

  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST, GET, OPTIONS' };
  const server = http.createServer((req, res) => {
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    if (req.method === 'GET' && req.url === '/api/events') {
      res.writeHead(200, { ...cors, 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': hello\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    const m = req.url?.match(/^\/api\/(\w+)$/);
    if (req.method !== 'POST' || !m || !commands[m[1]]) {
      res.writeHead(404, { ...cors, 'content-type': 'application/json' });
      return res.end(JSON.stringify({ code: 'UI_BAD_RESPONSE', message: 'no such command' }));
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const out = commands[m[1]](body ? JSON.parse(body) : {});
        res.writeHead(200, { ...cors, 'content-type': 'application/json' });
        res.end(JSON.stringify(out ?? null));
      } catch (e) {
        const status = e instanceof Fail ? e.status : 500;
        const b = e instanceof Fail ? e.body : { code: 'UI_UNEXPECTED', message: String(e) };
        res.writeHead(status, { ...cors, 'content-type': 'application/json' });
        res.end(JSON.stringify(b));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    /** Back to the first state; `factors`: the second factors the gateway offers. */
    reset: (factors) => {
      st = freshState();
      if (factors) st.factors = factors;
    },
    get factors() { return st.factors; },
    get smsRequests() { return st.smsRequests; },
    /** The period of the last report asked for (ISO dates as the UI sent them). */
    get lastReport() { return st.lastReport ?? null; },
    insertCard: () => {
      st.readers[0].card_present = true;
      st.readers[0].token_label = 'PIV — ӘЛИЕВ НҰРЛАН';
      emit('card', { kind: 'inserted', reader: st.readers[0].name });
    },
    removeCard: () => {
      st.readers[0].card_present = false;
      delete st.readers[0].token_label;
      emit('card', { kind: 'removed', reader: st.readers[0].name });
    },
    /** The viewing time of the result opened last ran out: the app destroyed it. */
    expireResult: () => emit('result_expired', { request_id: st.lastOpened, at: now() }),
    close: () => new Promise((r) => { for (const c of clients) c.end(); server.close(r); }),
  };
}
