// Vitest setup (vite.config.ts `test.setupFiles`): every dictionary loaded before a test runs, as
// the app has the current language's loaded before anything is shown; tests translate into any of
// the three synchronously.
import { LANGUAGES, loadLanguage } from './index';

await Promise.all(LANGUAGES.map(loadLanguage));
