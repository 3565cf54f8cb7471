import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { howItEnded, runProcess } from '../../src/lib/process.js';
import { makeTempDir, removeTempDir } from '../../lab/tmp.js';

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('process-');
});
afterAll(async () => removeTempDir(dir));

describe('runProcess: one result shape for every program', () => {
  it('a program that succeeds: exit code 0, its output, a duration', async () => {
    const r = await runProcess('sh', ['-c', 'echo out; echo err >&2']);
    expect(r).toMatchObject({ exitCode: 0, signal: null, notFound: false, startError: null, timedOut: false, canceled: false, stdout: 'out', stderr: 'err', output: '' });
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('a program that fails: its exit code, nothing thrown', async () => {
    const r = await runProcess('sh', ['-c', 'echo no >&2; exit 3']);
    expect(r).toMatchObject({ exitCode: 3, signal: null, notFound: false, startError: null, stderr: 'no' });
    expect(howItEnded(r)).toBe('exit code 3');
  });

  it('a missing program: notFound, no exit code, nothing thrown', async () => {
    const r = await runProcess(join(dir, 'no-such-program'), []);
    expect(r).toMatchObject({ exitCode: null, signal: null, notFound: true });
    expect(r.startError).toContain('ENOENT');
    expect(howItEnded(r)).toBe('not found');
  });

  it('a program that cannot be executed: a start error, not "not found"', async () => {
    const file = join(dir, 'not-executable');
    writeFileSync(file, '#!/bin/sh\n');
    chmodSync(file, 0o644);
    const r = await runProcess(file, []);
    expect(r).toMatchObject({ exitCode: null, notFound: false });
    expect(r.startError).toContain('EACCES');
  });

  it('a program stopped by a signal: the signal, no exit code', async () => {
    const r = await runProcess('sh', ['-c', 'kill -TERM $$']);
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGTERM', notFound: false, startError: null });
    expect(howItEnded(r)).toBe('stopped by SIGTERM');
  });

  it('canceled through an AbortSignal: SIGTERM, canceled', async () => {
    const abort = new AbortController();
    const r = await runProcess('sh', ['-c', 'echo started; exec sleep 30'], { signal: abort.signal, onLine: () => abort.abort() });
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGTERM', canceled: true, output: 'started' });
  });

  it('stopped after its timeout', async () => {
    const r = await runProcess('sleep', ['30'], { timeoutMs: 200 });
    expect(r).toMatchObject({ exitCode: null, timedOut: true, signal: 'SIGTERM' });
  });

  it('input on stdin, the environment added to this one, the working directory', async () => {
    const r = await runProcess('sh', ['-c', 'cat; echo "$EXTRA:$PATH" | cut -c1-6; pwd'], { input: 'in\n', env: { EXTRA: 'x' }, cwd: dir });
    expect(r.stdout.split('\n')).toEqual(['in', `x:${(process.env.PATH ?? '').slice(0, 4)}`, dir]);
  });

  it('output beyond maxBuffer: the program is stopped, what came within the limit kept', async () => {
    const r = await runProcess('sh', ['-c', 'yes 0123456789 | head -c 1000000; exec sleep 30'], { maxBuffer: 1000 });
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    expect(r.stdout).toBe('0123456789\n'.repeat(91).slice(0, 1000));
  });

  it('one final line feed is not part of the output (LF or CRLF), the others are', async () => {
    expect((await runProcess('printf', ['a\n\nb\r\n'])).stdout).toBe('a\n\nb');
    expect((await runProcess('printf', ['a\n\n'])).stdout).toBe('a\n');
  });

  it('onLine: stdout and stderr line by line, interleaved, kept in output', async () => {
    const lines: string[] = [];
    const r = await runProcess('sh', ['-c', 'echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three'], { onLine: (l) => lines.push(l) });
    expect(lines).toEqual(['one', 'two', 'three']);
    expect(r.output).toBe('one\ntwo\nthree');
    expect(r.exitCode).toBe(0);
  });
});
