/**
 * nginx inherits add_header from the enclosing level only when a level has
 * no add_header of its own: a location in an HTTPS server's body with its own
 * add_header sends none of the server's headers, so the Strict-Transport-Security
 * header of `hsts` is silently missing from everything that location serves.
 */
import type { Config } from '../../model/types.js';
import { formatPath } from '../../lib/errors.js';
import { parseStatements, type Statement } from '../../leaves/nginx-tokenize.js';

export function hstsDroppedWarnings(config: Config): string[] {
  const warnings: string[] = [];
  for (const cert of config.certificates) {
    if (!cert.https?.hsts) continue;
    cert.https.body.forEach((entry, j) => {
      const parsed = parseStatements(entry);
      if (!parsed.ok) return;
      for (const block of blocksWithAddHeader(parsed.statements)) {
        warnings.push(
          `${formatPath(['certificates', cert.index, 'https', 'body', j])}: "${block.args.join(' ')}" has its own add_header, so nginx sends none of the ` +
            "server's headers there: no Strict-Transport-Security from hsts; repeat the server's add_header lines inside it (README: HSTS and add_header)",
        );
      }
    });
  }
  return warnings;
}

/** Blocks (location, if, ...) at any depth that hold an add_header directly. */
function blocksWithAddHeader(statements: Statement[]): Extract<Statement, { kind: 'block' }>[] {
  const found: Extract<Statement, { kind: 'block' }>[] = [];
  for (const s of statements) {
    if (s.kind !== 'block') continue;
    if (s.body.some((d) => d.kind === 'directive' && d.args[0] === 'add_header')) found.push(s);
    found.push(...blocksWithAddHeader(s.body));
  }
  return found;
}
