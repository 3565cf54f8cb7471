/**
 * The leader's decision for one certificate (pure): the single-host rule
 * (lifecycle/decide.ts) applied to what the fleet serves, i.e. the published
 * certificate when it verifies. A published value that does not verify is
 * never trusted, and never by itself a reason to order (anyone who can write
 * to etcd without the fleet key could otherwise make the leader order at
 * will): the decision then rests on what this node has installed.
 */
import type { Certificate, RenewBefore } from '../../model/types.js';
import { type Decision, decide } from '../../adapters/renewal/decide.js';
import { type Inspection, inspectPem } from '../../leaves/x509.js';
import { type CertRecord, verifyRecord } from '../../adapters/fleet/record.js';

export interface FleetDecision {
  decision: Decision;
  /** The published record when it verifies. */
  current: CertRecord | null;
  /** Why the published value was not trusted, or null. */
  refused: string | null;
}

export function fleetDecision(
  cert: Certificate,
  published: string | null,
  installedFullchain: string | null,
  fleetKey: Buffer,
  now: Date,
  rule: RenewBefore,
): FleetDecision {
  const verified = published === null ? null : verifyRecord(fleetKey, cert, published, now);
  if (verified?.ok) return { decision: decide(cert, inspectPem(verified.fullchain, cert.name), now, rule), current: verified.record, refused: null };
  // Names changed in the config: the published certificate is fine but no longer matches: reissue.
  const found = published !== null ? namesOnly(published) : null;
  if (found && verified && !verified.ok && verified.reason.includes('are not the configured ones')) {
    return { decision: decide(cert, found, now, rule), current: null, refused: verified.reason };
  }
  const installed = installedFullchain === null ? null : tryInspect(installedFullchain, cert.name);
  return { decision: decide(cert, installed, now, rule), current: null, refused: verified && !verified.ok ? verified.reason : null };
}

function namesOnly(published: string): Inspection | null {
  try {
    return tryInspect((JSON.parse(published) as { fullchain: string }).fullchain, 'published');
  } catch {
    return null;
  }
}

function tryInspect(pem: string, name: string): Inspection | null {
  try {
    return inspectPem(pem, name);
  } catch {
    return null;
  }
}
