// Entry bundled by fleet-seed.mjs (esbuild): the project's own record and
// account formats, so the benchmark stores exactly what an agent publishes.
export { makeRecord } from '../../src/fleet/record.js';
export { makeAccountRecord } from '../../src/fleet/account.js';
export { jwkThumbprint } from '../../src/fleet/thumbprint.js';
export { accountKey, certKey, certsPrefix, nodeKey, nodesPrefix } from '../../src/fleet/layout.js';
