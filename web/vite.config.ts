import { resolve } from 'node:path'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'

const page = (name: string) => resolve(import.meta.dirname, `${name}.html`)

// Two entries: `index.html` (staff + council app, served at / and /app/*) and `respond.html`
// (the resident form at /r/:token — tiny, no Chart.js, no shared index import).
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    target: 'es2020',
    rollupOptions: {
      // zod/mini schemas are built by plain calls on the `z` namespace: declaring them pure lets the
      // resident page import `checkAnswers` and the limits from the ballot contract without shipping
      // zod (schemas it does not use are dropped; see tests/e2e/respond-budget.test.ts).
      treeshake: { manualPureFunctions: ['z'] },
    },
  },
  // Each entry is its own build (same dist/): a chunk shared by both would carry every part of the
  // Svelte runtime the staff app uses, and the resident page (25 KB gzip budget, weak 3G) would
  // download it. The resident page ships as one JS + one CSS file, so it needs no preload polyfill.
  environments: {
    client: { build: { emptyOutDir: true, rollupOptions: { input: { index: page('index') } } } },
    respond: {
      consumer: 'client',
      build: {
        emptyOutDir: false,
        modulePreload: { polyfill: false },
        // Svelte's runtime already needs Chrome 85 (String#replaceAll); es2022 keeps its private class
        // members native instead of WeakMap helpers (−1.4 KB gzip). Cost: Safari 15+ (iOS 14 is out).
        target: 'es2022',
        rollupOptions: { input: { respond: page('respond') } },
      },
    },
  },
  builder: {
    async buildApp(builder) {
      await builder.build(builder.environments.client!)
      await builder.build(builder.environments.respond!)
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})
