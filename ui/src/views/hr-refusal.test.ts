// @vitest-environment jsdom
// 2015 Rules r.14: the operator's refusal is motivated and signed. The HR view shows the reasons
// of a refusal whose signature the app verified, and the coded error — not the reasons — of one
// that did not verify (CLIENT_HR_REFUSAL_SIGNATURE, set by sio-app's list_applications).
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import { language } from '../lib/i18n';
import { setBackend, type ApplicationItem, type Backend } from '../lib/backend';
import { session } from '../lib/session/stores';
import HrView from './HrView.svelte';

let app: Record<string, unknown> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

const base = {
  action: 'transfer',
  state: 'refused',
  received_at: '2026-12-04T12:00:00+05:00',
  done_at: '2026-12-05T10:00:00+05:00',
  late: false,
  applicant_name: 'ИВАНОВ АЛЕКСЕЙ',
} as const;

const verified: ApplicationItem = {
  ...base,
  application_id: '11111111-1111-4111-8111-111111111111',
  refusal_reasons: 'Приказ не переводит заявителя на роль 18.',
  refusal: {
    document: {
      doc: 'sio.hr-refusal/v1',
      application_id: '11111111-1111-4111-8111-111111111111',
      action: 'transfer',
      applicant_iin: '850415300121',
      organisation_bin: '040340001233',
      reasons: 'Приказ не переводит заявителя на роль 18.',
      // 05:00Z = 10:00 in Astana.
      received_at: '2026-12-04T12:00:00+05:00',
      refused_at: '2026-12-05T05:00:00Z',
      operator: 'operator',
    },
    cms: 'MA==',
  },
} as ApplicationItem;

const forged: ApplicationItem = {
  ...base,
  application_id: '22222222-2222-4222-8222-222222222222',
  refusal_error: { code: 'CLIENT_HR_REFUSAL_SIGNATURE', message: 'the refusal is not signed by the operator' },
} as ApplicationItem;

describe('HrView: the operator’s refusal', () => {
  it('shows verified reasons and the code, not reasons, of a refusal that failed verification', async () => {
    language.set('ru');
    session.set({
      stage: 'active',
      factors: ['sms'],
      user: { iin: '901120400238', full_name: 'HR', organisation_bin: '040340001233', organisation_name: 'Org', role: null, reports: false, hr: true },
      expires_at: '2026-12-06T23:00:00Z',
      idle_until: '2026-12-06T12:00:00Z',
      consent_version: '1',
    } as never);
    setBackend({
      listApplications: async () => [verified, forged],
      listReaders: async () => [],
    } as unknown as Backend);
    app = mount(HrView, { target: document.body });
    for (let i = 0; i < 5; i++) {
      await tick();
      await new Promise((r) => setTimeout(r, 0));
    }
    flushSync();
    const reasons = document.querySelectorAll('[data-testid=refusal-reasons]');
    expect(reasons.length).toBe(1);
    expect(reasons[0].textContent).toContain('Приказ не переводит заявителя на роль 18.');
    expect(document.querySelector('[data-testid=refusal-signed]')!.textContent).toContain('05.12.2026, 10:00');
    const err = document.querySelector('[data-testid=refusal-error]')!;
    expect(err.getAttribute('data-code')).toBe('CLIENT_HR_REFUSAL_SIGNATURE');
    expect(err.textContent).toContain('CLIENT_HR_REFUSAL_SIGNATURE');
    expect(document.body.textContent).not.toContain('the refusal is not signed');
  });
});
