/**
 * cert-wrap COMMAND: the operator's side. Each command's code is loaded only
 * when that command runs.
 */
import yargs, { type Argv } from 'yargs';
import { VERSION } from '../lib/version.js';
import { UsageError } from '../lib/errors.js';
import { runMain } from './run.js';

const configOption = {
  alias: 'c',
  type: 'string',
  demandOption: 'give the config file with -c FILE',
  describe: 'config file (YAML or JSON), the same one gen-nginx reads',
} as const;

export function parser(argv: string[], run: (name: string, args: Record<string, unknown>) => Promise<number>): Argv {
  return yargs(argv)
    .scriptName('cert-wrap')
    .usage('$0 COMMAND -c CONFIG [options]\n\nRun certbot for the certificates of a cert-wrap config and reload nginx safely.')
    .command(
      'obtain',
      'run certbot for every certificate of the config, then reload nginx once if anything was issued',
      (y) =>
        y
          .option('config', configOption)
          .option('cert', { type: 'string', array: true, describe: 'only this certificate (by name); repeatable' })
          .option('print', { type: 'boolean', default: false, describe: 'print the certbot commands (shell-quoted, secrets hidden) and run nothing' })
          .option('dry-run', { type: 'boolean', default: false, describe: "pass certbot's --dry-run: a full test issuance, nothing saved" })
          .option('json', { type: 'boolean', default: false, describe: 'print the summary as JSON on stdout' })
          .option('lock-timeout', { type: 'number', default: 60, describe: 'seconds to wait for another cert-wrap run on the same certbot directories' })
          .example('$0 obtain -c /etc/cert-wrap/site.yaml', 'obtain every certificate')
          .example('$0 obtain -c site.yaml --cert example.org --dry-run', 'test one certificate against the CA without saving anything')
          .example('$0 obtain -c site.yaml --print', 'show the certbot commands'),
      async (a) => {
        await run('obtain', a);
      },
    )
    .command(
      'reload',
      'check the running nginx configuration with nginx -t, then send SIGHUP to the master in the pid file',
      (y) =>
        y
          .option('config', configOption)
          .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
          .example('$0 reload -c /etc/cert-wrap/site.yaml', 'reload nginx, refusing when its configuration is broken'),
      async (a) => {
        await run('reload', a);
      },
    )
    .command(
      'deploy-hook',
      "run by certbot after each issuance (RENEWED_LINEAGE set): the certificate's deploy-hook, then the nginx reload",
      (y) => y.option('config', configOption).example('certbot ... --deploy-hook "$0 deploy-hook -c /abs/site.yaml"', 'how cert-wrap obtain sets it'),
      async (a) => {
        await run('deploy-hook', a);
      },
    )
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces of unexpected errors' })
    .demandCommand(1, 'give a command: obtain, reload or deploy-hook')
    .epilog(
      'Exit codes: 0 success; 1 a certificate or the reload failed; 2 invalid config, usage or a failed check before running (certbot missing, webroot not writable); 3 another cert-wrap run holds the lock.',
    )
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .strict()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, err) => {
      throw err ?? new UsageError(`${message}\nRun "cert-wrap --help" for usage.`);
    });
}

async function runCommand(name: string, args: Record<string, unknown>): Promise<number> {
  switch (name) {
    case 'obtain': {
      const { obtain } = await import('./commands/obtain.js');
      return obtain(args as never);
    }
    case 'reload': {
      const { reload } = await import('./commands/reload.js');
      return reload(args as never);
    }
    case 'deploy-hook': {
      const { deployHook } = await import('./commands/deploy-hook.js');
      return deployHook(args as never);
    }
    default:
      throw new UsageError(`unknown command ${name}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  await parser(argv, async (name, args) => {
    code = await runCommand(name, args);
    return code;
  }).parseAsync();
  return code;
}

await runMain('cert-wrap', main);
