/**
 * The HTTP-01 preflight in a fleet: nothing is written anywhere. A random
 * token is asked for, and every node's nginx must answer TOKEN.THUMBPRINT
 * (gen-nginx's fleet location), whichever node the name leads to.
 */
import { randomBytes } from 'node:crypto';
import type { Fleet } from '../../model/types.js';
import { keyAuthorization } from '../../leaves/jwk-thumbprint.js';
import { type PlacedProbe, ProbeSetupError } from './probe-file.js';

export function fleetProbe(fleet: Fleet): PlacedProbe {
  if (fleet.accountThumbprint === null) throw new ProbeSetupError('fleet.account-thumbprint is not set: nginx cannot answer the challenge yet (run "cert-wrap fleet init")');
  const name = `cert-wrap-preflight-${randomBytes(12).toString('hex')}`;
  return { name, body: keyAuthorization(name, fleet.accountThumbprint), file: '', created: [] };
}
