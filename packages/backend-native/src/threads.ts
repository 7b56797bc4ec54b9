import { availableParallelism } from 'node:os';
import { checkInteger, invalidArgument } from '@selfsup/core';

/** The most threads accepted from an option or `SELFSUP_THREADS` (a sanity bound). */
export const MAX_NATIVE_THREADS = 1024;

/**
 * The thread count of the native backend: `threads` when given, else `SELFSUP_THREADS`, else every
 * core the process may use (`os.availableParallelism()`).
 *
 * @throws SslError `INVALID_ARGUMENT` for a bad `threads`, `INVALID_CONFIG` for a bad `SELFSUP_THREADS`.
 *
 * @example
 * ```ts
 * nativeThreadsSetting(); // the number of cores, or SELFSUP_THREADS when set
 * nativeThreadsSetting(2); // 2
 * ```
 */
export function nativeThreadsSetting(threads?: number, env: NodeJS.ProcessEnv = process.env): number {
  return resolveThreads(threads, env, 'nativeThreadsSetting(threads)');
}

/**
 * {@link nativeThreadsSetting} with the name its error gives a bad `option`: each caller names the
 * argument its own user passed (`registerNativeBackend(options.threads)` for the backend).
 */
export function resolveThreads(
  option: number | undefined,
  env: NodeJS.ProcessEnv,
  argument: string,
): number {
  if (option !== undefined) return checkInteger(argument, option, 1, MAX_NATIVE_THREADS);
  const raw = env.SELFSUP_THREADS;
  if (raw === undefined || raw.trim() === '') return availableParallelism();
  const trimmed = raw.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || value < 1 || value > MAX_NATIVE_THREADS) {
    throw invalidArgument({
      argument: 'SELFSUP_THREADS',
      expected: `a whole number of threads in [1, ${MAX_NATIVE_THREADS}]`,
      actual: raw,
      fix: 'Unset it to use every core, or set e.g. SELFSUP_THREADS=2.',
      code: 'INVALID_CONFIG',
    });
  }
  return value;
}
