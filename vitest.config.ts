// Test runner. Database suites run on PGlite, or on PostgreSQL when TEST_DATABASE_URL is set
// (each suite gets a database cloned from a migrated template, made once in the root globalSetup).
// Two projects: the node suites, and the browser suites that drive Debian's Chromium against the
// real server (skipped, loudly, when Chromium is missing); the latter builds the console first.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // runs once for every project: the PostgreSQL template both projects clone
    globalSetup: ['test/support/global-setup.ts'],
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts', 'rules/**/*.test.ts'],
          exclude: ['test/browser/**', '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
    ],
  },
})
