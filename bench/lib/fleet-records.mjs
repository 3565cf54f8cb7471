// Entry bundled by fleet-seed.mjs (esbuild): the project's own record and
// account formats, so the benchmark stores exactly what an agent publishes.
export { makeRecord } from '../../src/adapters/fleet/record.js';
export { makeAccountRecord } from '../../src/adapters/fleet/account.js';
export { jwkThumbprint } from '../../src/leaves/jwk-thumbprint.js';
export { accountKey, certKey, certsPrefix, nodeKey, nodesPrefix } from '../../src/adapters/fleet/layout.js';
export { parseNodeStatus } from '../../src/run/fleet/node-status.js';
