/**
 * cert-wrap preflight: check that every name validated through the webroot
 * serves a probe file, as the CA will fetch it, without asking the CA.
 */
import { loadConfigCached } from '../../adapters/store/config-cache.js';
import { signalExitCode, whileInterruptible } from '../../lib/interrupt.js';
import { formatPreflightTable } from '../output/preflight-format.js';
import { probeCertificates } from '../../adapters/probe/http01.js';
import { parseResolve } from '../../adapters/probe/resolve.js';
import { splitByPreflight } from '../../adapters/probe/split.js';
import { useColor } from '../output/color.js';
import { selectCertificates } from '../../run/select.js';

export interface PreflightArgs {
  config: string;
  cert?: string[];
  resolve?: string[];
  json: boolean;
  /** Seconds, more than 0 and at most 600 (checked by its option spec). */
  timeout: number;
}

export async function preflight(args: PreflightArgs): Promise<number> {
  const resolve = parseResolve(args.resolve ?? []);
  const config = await loadConfigCached(args.config);
  const certs = selectCertificates(config, args.cert ?? []);

  // Ctrl-C or SIGTERM: drop the requests in flight, remove the probe file, exit 128+N.
  const { value: reports, interrupted } = await whileInterruptible(({ signal }) =>
    probeCertificates(config, certs, { resolve, timeoutMs: args.timeout * 1000, signal }),
  );
  if (interrupted) {
    process.stderr.write(`cert-wrap: interrupted by ${interrupted}; the probe file was removed\n`);
    return signalExitCode(interrupted);
  }

  const split = splitByPreflight(reports);
  const ok = split.fail.length === 0;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ok, webroot: config.webroot, certificates: reports, pass: split.pass, fail: split.fail }, null, 2)}\n`);
  } else {
    process.stdout.write(formatPreflightTable(reports, useColor(1)));
  }
  return ok ? 0 : 1;
}
