import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { defaultThreads } from './default-threads.js';

const saved = process.env.SELFSUP_THREADS;

afterEach(() => {
  if (saved === undefined) delete process.env.SELFSUP_THREADS;
  else process.env.SELFSUP_THREADS = saved;
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

describe('defaultThreads', () => {
  it('uses every core when neither the option nor SELFSUP_THREADS is set', async () => {
    delete process.env.SELFSUP_THREADS;
    expect(await defaultThreads()).toBe(availableParallelism());
  });

  it('treats an empty SELFSUP_THREADS as unset', async () => {
    process.env.SELFSUP_THREADS = '';
    expect(await defaultThreads()).toBe(availableParallelism());
  });

  it('reads SELFSUP_THREADS, and the option wins over it', async () => {
    process.env.SELFSUP_THREADS = '3';
    expect(await defaultThreads()).toBe(3);
    process.env.SELFSUP_THREADS = ' 5 ';
    expect(await defaultThreads()).toBe(5);
    expect(await defaultThreads(2)).toBe(2);
  });

  it.each(['0', '-1', '1.5', 'two', '2e3', '1025'])('rejects SELFSUP_THREADS=%j with INVALID_CONFIG naming the variable', async (value) => {
    process.env.SELFSUP_THREADS = value;
    const error = await rejection(defaultThreads());
    expect(isSslError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toContain('SELFSUP_THREADS');
    expect((error as Error).message).toContain(JSON.stringify(value));
    expect((error as Error).message).toContain('SELFSUP_THREADS=2');
  });

  it.each([0, -2, 1.5, Number.NaN, 2000])('rejects options.threads = %s with INVALID_ARGUMENT', async (value) => {
    const error = await rejection(defaultThreads(value));
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain('options.threads');
  });

  it('does not read SELFSUP_THREADS when the option is given', async () => {
    process.env.SELFSUP_THREADS = 'not a number';
    expect(await defaultThreads(4)).toBe(4);
  });
});
