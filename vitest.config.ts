import { defineConfig } from 'vitest/config';

// Projects by cost:
// - unit: in-process tests only (no built command, no nginx, certbot or Pebble): the edit loop, `npm run test:unit`.
// - cli: tests that run the built commands or the real nginx -t; dist/ is rebuilt first when src/ or templates/ changed.
// - reliability: stress, fuzz and fault tests; sizes from environment variables, a fixed seed by default.
// - e2e: real nginx, certbot and Pebble on fixed loopback ports (Pebble's validator
//   always connects to port 80), so one file at a time.
const cacheDir = 'test/setup/cache-dir.ts';
const builtDist = 'test/setup/built-dist.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/architecture/**/*.test.ts'],
          globalSetup: [cacheDir],
          setupFiles: ['test/setup/no-subprocess.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'cli',
          include: ['test/cli/**/*.test.ts'],
          globalSetup: [cacheDir, builtDist],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          globalSetup: [cacheDir, builtDist],
          testTimeout: 240_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: [cacheDir, builtDist],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
