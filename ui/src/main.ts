import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { languageReady } from './lib/i18n';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
// The first screen is laid out once, in the start language: its dictionary (a chunk of its own,
// requested when lib/i18n was evaluated) comes first. A chunk that cannot be loaded leaves the
// keys on the page rather than no page. (No top-level await: the screens loaded later import
// from this bundle, and an entry that awaits would be split into many small chunks.)
void languageReady
  .catch((e: unknown) => console.error('dictionary not loaded', e))
  .then(() => mount(App, { target }));
