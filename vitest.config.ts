import { defineConfig } from 'vitest/config';

/**
 * The suites that talk HTTP to a server of test/support/server.ts and whose store or shared
 * state a database could change: they run a second time on PostgreSQL and Redis (issue 14).
 * Store suites need no second pass: they run on every dialect already (describe.each(DIALECTS)).
 */
const HTTP_SUITES = [
  'test/api/**/*.test.ts',
  'test/console/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/rfc9700/login-throttle.test.ts',
  'test/security/login-hardening.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Suites that share PostgreSQL or Redis isolate themselves by schema / key prefix.
    fileParallelism: true,
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: HTTP_SUITES,
          // The browser suite drives Chromium over the pages; the pages do not depend on the store.
          exclude: ['test/console/pages-e2e.test.ts'],
          // startServer: a private PostgreSQL schema and a Redis key prefix per server (test/support/server.ts).
          env: {
            SHOPAUTH_TEST_STORE: 'postgres',
            SHOPAUTH_TEST_REDIS: process.env.SHOPAUTH_TEST_REDIS ?? 'redis://127.0.0.1:6379',
            // The fuzz suite's 8000 requests prove input handling on SQLite; here they prove the store answers the same.
            SHOPAUTH_FUZZ_RUNS: process.env.SHOPAUTH_FUZZ_RUNS ?? '2000',
          },
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'html'],
      reportsDirectory: 'coverage',
    },
  },
});
