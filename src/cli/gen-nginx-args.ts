/**
 * gen-nginx's arguments and help: read with node:util's parseArgs (yargs alone
 * would double the start-up time), shown by help.ts.
 */
import { UsageError } from '../lib/errors.js';
import { readOptions } from './args.js';
import type { ArgsOf, OptionSpecs } from './defs/types.js';

export const GEN_NGINX_OPTIONS = {
  config: { type: 'string', alias: 'c', arg: 'CONFIG', describe: 'config file (same as the positional CONFIG)' },
  output: { type: 'string', alias: 'o', arg: 'FILE', describe: 'write to FILE atomically instead of stdout (left untouched on any error; not through a symbolic link)' },
  check: { type: 'boolean', describe: 'also run the real `nginx -t` on the result before printing or writing it' },
  templates: { type: 'string', arg: 'DIR', describe: 'render with your own copies of the templates from DIR (missing ones: the bundled ones)' },
  debug: { type: 'boolean', describe: 'show stack traces of unexpected errors' },
  help: { type: 'boolean', alias: 'h', describe: 'show this help' },
  version: { type: 'boolean', describe: 'show the version' },
} as const satisfies OptionSpecs;

export async function helpText(): Promise<string> {
  const { renderHelp, helpWidth, optionFlag, optionText } = await import('./help.js');
  const rows = Object.entries(GEN_NGINX_OPTIONS).map(([name, spec]): [string, string] => [optionFlag(name, spec), optionText(spec)]);
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

/** The options, with the config file given as CONFIG or with -c. */
export type GenNginxArgs = ArgsOf<typeof GEN_NGINX_OPTIONS>;

const HINT = 'Run "gen-nginx --help" for usage.';

export function parseGenNginxArgs(argv: string[]): GenNginxArgs {
  const { args, positionals } = readOptions(GEN_NGINX_OPTIONS, argv, { hint: HINT, negation: false, positionals: true });
  if (positionals.length > 1) throw new UsageError(`one config file at a time, not ${positionals.length}\n${HINT}`);
  if (positionals.length === 1 && args.config !== undefined) throw new UsageError('give the config file once: as CONFIG or with -c, not both');
  return { ...args, config: args.config ?? positionals[0] };
}
