/**
 * gen-nginx [CONFIG]: print (or atomically write) the port-80 nginx servers
 * for every certificate of the config.
 */
import yargs from 'yargs';
import { loadConfig } from '../config/load.js';
import { RuntimeError, UsageError } from '../lib/errors.js';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { bucketSizeWarnings, renderNginx } from '../nginx/render.js';
import { loadTemplates } from '../nginx/templates.js';
import { VERSION } from '../lib/version.js';
import { runMain } from './run.js';

export interface GenNginxArgs {
  config: string;
  output?: string;
  check: boolean;
  templates?: string;
  debug: boolean;
}

export function parser(argv: string[]) {
  return yargs(argv)
    .scriptName('gen-nginx')
    .usage(
      '$0 [CONFIG]\n\nPrint the port-80 nginx server blocks (ACME challenge location and https redirect)\nfor every certificate in CONFIG (YAML or JSON).',
    )
    .command('$0 [config]', false, (y) => y.positional('config', { type: 'string', describe: 'config file (YAML or JSON)' }))
    .option('config', { alias: 'c', type: 'string', describe: 'config file (same as the positional CONFIG)' })
    .option('output', { alias: 'o', type: 'string', describe: 'write to FILE atomically instead of stdout (left untouched on any error)' })
    .option('check', { type: 'boolean', default: false, describe: 'also run the real `nginx -t` on the result before printing or writing it' })
    .option('templates', { type: 'string', describe: 'render with your own copies of the templates from DIR (missing ones: the bundled ones)' })
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces of unexpected errors' })
    .example('$0 site.yaml > /etc/nginx/conf.d/acme.conf', 'print the servers, redirect into a file')
    .example('$0 -c site.yaml --check --output /etc/nginx/conf.d/acme.conf', 'check with nginx -t, then replace the file atomically')
    .example('$0 site.yaml --templates ./my-templates', 'render with your own templates')
    .epilog('Exit codes: 0 success, 1 failure (nginx -t rejected the output, a write failed), 2 invalid config or usage.')
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .strict()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, err) => {
      throw err ?? new UsageError(`${message}\nRun "gen-nginx --help" for usage.`);
    });
}

export async function main(argv: string[]): Promise<number> {
  const args = (await parser(argv).parseAsync()) as unknown as GenNginxArgs & { config?: string };
  const file = args.config;
  if (!file) throw new UsageError('no config file given: gen-nginx CONFIG (see gen-nginx --help)');
  const config = loadConfig(file);
  const template = await loadTemplates(args.templates);
  const text = renderNginx(config, template);
  for (const warning of bucketSizeWarnings(config)) process.stderr.write(`gen-nginx: warning: ${warning}\n`);
  if (args.check) {
    const { checkWithNginx } = await import('../nginx/check.js');
    const result = await checkWithNginx(config.nginx.binary, text, args.output ?? '<output>');
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
