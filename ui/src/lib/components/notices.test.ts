// @vitest-environment jsdom
// The notices banner (2015 Rules r.44: planned works published to users in advance; rr.41–43:
// open emergencies): kk/ru/en, times in Astana time from the UI's own offset table.
import { afterEach, describe, expect, it } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import { language } from '../i18n';
import NoticesBanner from './shared/NoticesBanner.svelte';
import type { Notices } from '../backend';

let app: Record<string, unknown> | null = null;
afterEach(() => {
  if (app) unmount(app);
  app = null;
  document.body.innerHTML = '';
});

const notices: Notices = {
  planned_works: [
    {
      id: 7,
      // 17:00Z = 22:00 in Astana (UTC+5 since 2024-03-01), whatever the machine's time zone.
      starts_at: '2026-12-12T17:00:00Z',
      ends_at: '2026-12-12T20:30:00+00:00',
      description_ru: 'Обновление СУБД шлюза',
      description_kk: 'Шлюздің ДҚБЖ жаңартылады',
    },
  ],
  emergencies: [{ id: 3, started_at: '2026-12-06T04:10:00Z', cause: 'Отказ электропитания' }],
};

describe('NoticesBanner', () => {
  it('shows a planned work in Russian with Astana times', () => {
    language.set('ru');
    app = mount(NoticesBanner, { target: document.body, props: { notices } });
    flushSync();
    const p = document.querySelector('[data-testid=notice-planned]')!;
    expect(p.textContent).toContain('Плановые работы с 12.12.2026, 22:00 до 13.12.2026, 01:30 (время Астаны): Обновление СУБД шлюза');
    const e = document.querySelector('[data-testid=notice-emergency]')!;
    expect(e.textContent).toContain('06.12.2026, 09:10');
    expect(e.textContent).toContain('Отказ электропитания');
  });
  it('shows the Kazakh description in Kazakh', () => {
    language.set('kk');
    app = mount(NoticesBanner, { target: document.body, props: { notices } });
    flushSync();
    const p = document.querySelector('[data-testid=notice-planned]')!;
    expect(p.textContent).toContain('Жоспарлы жұмыстар 12.12.2026, 22:00 бастап 13.12.2026, 01:30 дейін (Астана уақыты): Шлюздің ДҚБЖ жаңартылады');
  });
  it('shows English labels with the Russian description and en dates', () => {
    language.set('en');
    app = mount(NoticesBanner, { target: document.body, props: { notices } });
    flushSync();
    const p = document.querySelector('[data-testid=notice-planned]')!;
    expect(p.textContent).toContain('Planned works from 12/12/2026, 22:00 to 13/12/2026, 01:30 (Astana time): Обновление СУБД шлюза');
  });
  it('shows nothing when there is nothing to announce', () => {
    language.set('ru');
    app = mount(NoticesBanner, { target: document.body, props: { notices: { planned_works: [], emergencies: [] } } });
    flushSync();
    expect(document.querySelector('[data-testid=notices]')).toBeNull();
  });
});
