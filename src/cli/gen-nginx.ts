/**
 * gen-nginx [CONFIG]: print (or atomically write) the nginx servers for every
 * certificate of the config. Deploy pipelines run it on every deploy, so its
 * start-up stays close to bare Node: the arguments are read with node:util's
 * parseArgs (yargs alone would double the start-up time), and everything else
 * is loaded only when needed.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { RuntimeError, UsageError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { bucketSizeWarnings, renderNginx } from '../nginx/render.js';
import { loadTemplates } from '../nginx/templates.js';
import { VERSION } from '../lib/version.js';
import { runMain } from './run.js';

const OPTIONS = {
  config: { type: 'string', short: 'c', arg: 'FILE', describe: 'config file (same as the positional CONFIG)' },
  output: { type: 'string', short: 'o', arg: 'FILE', describe: 'write to FILE atomically instead of stdout (left untouched on any error)' },
  check: { type: 'boolean', describe: 'also run the real `nginx -t` on the result before printing or writing it' },
  templates: { type: 'string', arg: 'DIR', describe: 'render with your own copies of the templates from DIR (missing ones: the bundled ones)' },
  debug: { type: 'boolean', describe: 'show stack traces of unexpected errors' },
  help: { type: 'boolean', short: 'h', describe: 'show this help' },
  version: { type: 'boolean', describe: 'show the version' },
} as const;

export const HELP = `gen-nginx [CONFIG]

Print the port-80 nginx server blocks (ACME challenge location and https redirect)
for every certificate in CONFIG (YAML or JSON), and the HTTPS servers of those with https.

Options:
${Object.entries(OPTIONS)
  .map(([name, o]) => {
    const flag = `${'short' in o ? `-${o.short}, ` : '    '}--${name}${'arg' in o ? ` ${o.arg}` : ''}`;
    return `  ${flag.padEnd(24)}${o.describe}`;
  })
  .join('\n')}

Examples:
  gen-nginx site.yaml > /etc/nginx/conf.d/acme.conf
      print the servers, redirect into a file
  gen-nginx -c site.yaml --check --output /etc/nginx/conf.d/acme.conf
      check with nginx -t, then replace the file atomically
  gen-nginx site.yaml --templates ./my-templates
      render with your own templates

Exit codes: 0 success, 1 failure (nginx -t rejected the output, a write failed),
2 invalid config or usage.
`;

export interface GenNginxArgs {
  config?: string;
  output?: string;
  check?: boolean;
  templates?: string;
  help?: boolean;
  version?: boolean;
}

export function parseGenNginxArgs(argv: string[]): GenNginxArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}\nRun "gen-nginx --help" for usage.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`one config file at a time, not ${positionals.length}\nRun "gen-nginx --help" for usage.`);
  if (positionals.length === 1 && values.config !== undefined) throw new UsageError('give the config file once: as CONFIG or with -c, not both');
  return { ...values, config: values.config ?? positionals[0] };
}

export async function main(argv: string[]): Promise<number> {
  const args = parseGenNginxArgs(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!args.config) throw new UsageError('no config file given: gen-nginx CONFIG (see gen-nginx --help)');
  const config = loadConfig(args.config);
  const template = await loadTemplates(args.templates);
  const text = renderNginx(config, template);
  for (const warning of bucketSizeWarnings(config)) process.stderr.write(`gen-nginx: warning: ${warning}\n`);
  if (args.check) {
    const { checkWithNginx } = await import('../nginx/check.js');
    const result = await checkWithNginx(config.nginx.binary, text, args.output ?? '<output>', args.config);
    if (!result.ok) throw new RuntimeError(result.message);
  }
  if (args.output) {
    try {
      writeFileAtomic(args.output, text);
    } catch (err) {
      throw new RuntimeError(`cannot write ${args.output}: ${(err as Error).message}`);
    }
  } else {
    process.stdout.write(text);
  }
  return 0;
}

await runMain('gen-nginx', main);
