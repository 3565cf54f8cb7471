/**
 * gen-nginx [CONFIG]: print (or atomically write) the nginx servers for every
 * certificate of the config. Deploy pipelines run it on every deploy, so its
 * start-up stays close to bare Node: the arguments are read with node:util's
 * parseArgs (yargs alone would double the start-up time), and everything else
 * is loaded only when needed.
 */
import { loadConfig } from '../model/load.js';
import { RuntimeError, UsageError } from '../lib/errors.js';
import { outputProblem, writeOutputFile } from '../lib/output-file.js';
import { renderNginx, renderWarnings } from '../adapters/nginx/render.js';
import { targetNginxVersion } from '../adapters/nginx/target-version.js';
import { loadTemplates } from '../adapters/nginx/templates.js';
import { VERSION } from '../lib/version.js';
import { helpText, parseGenNginxArgs } from './gen-nginx-args.js';
import { runMain } from './run.js';

export async function main(argv: string[]): Promise<number> {
  const args = parseGenNginxArgs(argv);
  if (args.help) {
    process.stdout.write(await helpText());
    return 0;
  }
  if (args.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!args.config) throw new UsageError('no config file given: gen-nginx CONFIG (see gen-nginx --help)');
  const refused = args.output === undefined ? null : outputProblem(args.output, args.config);
  if (refused) throw new UsageError(`cannot write ${args.output}: ${refused}`);
  const config = loadConfig(args.config);
  const template = await loadTemplates(args.templates);
  const text = renderNginx(config, template, await targetNginxVersion(config));
  for (const warning of renderWarnings(config)) process.stderr.write(`gen-nginx: warning: ${warning}\n`);
  if (args.check) {
    const { checkWithNginx } = await import('../adapters/nginx/check.js');
    const { duplicateDefaultServerHint } = await import('../adapters/nginx/default-server-hint.js');
    const hint = (said: string) => duplicateDefaultServerHint(config, said);
    const result = await checkWithNginx(config.nginx.binary, text, args.output ?? '<output>', args.config, hint);
    if (!result.ok) throw new RuntimeError(result.message);
  }
  if (args.output) {
    try {
      writeOutputFile(args.output, text);
    } catch (err) {
      throw new RuntimeError(`cannot write ${args.output}: ${(err as Error).message}`);
    }
  } else {
    process.stdout.write(text);
  }
  return 0;
}

// Not awaited: the command is one CommonJS script (see launch.ts); runMain handles every error.
void runMain('gen-nginx', main);
