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
      input: { index: resolve(import.meta.dirname, 'index.html'), respond: resolve(import.meta.dirname, 'respond.html') },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
})
