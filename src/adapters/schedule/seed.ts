/**
 * The default seed of the schedule: stable for one host and one config file,
 * different between hosts, so that regenerating the schedule keeps its minute
 * while a fleet spreads over the hour. The machine id itself never appears in
 * the output: only a slot derived from a hash of it.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export const MACHINE_ID_FILES = ['/etc/machine-id', '/var/lib/dbus/machine-id'];

export interface HostSeed {
  seed: string;
  /** What identifies the host: the machine-id file read, or "hostname". */
  from: string;
}

export function hostSeed(configPath: string, opts: { machineIdFiles?: readonly string[]; hostname?: () => string } = {}): HostSeed {
  for (const file of opts.machineIdFiles ?? MACHINE_ID_FILES) {
    const id = readId(file);
    if (id !== null) return { seed: seedOf(id, configPath), from: file };
  }
  return { seed: seedOf((opts.hostname ?? hostname)(), configPath), from: 'hostname' };
}

function seedOf(hostId: string, configPath: string): string {
  return `cert-wrap schedule\n${hostId}\n${configPath}`;
}

/** A machine id, or null when the file is missing, empty or not yet initialized (first boot, some containers). */
function readId(file: string): string | null {
  try {
    const id = readFileSync(file, 'utf8').trim();
    return id === '' || id === 'uninitialized' ? null : id;
  } catch {
    return null;
  }
}
