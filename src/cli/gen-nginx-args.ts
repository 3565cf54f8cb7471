/**
 * gen-nginx's arguments and help: read with node:util's parseArgs (yargs alone
 * would double the start-up time), shown by help.ts.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../lib/errors.js';
import { parseArgsMessage } from './args.js';

export const OPTIONS = {
  config: { type: 'string', short: 'c', arg: 'CONFIG', describe: 'config file (same as the positional CONFIG)' },
  output: { type: 'string', short: 'o', arg: 'FILE', describe: 'write to FILE atomically instead of stdout (left untouched on any error; not through a symbolic link)' },
  check: { type: 'boolean', describe: 'also run the real `nginx -t` on the result before printing or writing it' },
  templates: { type: 'string', arg: 'DIR', describe: 'render with your own copies of the templates from DIR (missing ones: the bundled ones)' },
  debug: { type: 'boolean', describe: 'show stack traces of unexpected errors' },
  help: { type: 'boolean', short: 'h', describe: 'show this help' },
  version: { type: 'boolean', describe: 'show the version' },
} as const;

export async function helpText(): Promise<string> {
  const { renderHelp, helpWidth } = await import('./help.js');
  const flag = (name: string, o: (typeof OPTIONS)[keyof typeof OPTIONS]): string =>
    `${'short' in o ? `-${o.short}, ` : '    '}--${name}${'arg' in o ? ` ${o.arg}` : ''}`;
  const rows = Object.entries(OPTIONS).map(([name, o]): [string, string] => [flag(name, o), o.describe]);
  const page = {
    usage: ['gen-nginx CONFIG [options]', 'gen-nginx -c CONFIG [options]'],
    describe:
      'Print the nginx servers for every certificate in CONFIG (YAML or JSON): a port-80 server with the ACME ' +
      'challenge location and the https redirect, and the HTTPS server of those with https.',
    sections: [{ title: 'Options', rows }],
    examples: [
      ['gen-nginx site.yaml > /etc/nginx/conf.d/acme.conf', 'print the servers, redirected into a file'],
      ['gen-nginx -c site.yaml --check -o /etc/nginx/conf.d/acme.conf', 'check with nginx -t, then replace the file atomically'],
      ['gen-nginx site.yaml --templates ./my-templates', 'render with your own templates'],
    ] as [string, string][],
    footer: ['Exit codes: 0 success; 1 failure (nginx -t rejected the output, a write failed); 2 invalid config or usage.'],
  };
  return renderHelp(page, helpWidth());
}

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
    throw new UsageError(`${parseArgsMessage((err as Error).message, Object.keys(OPTIONS))}\nRun "gen-nginx --help" for usage.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`one config file at a time, not ${positionals.length}\nRun "gen-nginx --help" for usage.`);
  if (positionals.length === 1 && values.config !== undefined) throw new UsageError('give the config file once: as CONFIG or with -c, not both');
  return { ...values, config: values.config ?? positionals[0] };
}

