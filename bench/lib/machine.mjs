// One line describing the machine and the tools the figures depend on.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { capture, findTool } from './procs.mjs';

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

function version(tool, args, pattern) {
  if (findTool(tool) === null) return `${tool} missing`;
  const m = pattern.exec(capture(tool, args));
  return m ? `${tool} ${m[1]}` : `${tool} (version unknown)`;
}

export function machineLine(startedAt) {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  const pebble = findTool('pebble') === null ? 'pebble missing' : (() => {
    const dpkg = capture('dpkg-query', ['-W', '-f=${Version}', 'pebble']);
    return /^\d/.test(dpkg) ? `pebble ${dpkg}` : 'pebble (version unknown)';
  })();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return [
    `${cpuModel()}, ${cores} cores, ${memGiB} GiB RAM`,
    `${os.type()} ${os.release()}`,
    `Node ${process.version}${process.env.NODE_EXTRA_CA_CERTS ? ` (NODE_EXTRA_CA_CERTS=${process.env.NODE_EXTRA_CA_CERTS}: read at every Node start)` : ''}`,
    version('nginx', ['-v'], /nginx\/(\S+)/),
    version('certbot', ['--version'], /certbot (\S+)/),
    pebble,
    startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
    `load average ${load} at the start`,
  ].join('; ');
}
