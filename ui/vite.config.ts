/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI is embedded by the Tauri shell (src-tauri, `frontendDist: ../ui/dist`) and also served
// by `vite preview` for browser tests. No remote resources: everything, including the pdf.js
// worker, is emitted into dist/.
export default defineConfig({
  plugins: [svelte()],
  // Component tests mount Svelte components in jsdom: resolve Svelte's browser build there.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  clearScreen: false,
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: false },
  build: {
    target: 'es2022',
    sourcemap: false,
    // pdf.js is big; it is loaded lazily by the result viewer only.
    chunkSizeWarningLimit: 2000,
  },
  test: {
    include: ['src/**/*.test.ts'],
    // The dictionaries are chunks loaded on demand (src/lib/i18n): load all three first.
    setupFiles: ['src/lib/i18n/test-setup.ts'],
    environment: 'node',
  },
});
