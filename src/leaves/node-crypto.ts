/**
 * node:crypto, loaded at the first call: a run that parses no certificate and
 * writes no copy (a no-op renewal) never pays for loading the module. The base
 * path of the require does not matter for a built-in module.
 */
import { createRequire } from 'node:module';

let loaded: typeof import('node:crypto') | undefined;

export function nodeCrypto(): typeof import('node:crypto') {
  return (loaded ??= createRequire('/')('node:crypto') as typeof import('node:crypto'));
}
