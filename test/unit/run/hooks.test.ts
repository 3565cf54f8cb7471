import { describe, expect, it } from 'vitest';
import { DEFER_RELOAD_ENV, hookEnv, reloadBy } from '../../../src/run/hooks.js';

describe('the deploy-hook protocol', () => {
  it('what the session sets is what the hook reads', () => {
    expect(reloadBy(hookEnv(true))).toBe('session');
    expect(reloadBy(hookEnv(false))).toBe('nobody');
  });

  it('certbot run by hand (no variable): the hook reloads itself', () => {
    expect(reloadBy({})).toBe('hook');
    expect(reloadBy({ [DEFER_RELOAD_ENV]: '' })).toBe('hook');
  });
});
