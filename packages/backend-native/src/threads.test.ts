import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { nativeThreadsSetting } from './index.js';

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('nativeThreadsSetting', () => {
  it('takes the argument, else SELFSUP_THREADS, else every core', () => {
    expect(nativeThreadsSetting(3, { SELFSUP_THREADS: '5' })).toBe(3);
    expect(nativeThreadsSetting(undefined, { SELFSUP_THREADS: ' 5 ' })).toBe(5);
    expect(nativeThreadsSetting(undefined, {})).toBe(availableParallelism());
    expect(nativeThreadsSetting(undefined, { SELFSUP_THREADS: '' })).toBe(availableParallelism());
  });

  it('names its own argument, not the backend option, for a bad count', () => {
    const error = thrown(() => nativeThreadsSetting(0, {}));
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toContain('nativeThreadsSetting(threads)');
    expect(error.message).not.toContain('registerNativeBackend');
  });

  it('names SELFSUP_THREADS for a bad environment value', () => {
    const error = thrown(() => nativeThreadsSetting(undefined, { SELFSUP_THREADS: '2.5' }));
    expect(isSslError(error, 'INVALID_CONFIG')).toBe(true);
    expect(error.message).toContain('SELFSUP_THREADS');
  });
});
