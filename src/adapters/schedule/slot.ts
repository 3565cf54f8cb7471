/**
 * When the scheduled renewal runs: twice a day, twelve hours apart, at a
 * minute chosen from a seed. As with the GNU Guix certbot service, the point
 * is that hosts do not all knock on the CA at the top of the hour; unlike a
 * random draw, the same seed always gives the same slot, so generating the
 * schedule again never moves it.
 */
import { createHash } from 'node:crypto';

export interface Slot {
  /** 0-59. */
  minute: number;
  /** The two hours, 0-23: the first is 0-11, the second twelve hours later. */
  hours: [number, number];
}

/** A slot from any string: deterministic, and spread evenly over the 720 possible slots. */
export function slotFromSeed(seed: string): Slot {
  const digest = createHash('sha256').update(seed, 'utf8').digest();
  // Two independent 32-bit words; the modulo bias (2^32 mod 60, 2^32 mod 12) is negligible.
  const minute = digest.readUInt32BE(0) % 60;
  const hour = digest.readUInt32BE(4) % 12;
  return { minute, hours: [hour, hour + 12] };
}

/** "03:27 and 15:27". */
export function describeSlot(slot: Slot): string {
  return slot.hours.map((h) => `${pad(h)}:${pad(slot.minute)}`).join(' and ');
}

export function pad(n: number): string {
  return String(n).padStart(2, '0');
}
