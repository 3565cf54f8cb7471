// The fleet rows, or one row saying why they were not measured: etcd missing
// is a failure in CI (it installs etcd-server) and a loud skip elsewhere.
import { fleet } from './fleet.mjs';
import { findTool } from './procs.mjs';

function isCI() {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

export async function fleetRows(ctx, root, track) {
  if (findTool('etcd') === null) {
    if (isCI()) throw new Error('etcd not found: CI must install etcd-server (apt-get install -y etcd-server) for the fleet rows');
    ctx.log('!!! etcd not found (apt-get install -y etcd-server): the fleet rows are NOT measured');
    return [{ id: '6', what: 'fleet rows (etcd)', valueText: 'not measured: etcd not installed' }];
  }
  return fleet(ctx, root, track);
}
