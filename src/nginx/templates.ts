/**
 * The handlebars templates: the bundled ones, precompiled at build time (only
 * handlebars' small runtime is loaded), or a user's own copies from a directory
 * (--templates DIR), compiled on the spot with the same options.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { specs } from '../generated/templates.js';

export const TEMPLATE_NAMES = ['file', 'server', 'challenge-location', 'default-location', 'https-server'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Never HTML-escape (nginx is not HTML); fail on a missing field instead of printing nothing. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

export type Render = (view: unknown) => string;

export async function loadTemplates(dir?: string): Promise<Render> {
  if (dir === undefined) {
    // The runtime is the part of handlebars that runs precompiled templates; its
    // typings are empty, but its API is the full package's minus the compiler.
    const runtime = (await import('handlebars/runtime.js')).default as unknown as typeof import('handlebars');
    const env = runtime.create();
    for (const name of TEMPLATE_NAMES) env.registerPartial(name, env.template(specs[name]));
    return env.template(specs.file) as Render;
  }
  const { default: Handlebars } = await import('handlebars');
  const env = Handlebars.create();
  const compiled = new Map<TemplateName, Render>();
  for (const name of TEMPLATE_NAMES) {
    const source = readOwnTemplate(dir, name);
    const render = source === null ? env.template(specs[name]) : env.compile(source, COMPILE_OPTIONS);
    env.registerPartial(name, render);
    compiled.set(name, render as Render);
  }
  return compiled.get('file')!;
}

function readOwnTemplate(dir: string, name: TemplateName): string | null {
  try {
    return readFileSync(join(dir, `${name}.hbs`), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new UsageError(`cannot read template ${join(dir, `${name}.hbs`)}: ${code ?? String(err)}`);
  }
}
