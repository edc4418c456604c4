// @vitest-environment jsdom
// Component tests: Svelte components mounted in jsdom.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { language } from '../i18n';
import { session } from '../session/stores';
import ErrorBox from './shared/ErrorBox.svelte';
import ComposerView from '../../views/ComposerView.svelte';
import type { SessionInfo } from '../backend';

let app: Record<string, unknown> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

function user(role: number): SessionInfo {
  return {
    stage: 'active',
    factors: ['sms'],
    user: { iin: '900101300106', full_name: 'Test', organisation_bin: '000000000101', organisation_name: 'Org', role, reports: false, hr: false },
    expires_at: '2026-11-23T23:00:00Z',
    idle_until: '2026-11-23T12:00:00Z',
    consent_version: '1',
  };
}

describe('ErrorBox', () => {
  it('shows code, message and the translated "what to do" looked up by code', () => {
    language.set('ru');
    app = mount(ErrorBox, { target: document.body, props: { error: { code: 'GW_OTP_WRONG', message: 'anything at all' } } });
    const box = document.querySelector('[role=alert]')!;
    expect(box.getAttribute('data-code')).toBe('GW_OTP_WRONG');
    expect(box.textContent).toContain('Проверьте код из SMS');
    expect(box.textContent).toContain('anything at all');
  });
  it('falls back to the default text for unknown codes', () => {
    language.set('en');
    app = mount(ErrorBox, { target: document.body, props: { error: { code: 'NEW_CODE', message: 'TOKEN_WRONG_PIN' } } });
    expect(document.body.textContent).toContain('tell the helpdesk the code');
    expect(document.body.textContent).not.toContain('Check the PIN');
  });
});

describe('ComposerView offers only allowed choices', () => {
  function bases(): string[] {
    return [...document.querySelectorAll('[data-basis]')].map((e) => e.getAttribute('data-basis')!);
  }
  it('bailiff (15) sees only enforcement', () => {
    session.set(user(15));
    app = mount(ComposerView, { target: document.body });
    flushSync();
    expect(bases()).toEqual(['enforcement']);
  });
  it('judge (2) never sees admin_offence', () => {
    session.set(user(2));
    app = mount(ComposerView, { target: document.body });
    flushSync();
    expect(bases()).not.toContain('admin_offence');
    expect(bases()).toContain('criminal');
  });
  it('role 3 on criminal: service 38 asks for a Chapter 8 article', () => {
    language.set('en');
    session.set(user(3));
    app = mount(ComposerView, { target: document.body });
    flushSync();
    const crim = document.querySelector<HTMLInputElement>('[data-basis=criminal]')!;
    crim.click();
    flushSync();
    const select = document.querySelector<HTMLSelectElement>('[data-testid=service]')!;
    expect([...select.options].some((o) => o.value === '38')).toBe(true);
    expect(document.querySelector('#article-no')).toBeNull();
    select.value = '38';
    select.dispatchEvent(new Event('change'));
    flushSync();
    expect(document.querySelector('#article-no')).not.toBeNull();
    expect(document.querySelector('[data-mark=articles]')).not.toBeNull();
    expect(document.querySelector('#case-erdr')).not.toBeNull();
  });
  it('shows inline errors on preview and focuses the first invalid field', async () => {
    language.set('en');
    session.set(user(15));
    app = mount(ComposerView, { target: document.body });
    flushSync();
    document.querySelector<HTMLInputElement>('[data-basis=enforcement]')!.click();
    flushSync();
    const select = document.querySelector<HTMLSelectElement>('[data-testid=service]')!;
    select.value = select.options[1].value;
    select.dispatchEvent(new Event('change'));
    flushSync();
    document.querySelector<HTMLButtonElement>('[data-action=preview]')!.click();
    await new Promise((r) => setTimeout(r, 0));
    flushSync();
    expect(document.querySelector('#case-number-err')?.textContent).toBe('Fill in this field.');
    expect(document.querySelector('#subject-id-err')?.textContent).toBe('Twelve digits.');
    expect(document.activeElement?.id).toBe('case-number');
  });
});
