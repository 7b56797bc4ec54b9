import { SslError, describeValue, type SslErrorCode } from './ssl-error.js';

/**
 * Throws an {@link SslError} with `code` and `message` unless `condition` holds. Cheap: use it to
 * check options and shapes at the entry of blocks.
 */
export function invariant(
  condition: unknown,
  message: string | (() => string),
  code: SslErrorCode = 'INVALID_ARGUMENT',
): asserts condition {
  if (!condition) throw new SslError(code, typeof message === 'function' ? message() : message);
}

/** What {@link invalidArgument} reports. */
export interface InvalidArgumentReport {
  /** Where: `createVit(options.patchSize)`. */
  argument: string;
  /** What was expected, in words: `a positive integer that divides imageSize (32)`. */
  expected: string;
  /** The value received. */
  actual: unknown;
  /** How to fix it. */
  fix?: string;
  code?: SslErrorCode;
}

/**
 * Builds the standard error for a bad argument: names the argument, the expected and the actual
 * value, and how to fix it.
 */
export function invalidArgument(report: InvalidArgumentReport): SslError {
  const fix = report.fix ? ` ${report.fix}` : '';
  return new SslError(
    report.code ?? 'INVALID_ARGUMENT',
    `${report.argument}: expected ${report.expected}, got ${describeValue(report.actual)}.${fix}`,
    { details: { argument: report.argument, expected: report.expected, actual: report.actual } },
  );
}

/** Checks that `value` is an integer in `[min, max]`. */
export function checkInteger(argument: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range =
      min === -Infinity && max === Infinity
        ? 'an integer'
        : max === Infinity
          ? `an integer >= ${min}`
          : `an integer in [${min}, ${max}]`;
    throw invalidArgument({ argument, expected: range, actual: value });
  }
  return value;
}

/** Checks that `value` is a finite number in `[min, max]`. */
export function checkNumber(argument: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range =
      min === -Infinity && max === Infinity
        ? 'a finite number'
        : max === Infinity
          ? `a number >= ${min}`
          : min === -Infinity
            ? `a number <= ${max}`
            : `a number in [${min}, ${max}]`;
    throw invalidArgument({ argument, expected: range, actual: value });
  }
  return value;
}

/** Checks that `value` is a finite number > 0. */
export function checkPositive(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument({ argument, expected: 'a finite number > 0', actual: value });
  }
  return value;
}

/** Checks that a tensor-like shape equals `expected`; `null` entries match any size. */
export function checkShape(
  argument: string,
  actual: readonly number[],
  expected: readonly (number | null)[],
  meaning?: string,
): void {
  const ok = actual.length === expected.length && expected.every((e, i) => e === null || e === actual[i]);
  if (!ok) {
    const pattern = `[${expected.map((e) => (e === null ? '*' : String(e))).join(', ')}]`;
    throw new SslError(
      'SHAPE_MISMATCH',
      `${argument}: expected shape ${pattern}${meaning ? ` (${meaning})` : ''}, got [${actual.join(', ')}].`,
      { details: { argument, expected, actual } },
    );
  }
}

/**
 * The most elements selfsup allocates for one tensor: 2^31 - 1, the int32 index range that
 * TensorFlow.js kernels and typed-array indices stay within. Sizes above it are refused before
 * anything is allocated.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/**
 * Checks the options argument of a factory or function: a plain object, not `null`, an array or a
 * primitive. With `optional`, `undefined` stands for "all defaults" and gives `{}`.
 *
 * @example
 * ```ts
 * export function createVit(options: VitOptions = {}): Vit {
 *   const o = checkOptions('createVit(options)', options, true);
 * ```
 */
export function checkOptions<T extends object>(argument: string, value: T | null | undefined, optional = false): T {
  if (value === undefined && optional) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArgument({
      argument,
      expected: optional ? 'an options object (or nothing, for the defaults)' : 'an options object',
      actual: value,
      fix: 'Pass the options as one object, e.g. { ... }.',
    });
  }
  return value;
}

/**
 * Checks that a tensor argument (anything with `isDisposed`, such as a `tf.Tensor` or
 * `tf.Variable`) was not disposed: a disposed tensor still has its shape, so shape checks pass and
 * the first operation on it fails far from the call. Other values pass through unchanged.
 *
 * @throws SslError `DISPOSED` naming the argument and the tensor's shape.
 */
export function checkNotDisposed(argument: string, value: unknown): void {
  if (value === null || typeof value !== 'object' || (value as { isDisposed?: unknown }).isDisposed !== true) return;
  const shape = (value as { shape?: unknown }).shape;
  throw new SslError(
    'DISPOSED',
    `${argument}: the tensor${Array.isArray(shape) ? ` of shape ${describeValue(shape)}` : ''} was disposed before this call. ` +
      'Keep it alive until the call returns: dispose it afterwards, and do not return it out of a tf.tidy that already disposed it.',
    { details: { argument } },
  );
}
