import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { CostSequencer } from './test/setup/sequencer.js';

// Projects by cost:
// - unit: in-process tests only (no built command, no nginx, certbot or Pebble): the edit loop, `npm run test:unit`.
// - cli: tests that run the built commands or the real nginx -t; dist/ is rebuilt first when src/ or templates/ changed.
// - reliability: stress, fuzz and fault tests; sizes from environment variables, a fixed seed by default.
// - e2e: real nginx, certbot and Pebble. Pebble validates on port 80, so each worker's lab
//   binds its own loopback block (lab/loopback.ts): e2e files run side by side with the rest.
//
// A worker is reused from file to file (isolate: false): no test file keeps state past its own
// hooks, and the two that wrap node:fs load their subject afresh (vi.resetModules). Workers: the
// tests mostly wait on real processes (certbot, nginx, etcd, lease timeouts), so more workers than
// cores; CERT_WRAP_TEST_WORKERS overrides.
// A machine may set NODE_EXTRA_CA_CERTS (this one names the system bundle): Node then reads that bundle
// at every start, about 50 ms of CPU for each of the thousands of processes the tests start. Nothing
// they reach on loopback needs the machine's extra CAs (Pebble's CA is handed over explicitly).
delete process.env['NODE_EXTRA_CA_CERTS'];
const cacheDir = 'test/setup/cache-dir.ts';
const builtDist = 'test/setup/built-dist.ts';

const maxWorkers = Number(process.env['CERT_WRAP_TEST_WORKERS'] ?? 0) || Math.max(3, availableParallelism() + 1);

export default defineConfig({
  test: {
    maxWorkers,
    sequence: { sequencer: CostSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          isolate: false,
          include: ['test/unit/**/*.test.ts', 'test/architecture/**/*.test.ts'],
          globalSetup: [cacheDir],
          setupFiles: ['test/setup/no-subprocess.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'cli',
          isolate: false,
          include: ['test/cli/**/*.test.ts'],
          globalSetup: [cacheDir, builtDist],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'reliability',
          isolate: false,
          include: ['test/reliability/**/*.test.ts'],
          globalSetup: [cacheDir, builtDist],
          testTimeout: 240_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          isolate: false,
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: [cacheDir, builtDist],
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
