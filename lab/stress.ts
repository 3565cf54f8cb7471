/**
 * Sizes and seeds of the stress, fuzz and fault tests (the `reliability`
 * project). Every random choice comes from one seed: fixed by default, so two
 * runs try the same cases; STRESS_SEED=N (or fast-check's FC_SEED=N) tries
 * others or replays a failure. Sizes default to what proves the point in a few
 * seconds and can be raised from the environment for a longer soak.
 */
import { afterEach } from 'vitest';

export const DEFAULT_SEED = 20_261_202;

function fromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${text}: expected an integer`);
  return n;
}

/** The seed of this run: STRESS_SEED, else FC_SEED, else the fixed default. */
export function stressSeed(): number {
  return fromEnv('STRESS_SEED') ?? fromEnv('FC_SEED') ?? DEFAULT_SEED;
}

/** A size from the environment variable `name` (a positive integer), else `fallback`. */
export function stressSize(name: string, fallback: number): number {
  const n = fromEnv(name) ?? fallback;
  if (n < 1) throw new Error(`${name}=${n}: expected a positive integer`);
  return n;
}

/** After each failed test of the calling file, say which seed replays it. */
export function printSeedOnFailure(seed: number, sizes: Record<string, number> = {}): void {
  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    const more = Object.entries(sizes).map(([k, v]) => ` ${k}=${v}`).join('');
    process.stderr.write(`\n${ctx.task.name}: failed with seed ${seed}; replay with STRESS_SEED=${seed}${more}\n`);
  });
}
