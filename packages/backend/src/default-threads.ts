import { checkInteger, invalidArgument } from '@selfsup/core';
import { importNodeBuiltin, isNodeRuntime } from './node-builtins.js';

/** The most threads selfsup accepts from an option or `SELFSUP_THREADS` (a sanity bound). */
export const MAX_THREADS_SETTING = 1024;

/**
 * Reads `SELFSUP_THREADS`: `undefined` when unset or empty, else a validated integer.
 *
 * @throws SslError `INVALID_CONFIG` when it is set to anything but an integer in [1, 1024].
 */
export function threadsFromEnvironment(env: NodeJS.ProcessEnv = typeof process === 'undefined' ? {} : process.env): number | undefined {
  const raw = env.SELFSUP_THREADS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > MAX_THREADS_SETTING) {
    throw invalidArgument({
      argument: 'SELFSUP_THREADS',
      expected: `a whole number of threads in [1, ${MAX_THREADS_SETTING}]`,
      actual: raw,
      fix: 'Unset it to use every core, or set e.g. SELFSUP_THREADS=2.',
      code: 'INVALID_CONFIG',
    });
  }
  return value;
}

/**
 * The number of threads a backend should compute with: the `threads` option when given, else the
 * environment variable `SELFSUP_THREADS`, else the number of cores the process may use
 * (`os.availableParallelism()`).
 *
 * @param option - An explicit thread count (an integer in [1, 1024]), usually `useBackend`'s
 *   `threads` option.
 * @returns A promise of the thread count.
 * @throws SslError `INVALID_ARGUMENT` for a bad option, `INVALID_CONFIG` for a bad `SELFSUP_THREADS`.
 *
 * @example
 * ```ts
 * process.env.SELFSUP_THREADS = '2';
 * await defaultThreads(); // 2
 * await defaultThreads(4); // 4: the option wins
 * ```
 */
export async function defaultThreads(option?: number): Promise<number> {
  if (option !== undefined) return checkInteger('useBackend(options.threads)', option, 1, MAX_THREADS_SETTING);
  const fromEnvironment = threadsFromEnvironment();
  if (fromEnvironment !== undefined) return fromEnvironment;
  if (!isNodeRuntime()) return browserCores();
  const os = await importNodeBuiltin('os');
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : Math.max(1, os.cpus().length);
}

/** The logical cores a browser reports (`navigator.hardwareConcurrency`), 1 when it reports none. */
function browserCores(): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  return typeof cores === 'number' && Number.isInteger(cores) && cores > 0 ? cores : 1;
}
