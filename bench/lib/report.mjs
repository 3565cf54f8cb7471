// Targets, the one results table, and BENCHMARKS.md.

/** In quick mode only a miss by more than this factor fails the run. */
export const GROSS_FACTOR = 3;

/**
 * A target "measured <= limit". `kind` says how to read and print it:
 * 'ratio' (x), 'seconds', 'mb', 'overhead' (a fraction over 1: +5% is 0.05).
 * The quick-mode limit is GROSS_FACTOR times the limit, in the same unit.
 * @returns {{ text: string, limit: number, measured: number, kind: string, status: 'PASS' | 'FAIL' | 'GROSS' }}
 */
export function target(kind, limit, measured, text) {
  const status = !(measured <= limit) ? (measured > GROSS_FACTOR * limit || Number.isNaN(measured) ? 'GROSS' : 'FAIL') : 'PASS';
  return { text: text ?? limitText(kind, limit), limit, measured, kind, status };
}

function limitText(kind, limit) {
  switch (kind) {
    case 'ratio':
      return `≤ ${fmtRatio(limit)}`;
    case 'seconds':
      return `≤ ${limit} s`;
    case 'mb':
      return `≤ ${limit} MB`;
    case 'overhead':
      return `≤ +${(limit * 100).toFixed(0)}%`;
    default:
      return `≤ ${limit}`;
  }
}

export function fmtTime(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '–';
  if (ms < 1000) return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function fmtRatio(r) {
  if (r === undefined || r === null || Number.isNaN(r)) return '–';
  if (r >= 10) return `${r.toFixed(1)}x`;
  if (r >= 0.1) return `${r.toFixed(2)}x`;
  return `${r.toFixed(3)}x`;
}

export const fmtMB = (kb) => (kb === undefined || kb === null || Number.isNaN(kb) ? '–' : `${(kb / 1024).toFixed(0)} MB`);

function measuredText(t) {
  switch (t.kind) {
    case 'ratio':
      return fmtRatio(t.measured);
    case 'seconds':
      return `${t.measured.toFixed(2)} s`;
    case 'mb':
      return `${t.measured.toFixed(0)} MB`;
    case 'overhead':
      return `${t.measured >= 0 ? '+' : ''}${(t.measured * 100).toFixed(1)}%`;
    default:
      return String(t.measured);
  }
}

/** By how much a target is missed, in words ("1.24x the limit"). */
export function missText(t) {
  if (t.kind === 'overhead') return `${measuredText(t)} against ${t.text}`;
  return `${measuredText(t)} against ${t.text} (${fmtRatio(t.measured / t.limit)} the limit)`;
}

function resultText(t, quick) {
  if (t === null) return '–';
  if (t.status === 'PASS') return 'PASS';
  if (!quick) return `**FAIL** (${measuredText(t)})`;
  return t.status === 'GROSS' ? `**FAIL, >${GROSS_FACTOR}x target** (${measuredText(t)})` : `FAIL (${measuredText(t)}, within ${GROSS_FACTOR}x)`;
}

/**
 * One markdown table for all rows.
 * Row: { id, what, n, value, base?, baseValue?, ratio?, rss, baseRss?, target?, note? }
 */
export function renderTable(rows, { quick }) {
  const head = ['#', 'Measurement', 'Runs', 'Median', 'Compared with', 'Its median', 'Ratio', 'Peak RSS', 'Target', 'Result'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h) => (h === '#' || h === 'Runs' ? '---:' : h === 'Measurement' || h === 'Compared with' ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const rss = r.baseRss !== undefined ? `${fmtMB(r.rss)} / ${fmtMB(r.baseRss)}` : fmtMB(r.rss);
    lines.push(
      `| ${[
        r.id,
        r.what + (r.note ? ` (${r.note})` : ''),
        r.n ?? '–',
        r.valueText ?? fmtTime(r.value),
        r.base ?? '–',
        r.base ? (r.baseValueText ?? fmtTime(r.baseValue)) : '–',
        r.ratioText ?? (r.ratio !== undefined ? fmtRatio(r.ratio) : '–'),
        rss,
        r.target ? r.target.text : '–',
        resultText(r.target ?? null, quick),
      ].join(' | ')} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderDocument({ table, machine, quick, notes, failures, seconds }) {
  const mode = quick ? 'quick mode (`npm run bench -- --quick`)' : 'full mode (`npm run bench`)';
  return [
    '# Benchmarks',
    '',
    `Written by \`bench/run.mjs\` in ${mode}, ${seconds.toFixed(0)} s in all. Run it again to update this file;`,
    'figures from another machine are comparable only as ratios.',
    '',
    `**Machine:** ${machine}`,
    '',
    table.trimEnd(),
    '',
    failures.length === 0 ? '**All targets met.**' : `**Targets missed:** ${failures.join('; ')}.`,
    '',
    '## How it is measured',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** How the figures were made, for BENCHMARKS.md. */
export function methodNotes({ lineages, memoryMethod }) {
  return [
    'Each figure is the median of the runs in the "Runs" column. The commands compared in a row ran interleaved (A B A B ...) in the same benchmark run, after an unmeasured warm-up run of each (in quick mode, the scale runs have none): so noise hits both sides alike, and the ratios, not the absolute times, are what carries over between machines.',
    "Wall time: from just before the command is spawned to its exit, taken by a small python3 runner around each command, so neither the runner's start-up nor the benchmark's own event loop is counted. The commands run from a private copy of the `bin/` and `dist/` that `node scripts/build.mjs` has just built (others may rebuild `dist/` meanwhile).",
    `Peak RSS: ${memoryMethod}, median over the runs. For a command that starts others (\`cert-wrap obtain\` runs certbot, which runs the deploy hook) it is the largest single process, not a sum. "A / B" is the command and what it is compared with.`,
    'Start-up: `node -e 0` is the floor, the cost of starting Node itself (with `NODE_EXTRA_CA_CERTS` set, as the machine line says, every Node start, the floor included, first reads that CA bundle). Only `gen-nginx` has a target; the two `cert-wrap` rows are for reference.',
    'Scale: generated YAML configs (the format of the bundled example), 3 names per certificate, stdout to a file; the peak-memory row is from the same 10,000-certificate runs. The JSON row is the same 10,000 certificates as JSON, to show the share of YAML parsing. `nginx -t` runs once on the 10,000-certificate output, in a throwaway main config with its own pid, error log and temp paths, `-e` for the early error log, `server_names_hash_bucket_size 128` and `server_names_hash_max_size 131072`.',
    `Renewal: ${lineages} lineages in certbot's layout (archive/, live/ symlinks, renewal/NAME.conf with the webroot authenticator), 3 names each, 90-day ECDSA certificates from one throwaway issuer issued a day before the run, signed with the cryptography package of certbot's own python. Before anything is timed, \`certbot certificates\` must list all ${lineages} as valid, \`cert-wrap renew --json\` must report all ${lineages} unchanged and \`certbot renew\` must skip all ${lineages} as not due. Both sides use the same config, work and logs directories in the temp dir. cert-wrap's private cache (CERT_WRAP_CACHE_DIR) is a directory of the benchmark's own, filled by those first runs, as on a host that runs only this config; the machine's /var/cache/cert-wrap is not used. Both renew commands run with cron's environment, as the schedule runs them (HOME, LOGNAME, SHELL=/bin/sh, PATH=/usr/bin:/bin, and that cache directory): so without the machine line's NODE_EXTRA_CA_CERTS, which cron does not pass on.`,
    `Per-certificate runs: the \`certbot certonly -n\` commands that \`cert-wrap obtain --print --force\` prints for the same config, without the \`--force-renewal\` that \`--force\` adds (the Guix service's command line), against Pebble on loopback; certbot must answer "not yet due" for each. Each round runs 20 of them, a different 20 each round (5 rounds: every certificate once), and the round's sum is scaled by ${lineages}/20 = ${lineages / 20}.`,
    "Wrapper overhead: each run issues a new certificate with 2 names (fresh names every run) from Pebble (pebble-challtestsrv answers 127.0.0.1 for every name, `PEBBLE_VA_NOSLEEP=1`), validated over HTTP-01 through a private nginx on 127.0.0.1:80 serving the webroot. The bare side runs the argv that `cert-wrap obtain --print` prints for a config that differs only in the name, deploy hook included, so both sides do the same certbot work and one nginx reload; the wrapped side adds cert-wrap's start-up, checks, self-signed bootstrap, HTTP-01 preflight (`--resolve NAME:127.0.0.1`), lock and summary. The certbot account is registered in the warm-up run.",
    'Fleet (etcd): one private etcd 3.4 member on 127.0.0.1; N certificates (10,000; 200 in quick mode) signed as for the renewal rows and published in the agents\' own record format (the project\'s src/fleet code, bundled for the benchmark): full chain, private key sealed with AES-256-GCM. Space per certificate: growth of etcd\'s database (`dbSize`) over the puts, divided by N, and the bytes of key + value. Snapshot: one `cert-wrap agent` with a config of the N certificates and a private nginx, from its start until its status key in etcd lists all N installed and its nginx has reloaded; peak memory is the agent\'s VmHWM. Three nodes: three agents (10 certificates each, already installed); the time from a put of a new version of one certificate until all three nginx masters logged a SIGHUP, median of the rounds.',
    `Quick mode (\`--quick\`, for CI): 5 start-up rounds; 1,000 and 10,000 certificates, 3 rounds, where the 10,000/1,000 ratio stands in for linearity; \`nginx -t\`; 3 renewal rounds against \`certbot renew\` only; nothing that needs Pebble. It exits 1 only when a figure misses its target by more than ${GROSS_FACTOR}x (1.5x becomes 4.5x, 10.5x 31.5x, 1.0 s 3.0 s, 256 MB 768 MB, 1/5 3/5), or when the 10,000-certificate output fails \`nginx -t\`.`,
  ];
}
