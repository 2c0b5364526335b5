import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['shared/src/**/*.test.ts', 'db/src/**/*.test.ts', 'server/src/**/*.test.ts', 'scripts/**/*.test.ts', 'tests/server/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
    ],
  },
})
