/**
 * cert-wrap COMMAND: the operator's side. The arguments are read with
 * node:util parseArgs from the definitions in defs/; each command's code is
 * loaded only when that command runs, and help.ts only to render --help.
 */
import { UsageError } from '../lib/errors.js';
import { suggest } from '../lib/suggest.js';
import { VERSION } from '../lib/version.js';
import { COMMON_OPTIONS } from './args.js';
import { COMMANDS } from './defs/index.js';
import type { Command } from './defs/types.js';
import { runMain } from './run.js';

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (first === undefined || isHelp(first) || (first === '--debug' && rest.length === 0)) {
    await showHelp(null);
    if (first === undefined) throw new UsageError(`give a command: ${COMMANDS.map((c) => c.name).join(', ')}`);
    return 0;
  }
  // Two-word commands ("fleet init"): the second word is part of the name.
  const two = rest[0] !== undefined && COMMANDS.some((c) => c.name === `${first} ${rest[0]}`);
  const def = COMMANDS.find((c) => c.name === (two ? `${first} ${rest[0]}` : first));
  if (!def) throw unknownCommand(first);
  const argsRest = two ? rest.slice(1) : rest;
  if (argsRest.some(isHelp)) {
    await showHelp(def);
    return 0;
  }
  return def.main(argsRest);
}

export function unknownCommand(word: string): UsageError {
  const names = COMMANDS.map((c) => c.name);
  const hint = word.startsWith('-') ? null : suggest(word, names);
  const head = word.startsWith('-') ? `unknown option ${JSON.stringify(word)} before the command` : `unknown command ${JSON.stringify(word)}`;
  return new UsageError(`${head}${hint ? ` (did you mean "${hint}"?)` : ''}; the commands are ${names.join(', ')}\nRun "cert-wrap --help" for usage.`);
}

async function showHelp(def: Command | null): Promise<void> {
  const help = await import('./help.js');
  const page = def === null ? help.overviewPage(COMMANDS, COMMON_OPTIONS) : help.commandPage(def, COMMON_OPTIONS);
  process.stdout.write(help.renderHelp(page, help.helpWidth()));
}

// Not awaited: the command is one CommonJS script (see launch.ts); runMain handles every error.
void runMain('cert-wrap', main);
