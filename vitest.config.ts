import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vitest/config'

/**
 * The integration, security, reliability and privacy suites run twice: on SQLite ('node') and on PostgreSQL
 * ('node-pg': TEST_ENGINE=postgres makes buildTestApp and the suites that choose their engine open a clone of a
 * migrated template database per test on the server at TEST_DATABASE_URL, tests/helpers/pg-test-db.ts). Without a
 * server, 'node-pg' runs one file that reports itself skipped and says how to start one.
 */
const INTEGRATION = [
  'tests/server/**/*.test.ts',
  'tests/security/**/*.test.ts',
  'tests/reliability/**/*.test.ts',
  'tests/privacy/**/*.test.ts',
]
const ON_ONE_ENGINE = [
  // PostgreSQL's own suites (several instances, CLI and db:copy on PostgreSQL, the holder's view of PostgreSQL):
  // they run in 'node' when TEST_DATABASE_URL is set
  'tests/server/pg-*.test.ts',
  'tests/**/*-pg.test.ts',
  'tests/server/messaging-cluster.test.ts',
  'tests/reliability/db-copy.test.ts',
  // about SQLite's file itself (its WAL, a thief's copy, kill -9 of a process on it, the backup API, a migration
  // of an old file, the CLI on a file): their PostgreSQL counterparts are the *-pg and pg-* suites above
  'tests/privacy/linkage.test.ts',
  'tests/privacy/storage.test.ts',
  'tests/privacy/paradata-seal.test.ts',
  'tests/reliability/backup.test.ts',
  'tests/reliability/crash.test.ts',
  'tests/reliability/tampering.test.ts',
  'tests/reliability/ill-formed-text.test.ts',
  'tests/reliability/paper-root.test.ts',
  'tests/server/council-migration.test.ts',
  'tests/server/cli.test.ts',
  'tests/server/ledger.test.ts',
  'tests/server/seed-rounds.test.ts',
  'tests/server/demo-2026.test.ts',
  // no database: configuration, deploy files, the route contract, the stream helpers
  'tests/server/config.test.ts',
  'tests/server/deploy-config.test.ts',
  'tests/server/export-streams.test.ts',
  'tests/security/contract.test.ts',
  'tests/security/code-guess-memory.test.ts',
]
const pgServer = Boolean(process.env.TEST_DATABASE_URL)

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'shared/src/**/*.test.ts',
            'db/src/**/*.test.ts',
            'server/src/**/*.test.ts',
            'scripts/**/*.test.ts',
            'tools/*/src/**/*.test.ts',
            'tests/server/**/*.test.ts',
            'tests/security/**/*.test.ts',
            'tests/reliability/**/*.test.ts',
            'tests/privacy/**/*.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'node-pg',
          environment: 'node',
          include: pgServer ? INTEGRATION : ['tests/pg-engine-needs-server.test.ts'],
          exclude: pgServer ? ON_ONE_ENGINE : [],
          env: { TEST_ENGINE: 'postgres' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'web',
          environment: 'happy-dom',
          include: ['web/src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
