// Both Backend implementations speak the same contract: the web one over real HTTP + SSE against
// the in-test harness on 127.0.0.1, the Tauri one through Tauri's own mockIPC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../../tests/smoke/harness.mjs';
import { BackendError, COMMANDS } from './index';
import { webBackend } from './web';
import { allowedServices } from '../catalogue';
import { fieldsOf, formsFor } from '../catalogue/case-fields';

describe('web backend', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('lists readers and certificates', async () => {
    const b = webBackend(h.url);
    const readers = await b.listReaders();
    expect(readers[0].name).toBe('Virtual PCD 00 00');
    const certs = await b.listCertificates(readers[0].name);
    expect(certs.map((c) => c.usage)).toEqual(['auth', 'sign']);
  });

  it('maps a non-2xx body to BackendError with code and tries left', async () => {
    const b = webBackend(h.url);
    const err = await b.login({ reader: 'Virtual PCD 00 00', certificate_id: 'auth-1' }, '000000').catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe('TOKEN_WRONG_PIN');
    expect(err.tries_left).toBe(2);
    const s = await b.login({ reader: 'Virtual PCD 00 00', certificate_id: 'auth-1' }, '123456');
    expect(s.stage).toBe('second_factor');
  });

  it('serves the same allowed choices and case forms as the bundled catalogue logic', async () => {
    const b = webBackend(h.url);
    for (const [role, basis] of [[15, 'enforcement'], [3, 'criminal'], [2, 'admin_offence']] as const) {
      const remote = await b.allowedServices(role, basis);
      expect(remote).toEqual(allowedServices(role, basis).map((a) => ({ service: a.service.no, mark: a.mark })));
    }
    const forms = await b.caseForms('criminal');
    expect(forms.map((f) => f.form)).toEqual(formsFor('criminal'));
    for (const f of forms) expect(f.fields).toEqual(fieldsOf(f.form).map((x) => x.key));
  });

  it('reports an unreachable harness with a code', async () => {
    const err = await webBackend('http://127.0.0.1:1').about().catch((e) => e);
    expect(err.code).toBe('UI_HARNESS_UNREACHABLE');
  });
});

describe('tauri backend', () => {
  it('invokes the contract command names with snake_case payloads and maps errors', async () => {
    (globalThis as unknown as { window: unknown }).window = globalThis;
    const { mockIPC, clearMocks } = await import('@tauri-apps/api/mocks');
    const { tauriBackend } = await import('./tauri');
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'login') throw { code: 'TOKEN_PIN_BLOCKED', message: 'blocked', tries_left: 0 };
      if (cmd === 'export_result') return { request_id: 'r', path: '/x', sha256: '', at: '' };
      return null;
    });
    const b = tauriBackend();
    const err = await b.login({ reader: 'R', certificate_id: 'C' }, '1234').catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.code).toBe('TOKEN_PIN_BLOCKED');
    await b.exportResult({ request_id: 'r', case_key: 'k', reason: 'why', pin: '1234' });
    expect(calls).toEqual([
      ['login', { reader: 'R', certificate_id: 'C', pin: '1234' }],
      ['export_result', { request_id: 'r', case_key: 'k', reason: 'why', pin: '1234' }],
    ]);
    expect(COMMANDS.every((c) => /^[a-z_]+$/.test(c))).toBe(true);
    expect(COMMANDS).toContain('login');
    expect(COMMANDS).toContain('export_result');
    clearMocks();
  });
});
