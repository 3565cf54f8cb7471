import { describe, expect, it } from 'vitest';
import { certIdFromParts } from '../../../../src/adapters/renewal/ari-certid.js';

/** RFC 9773 §4.1's worked example. */
const RFC_AKI = '69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4';
const RFC_SERIAL = '00:87:65:43:21';
const RFC_ID = 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE';
const hex = (colons: string) => Buffer.from(colons.replace(/:/g, ''), 'hex');

describe('ARI certificate identifier (RFC 9773 §4.1)', () => {
  it("builds the RFC's example identifier from its keyIdentifier and serial bytes", () => {
    expect(certIdFromParts(hex(RFC_AKI), hex(RFC_SERIAL))).toBe(RFC_ID);
  });
});
