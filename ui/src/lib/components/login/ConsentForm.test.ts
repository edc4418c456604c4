// @vitest-environment jsdom
// The consent view (rule 17; Appendix 6 as amended by Order 88/2024): the Russian text signed,
// readable (headings, points), the filled fields marked, the hash shown; kk: the notice and the
// 2015 text as a reference; en: the courtesy translation.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { language } from '../../i18n';
import ConsentForm from './ConsentForm.svelte';
import type { ConsentText } from '../../backend';

let app: Record<string, unknown> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

const text: ConsentText = {
  version: 'app6-2024.2',
  signed_language: 'ru',
  sha256: 'ab'.repeat(32),
  form_date: '2026-12-06',
  ru: 'Приложение 6\nк Правилам\n\nСогласие на условия использования системы\n\n"6" декабря 2026 года\n\n1. Пользователь, в лице ИВАНОВ АЛЕКСЕЙ, следователь\n(фамилия, имя, отчество (при его наличии), должность)\n\n3. Права и обязанности пользователя\n\n11. Обязанности пользователя:\n\n2) в случае длительного, более двух месяцев, отсутствия на рабочем месте подать электронную заявку на блокировку своей учетной записи;\n',
  kk: 'Назар аударыңыз: қол қойылатын мәтін — орыс тіліндегі мәтіні.',
  en: 'COURTESY TRANSLATION — NOT LEGALLY BINDING.\n\n11. Duties of the user:',
  fields: { full_name: 'ИВАНОВ АЛЕКСЕЙ', position: 'следователь', organisation_name: 'ДП', date: '2026-12-06' },
  kk_reference_2015: '6-қосымша\n\nКЕЛІСІМ',
};

describe('ConsentForm', () => {
  it('renders the signed Russian text with headings, points and marked fields (kk: notice and reference)', () => {
    language.set('kk');
    app = mount(ConsentForm, { target: document.body, props: { text, busy: false, onsign: () => {} } });
    flushSync();
    const signed = document.querySelector('[data-consent=signed]')!;
    expect(signed.getAttribute('lang')).toBe('ru');
    expect(signed.querySelector('.chapter')?.textContent).toBe('3. Права и обязанности пользователя');
    expect(signed.querySelector('.sub')?.textContent).toContain('более двух месяцев');
    expect([...signed.querySelectorAll('mark.field')].map((m) => m.textContent)).toEqual(['"6" декабря 2026 года', 'ИВАНОВ АЛЕКСЕЙ', 'следователь']);
    expect(document.querySelector('[data-consent=kk-notice]')?.textContent).toContain('орыс тіліндегі');
    expect(document.querySelector('[data-consent=kk-2015]')).not.toBeNull();
    expect(document.querySelector('[data-consent=translation]')).toBeNull();
    expect(document.querySelector('[data-consent=hash]')?.textContent).toContain('ab'.repeat(32));
  });
  it('en: the signed Russian text and the translation marked not legally binding', () => {
    language.set('en');
    app = mount(ConsentForm, { target: document.body, props: { text, busy: false, onsign: () => {} } });
    flushSync();
    expect(document.querySelector('[data-consent=signed]')?.textContent).toContain('Пользователь, в лице');
    expect(document.querySelector('[data-consent=translation] summary')?.textContent).toContain('not legally binding');
    expect(document.querySelector('[data-consent=kk-notice]')).toBeNull();
  });
});
