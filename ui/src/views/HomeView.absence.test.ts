// @vitest-environment jsdom
// The two-month absence (Appendix 6 §11.2 as amended by Order 88/2024): the home screen shows the
// banner when the gateway says a block of the user's own account was due, and its button opens
// the HR form on the user's own blocking.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { get } from 'svelte/store';
import { language } from '../lib/i18n';
import { route, session } from '../lib/session/stores';
import { filedOwnBlock, ownBlockRequested } from '../lib/consent/absence';
import HomeView from './HomeView.svelte';
import type { ApplicationItem, SessionInfo } from '../lib/backend';

let app: Record<string, unknown> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

function info(due?: string): SessionInfo {
  return {
    stage: 'active',
    factors: ['sms'],
    user: { iin: '850415300121', full_name: 'ИВАНОВ АЛЕКСЕЙ', organisation_bin: '040340001233', organisation_name: 'ДП', role: 3, reports: false, hr: false },
    expires_at: '2026-12-06T23:00:00+05:00',
    idle_until: '2026-12-06T12:00:00+05:00',
    consent_version: 'app6-2024.2',
    previous_login_at: due ? '2026-09-01T10:00:00+05:00' : undefined,
    absence_block_due: due,
  };
}

describe('HomeView absence banner', () => {
  it('is shown with the dates when the block was due, and opens the own-block form', () => {
    language.set('ru');
    session.set(info('2026-11-02'));
    app = mount(HomeView, { target: document.body });
    flushSync();
    const banner = document.querySelector('[data-testid=absence-banner]')!;
    expect(banner.textContent).toContain('02.11.2026');
    expect(banner.textContent).toContain('01.09.2026');
    (banner.querySelector('[data-action=own-block]') as HTMLButtonElement).click();
    expect(get(ownBlockRequested)).toBe(true);
    expect(get(route)).toEqual({ name: 'hr' });
    ownBlockRequested.set(false);
  });
  it('is not shown otherwise', () => {
    language.set('en');
    session.set(info());
    app = mount(HomeView, { target: document.body });
    flushSync();
    expect(document.querySelector('[data-testid=absence-banner]')).toBeNull();
  });
});

describe('filedOwnBlock', () => {
  const s = info('2026-11-02');
  const item = (over: Partial<ApplicationItem>): ApplicationItem => ({
    applicant_name: 'ИВАНОВ АЛЕКСЕЙ',
    application_id: 'a',
    action: 'blocking',
    state: 'pending',
    received_at: '2026-12-06T10:00:00+05:00',
    late: false,
    ...over,
  });
  it('counts the own blocking filed since the previous login, not refused', () => {
    expect(filedOwnBlock([item({})], s)).toBe(true);
    expect(filedOwnBlock([item({ state: 'refused' })], s)).toBe(false);
    expect(filedOwnBlock([item({ action: 'transfer' })], s)).toBe(false);
    expect(filedOwnBlock([item({ applicant_name: 'ДРУГОЙ' })], s)).toBe(false);
    expect(filedOwnBlock([item({ received_at: '2026-08-01T10:00:00+05:00' })], s)).toBe(false);
  });
});
