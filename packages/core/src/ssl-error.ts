/**
 * The machine-readable reason of an {@link SslError}. Stable across releases: code may branch on it.
 */
export type SslErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'SHAPE_MISMATCH'
  | 'BACKEND_UNAVAILABLE'
  | 'CHECKPOINT_INCOMPATIBLE'
  | 'CHECKPOINT_CORRUPT'
  | 'STATE_DICT_MISMATCH'
  | 'DATA_CORRUPT'
  | 'NON_FINITE_LOSS'
  | 'DIVERGED'
  | 'RUN_LOCKED'
  | 'DISPOSED'
  | 'NOT_SUPPORTED'
  | 'COMMUNICATION_FAILED';

/** Options of {@link SslError}. */
export interface SslErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Structured facts about the failure (argument name, expected and actual values, ...). */
  details?: Record<string, unknown>;
}

/**
 * The one error class of selfsup. Its message says what was wrong, where, and how to fix it;
 * `code` says which kind of failure it is, and `details` carries the facts for programs.
 *
 * @example
 * ```ts
 * try { createVit({ imageSize: 30, patchSize: 4 }); }
 * catch (e) { if (e instanceof SslError && e.code === 'INVALID_ARGUMENT') console.error(e.message); }
 * ```
 */
export class SslError extends Error {
  override readonly name = 'SslError';
  readonly code: SslErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: SslErrorCode, message: string, options: SslErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True when `error` is an {@link SslError}, optionally of the given code. */
export function isSslError(error: unknown, code?: SslErrorCode): error is SslError {
  return error instanceof SslError && (code === undefined || error.code === code);
}

/** Formats a value for an error message: arrays as `[a, b]`, strings quoted, objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
