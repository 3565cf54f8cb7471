/**
 * Every help page at every width, rendered in-process from the same command
 * definitions the binaries print (test/cli/help.test.ts runs the binaries at
 * one width, and checks the style of each page as printed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/defs/index.js';
import { COMMON_OPTIONS } from '../../../src/cli/defs/parse.js';
import { commandPage, helpWidth, overviewPage, renderHelp } from '../../../src/cli/help.js';
import { helpText } from '../../../src/cli/gen-nginx-args.js';

const WIDTHS = [80, 100, 120];
const saved = process.env['COLUMNS'];
afterEach(() => {
  if (saved === undefined) delete process.env['COLUMNS'];
  else process.env['COLUMNS'] = saved;
});

/** [label, text at a width, example commands shown there]. */
async function pages(width: number): Promise<[string, string, string[]][]> {
  process.env['COLUMNS'] = String(width);
  const shown = helpWidth({ COLUMNS: String(width) }, undefined);
  return [
    ['cert-wrap --help', renderHelp(overviewPage(COMMANDS, COMMON_OPTIONS), shown), []],
    ...COMMANDS.map((def): [string, string, string[]] => [
      `cert-wrap ${def.name} --help`,
      renderHelp(commandPage(def, COMMON_OPTIONS), shown),
      (def.examples ?? []).map(([command]) => command.replace(/\$0/g, 'cert-wrap')),
    ]),
    ['gen-nginx --help', await helpText(), ['gen-nginx site.yaml > /etc/nginx/conf.d/acme.conf', 'gen-nginx site.yaml --templates ./my-templates']],
  ];
}

describe('--help pages', () => {
  for (const width of WIDTHS) {
    it(`at COLUMNS=${width}: every example on a line of its own, no line wider than the screen`, async () => {
      for (const [label, text, examples] of await pages(width)) {
        const lines = text.split('\n');
        for (const command of examples) expect(lines, `${label}: example "${command}" is split`).toContain(`  ${command}`);
        expect(lines.filter((l) => l.length > width), `${label}: lines wider than ${width}`).toEqual([]);
      }
    });
  }
});
