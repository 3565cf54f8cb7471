import { describe, expect, it } from 'vitest';
import { describeSlot, slotFromSeed } from '../../../../src/adapters/schedule/slot.js';

describe('slotFromSeed', () => {
  it('the same seed gives the same slot', () => {
    expect(slotFromSeed('test')).toEqual(slotFromSeed('test'));
    expect(slotFromSeed('host-a\n/etc/cert-wrap/site.yaml')).toEqual(slotFromSeed('host-a\n/etc/cert-wrap/site.yaml'));
  });

  it('pins the slot of "test" (the snapshots use it)', () => {
    expect(slotFromSeed('test')).toEqual({ minute: 45, hours: [9, 21] });
    expect(describeSlot(slotFromSeed('test'))).toBe('09:45 and 21:45');
  });

  it('hours are twelve apart, the first in the morning, all values in range', () => {
    for (let i = 0; i < 500; i++) {
      const { minute, hours } = slotFromSeed(`seed-${i}`);
      expect(Number.isInteger(minute) && minute >= 0 && minute <= 59).toBe(true);
      expect(hours[0] >= 0 && hours[0] <= 11).toBe(true);
      expect(hours[1]).toBe(hours[0] + 12);
    }
  });

  it('200 seeds cover more than 40 distinct minutes and every hour pair', () => {
    const slots = Array.from({ length: 200 }, (_, i) => slotFromSeed(`host-${i}`));
    expect(new Set(slots.map((s) => s.minute)).size).toBeGreaterThan(40);
    expect(new Set(slots.map((s) => s.hours[0])).size).toBe(12);
  });

  it('spreads evenly: 6000 seeds put 50 to 160 in each minute (100 expected)', () => {
    const counts = new Array<number>(60).fill(0);
    for (let i = 0; i < 6000; i++) counts[slotFromSeed(`machine ${i}\n/etc/cert-wrap/site.yaml`).minute]! += 1;
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...counts)).toBeLessThanOrEqual(160);
  });

  it('two config files on one host get different slots (these two do; a collision is 1 in 720)', () => {
    expect(slotFromSeed('id\n/etc/cert-wrap/a.yaml')).not.toEqual(slotFromSeed('id\n/etc/cert-wrap/b.yaml'));
  });
});
