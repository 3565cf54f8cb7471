import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../../src/leaves/ip.js';

describe('ipFamily: what node:net isIP says, without loading node:net', () => {
  it('addresses and near-addresses', () => {
    const cases = ['127.0.0.1', '0.0.0.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '::', '::1', '2001:db8::1', '::ffff:192.0.2.1', '2001:db8::g', '1:2:3:4:5:6:7:8:9', ':::', '[::1]', 'example.org', '', ' 1.2.3.4'];
    for (const c of cases) expect(ipFamily(c), c).toBe(isIP(c));
  });

  it('generated IPv4 and IPv6 addresses, and strings made of their characters (zone indexes aside: never valid here)', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended(), fc.stringMatching(/^[0-9a-fA-F:.]{0,20}$/)), (s) => ipFamily(s) === isIP(s)), { seed: 20261202, numRuns: 2000 });
  });
});
