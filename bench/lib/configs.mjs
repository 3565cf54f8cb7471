// Generated cert-wrap configs and small text helpers.
import { writeFileSync } from 'node:fs';

/** Three names per certificate, all short enough for nginx's default server_names_hash_bucket_size. */
export function namesOf(prefix, i) {
  const base = `${prefix}${i}.bench.test`;
  return [base, `www.${base}`, `m.${base}`];
}

/** YAML string quoting for generated values (paths, URLs). */
const y = (v) => JSON.stringify(v);

/**
 * A config of n certificates with 3 names each (or the given certificates),
 * as YAML (the format of the bundled example) or JSON.
 * @param {{ n?: number, prefix?: string, format?: 'yaml' | 'json', named?: boolean,
 *   certificates?: { name?: string, domains: string[] }[], settings?: Record<string, unknown> }} o
 */
export function writeConfig(file, o) {
  const prefix = o.prefix ?? 'c';
  const settings = { webroot: '/var/www', email: 'admin@example.org', ...(o.settings ?? {}) };
  const certificates = o.certificates ?? Array.from({ length: o.n ?? 0 }, (_, i) => {
    const domains = namesOf(prefix, i);
    return o.named ? { name: domains[0], domains } : { domains };
  });
  if (o.format === 'json') {
    writeFileSync(file, `${JSON.stringify({ ...settings, certificates }, null, 2)}\n`);
    return file;
  }
  const lines = [];
  for (const [k, v] of Object.entries(settings)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object' && !Array.isArray(v)) {
      lines.push(`${k}:`);
      for (const [k2, v2] of Object.entries(v)) lines.push(`  ${k2}: ${y(v2)}`);
    } else {
      lines.push(`${k}: ${y(v)}`);
    }
  }
  lines.push('certificates:');
  for (const c of certificates) {
    if (c.name !== undefined) lines.push(`  - name: ${c.name}`, `    domains: [${c.domains.join(', ')}]`);
    else lines.push(`  - domains: [${c.domains.join(', ')}]`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * Split a command line printed by `cert-wrap obtain --print` (POSIX shell
 * quoting: '...', "...", backslash) into an argv array.
 */
export function shellWords(line) {
  const words = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1])) i++;
        cur += line[i];
      }
      if (i >= line.length) throw new Error(`unterminated " in: ${line}`);
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
