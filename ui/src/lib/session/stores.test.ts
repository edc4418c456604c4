// @vitest-environment jsdom
// An open result whose viewing time ran out (event `result_expired`, the policy's
// `results.shred_after_view_minutes`): the result screen is left as a lock leaves it and the
// officer is told when it was destroyed, in Astana time, in kk/ru/en.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { get } from 'svelte/store';
import { language } from '../i18n';
import LostResultNotice from '../components/results/LostResultNotice.svelte';
import { lostOnLock, openResult, pendingLeave, resultExpired, route } from './stores';

const ID = '0b4c1f6e-2a7d-4c55-9e1a-3f2d6c7b8a90';
const OTHER = '7d0e9a11-5b3c-4f21-8c6e-1a2b3c4d5e6f';
// 04:10Z = 09:10 in Astana (UTC+5 since 2024-03-01), whatever the machine's time zone.
const AT = '2026-12-06T09:10:42+05:00';

let app: Record<string, unknown> | null = null;
beforeEach(() => {
  route.set({ name: 'result', requestId: ID });
  openResult.set({ requestId: ID, service: 1 });
  pendingLeave.set(null);
  lostOnLock.set(null);
});
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

describe('result_expired', () => {
  it('leaves the screen of the expired result and records why and when', () => {
    pendingLeave.set({ name: 'home' }); // a "leave the open result?" question was on the screen
    expect(resultExpired({ request_id: ID, at: AT })).toBe(true);
    expect(get(openResult)).toBeNull();
    expect(get(pendingLeave)).toBeNull();
    expect(get(route)).toEqual({ name: 'outbox' });
    expect(get(lostOnLock)).toEqual({ requestId: ID, service: 1, at: AT, cause: 'expired' });
  });

  it('ignores a result that is not on the screen', () => {
    expect(resultExpired({ request_id: OTHER, at: AT })).toBe(false);
    expect(get(openResult)).toEqual({ requestId: ID, service: 1 });
    expect(get(route)).toEqual({ name: 'result', requestId: ID });
    expect(get(lostOnLock)).toBeNull();
    openResult.set(null);
    route.set({ name: 'home' });
    expect(resultExpired({ request_id: ID, at: AT })).toBe(false);
    expect(get(route)).toEqual({ name: 'home' });
    expect(get(lostOnLock)).toBeNull();
  });

  it.each([
    ['en', 'The viewing time ended', 'was destroyed at 09:10'],
    ['ru', 'Время просмотра истекло', 'уничтожен в 09:10'],
    ['kk', 'Қарау уақыты аяқталды', 'жойылды (09:10)'],
  ] as const)('tells the officer in %s, in Astana time', (lang, head, when) => {
    language.set(lang);
    resultExpired({ request_id: ID, at: AT });
    app = mount(LostResultNotice, { target: document.body });
    flushSync();
    const p = document.querySelector('[data-testid=result-lost] [data-cause=expired]');
    expect(p?.textContent).toContain(head);
    expect(p?.textContent).toContain(when);
    (document.querySelector('[data-action=result-lost-ok]') as HTMLButtonElement).click();
    flushSync();
    expect(get(lostOnLock)).toBeNull();
    expect(document.querySelector('[data-testid=result-lost]')).toBeNull();
  });

  it('a lock keeps its own message', () => {
    language.set('en');
    lostOnLock.set({ requestId: ID, service: 1, at: AT });
    app = mount(LostResultNotice, { target: document.body });
    flushSync();
    const text = document.querySelector('[data-testid=result-lost]')?.textContent ?? '';
    expect(text).toContain('when the session locked');
    expect(text).not.toContain('viewing time');
  });
});
