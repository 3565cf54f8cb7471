/**
 * The handlebars templates: the bundled ones, precompiled at build time (only
 * handlebars' small runtime is loaded), or a user's own copies from a directory
 * (--templates DIR), compiled on the spot with the same options. A user's
 * template that cannot be compiled or rendered is named, with its line.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateError, UsageError } from '../../lib/errors.js';
import { specs } from '../../generated/templates.js';

export const TEMPLATE_NAMES = ['file', 'server', 'challenge-location', 'default-location', 'https-server', 'https-default-server'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Never HTML-escape (nginx is not HTML); fail on a missing field instead of printing nothing. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

export type Render = (view: unknown) => string;
type Partial = (context: unknown, options?: unknown) => string;

export async function loadTemplates(dir?: string): Promise<Render> {
  if (dir === undefined) {
    // The runtime is the part of handlebars that runs precompiled templates; its
    // typings are empty, but its API is the full package's minus the compiler.
    const runtime = (await import('handlebars/runtime.js')).default as unknown as typeof import('handlebars');
    const env = runtime.create();
    for (const name of TEMPLATE_NAMES) env.registerPartial(name, env.template(specs[name]));
    return env.template(specs.file) as Render;
  }
  const own = readOwnTemplates(dir);
  const { default: Handlebars } = await import('handlebars');
  const env = Handlebars.create();
  const compiled = new Map<TemplateName, Partial>();
  for (const name of TEMPLATE_NAMES) {
    const source = own.get(name);
    const label = source === undefined ? `the bundled ${name}.hbs` : join(dir, `${name}.hbs`);
    if (source !== undefined) {
      // Compiling is lazy (at the first render): do it now, so that a syntax error is found here.
      try {
        env.precompile(source, COMPILE_OPTIONS);
      } catch (err) {
        throw templateError(label, err);
      }
    }
    const render = source === undefined ? env.template(specs[name]) : env.compile(source, COMPILE_OPTIONS);
    const named = namedPartial(render as Partial, label);
    env.registerPartial(name, named);
    compiled.set(name, named);
  }
  return compiled.get('file')! as Render;
}

/** The user's templates by name; the directory must exist and hold only templates gen-nginx uses. */
function readOwnTemplates(dir: string): Map<TemplateName, string> {
  const names = TEMPLATE_NAMES.map((n) => `${n}.hbs`).join(', ');
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--templates ${dir}: not a directory`);
    files = readdirSync(dir);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--templates ${dir}: ${code === 'ENOENT' ? 'no such directory' : `cannot read the directory (${code ?? String(err)})`}`);
  }
  const unknown = files.filter((f) => f.endsWith('.hbs') && !(TEMPLATE_NAMES as readonly string[]).includes(f.slice(0, -4)));
  if (unknown.length > 0) {
    throw new UsageError(`--templates ${dir}: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a template' : 'are not templates'} gen-nginx uses (they are ${names})`);
  }
  const own = new Map<TemplateName, string>();
  for (const name of TEMPLATE_NAMES) {
    const source = readOwnTemplate(dir, name);
    if (source !== null) own.set(name, source);
  }
  if (own.size === 0) throw new UsageError(`--templates ${dir}: holds none of the templates (${names})`);
  return own;
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

/** A template as a partial whose errors name it; an error already named by an inner partial passes through. */
function namedPartial(render: Partial, label: string): Partial {
  return (context, options) => {
    try {
      return render(context, options);
    } catch (err) {
      throw err instanceof TemplateError ? err : templateError(label, err);
    }
  };
}

/** "template DIR/server.hbs:7: ..." from handlebars' parse errors ("Parse error on line 7: ...") and exceptions ("... - 7:3"). */
function templateError(label: string, err: unknown): TemplateError {
  const e = err as { message?: unknown; lineNumber?: unknown };
  const message = String(e.message ?? err);
  const parse = /^Parse error on line (\d+):[\s\S]*\n([^\n]*)$/.exec(message);
  const line = parse?.[1] ?? (typeof e.lineNumber === 'number' ? String(e.lineNumber) : / - (\d+):\d+$/.exec(message)?.[1]);
  const text = (parse?.[2] ?? message).replace(/ - \d+:\d+$/, '').replace(/ in \[object Object\]$/, '');
  return new TemplateError(`template ${label}${line ? `:${line}` : ''}: ${text}`);
}
