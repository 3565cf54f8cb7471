/**
 * The loopback addresses the lab's servers bind. Outside vitest (the demo, the
 * benchmarks): 127.0.0.1, .2, ... Inside, each worker gets its own block,
 * 127.0.(100 + VITEST_POOL_ID).1, .2, ..., so end-to-end files that run at the
 * same time keep fixed ports (Pebble validates HTTP-01 on port 80) without
 * sharing an address. Pool ids are unique among the workers running at once.
 */
const pool = Number(process.env['VITEST_POOL_ID'] ?? 0);

/** The n-th address of this process's block (n from 1). */
export function labIp(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new Error(`labIp(${n}): n is 1..254`);
  return pool > 0 ? `127.0.${100 + pool}.${n}` : `127.0.0.${n}`;
}

/** The first address of the block: Pebble, challtestsrv, and the nginx the CA validates through. */
export const LAB_IP = labIp(1);
