// Test runner. Database suites run on PGlite, or on PostgreSQL when TEST_DATABASE_URL is set
// (each suite gets a database cloned from a migrated template, made once in globalSetup).
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'rules/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
