import { defineConfig } from 'vitest/config';

// The `lumina-source` export condition lets tests import workspace packages from src/, so
// nothing has to be built first. Node-environment tests resolve through Vite's SSR conditions;
// the rest of each list is Vite's default.
const resolve = { conditions: ['lumina-source', 'module', 'browser', 'development|production'] };
const ssr = { resolve: { conditions: ['lumina-source', 'module', 'node', 'development|production'] } };

export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['packages/{server,sdk,cli}/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          globalSetup: ['packages/server/src/test-support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve,
        test: {
          name: 'web',
          environment: 'happy-dom',
          include: ['packages/web/src/**/*.test.{ts,tsx}'],
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.e2e.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
