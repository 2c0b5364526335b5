import { resolve } from 'node:path'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'

// Two entries: `index.html` (staff + council app, served at / and /app/*) and `respond.html`
// (the resident form at /r/:token — tiny, no Chart.js, no shared index import).
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    rollupOptions: {
      // zod/mini schemas are built by plain calls on the `z` namespace: declaring them pure lets the
      // resident page import `checkAnswers` and the limits from the ballot contract without shipping
      // zod (schemas it does not use are dropped; see tests/e2e/respond-budget.test.ts).
      treeshake: { manualPureFunctions: ['z'] },
      input: { index: resolve(import.meta.dirname, 'index.html'), respond: resolve(import.meta.dirname, 'respond.html') },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})
