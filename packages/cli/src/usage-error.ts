import { SslError, isSslError } from '@selfsup/core';

/**
 * An error in how the command was called (an unknown flag, a missing argument, a file that cannot
 * be read): `SslError('INVALID_ARGUMENT')` marked so that the command exits with code 2.
 */
export function usageError(message: string, details: Record<string, unknown> = {}): SslError {
  return new SslError('INVALID_ARGUMENT', message, { details: { ...details, usage: true } });
}

/**
 * The exit code of a failure: 2 for usage and configuration errors and for a run folder locked
 * by another run (the command was called wrongly or at the wrong time; nothing ran), 1 for
 * failures while working.
 */
export function exitCodeOf(error: unknown): 1 | 2 {
  if (isSslError(error, 'INVALID_CONFIG') || isSslError(error, 'RUN_LOCKED')) return 2;
  if (isSslError(error) && error.details.usage === true) return 2;
  return 1;
}
