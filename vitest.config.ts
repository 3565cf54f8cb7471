import { defineConfig } from 'vitest/config';

// Unit tests run in parallel. Tests under test/e2e/ start real nginx, certbot and
// Pebble on fixed loopback ports (Pebble's validator always connects to port 80),
// so they run one file at a time in a project of their own.
export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
