import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';
import { ownsValues } from './kernels/shared.js';

/**
 * Why a kernel ran tfjs-backend-cpu's JavaScript on the native backend: it has no native kernel,
 * its native kernel does not take these inputs (a dtype, rank or layout it leaves to cpu), or the
 * loaded native binary was built before its native kernel existed.
 */
export type NativeFallbackReason = 'no native kernel' | 'inputs not supported natively' | 'native binary predates this kernel';

/** One kernel that left the native path: what {@link nativeFallbackReport} lists. */
export interface NativeFallback {
  /** The tfjs kernel name (`Select`, `Equal`, `Multiply`, ...). */
  readonly kernel: string;
  readonly reason: NativeFallbackReason;
  /** How many times it ran tfjs-backend-cpu's kernel. */
  readonly calls: number;
  /** Elements of the largest input of any of those calls. */
  readonly largestInputSize: number;
  /**
   * The inputs of that call: dtype and shape, and the array holding the values when it is not
   * the dtype's own (`float32[6272,1024], float32(Uint8Array)[6272,1024]`).
   */
  readonly largestInputs: string;
}

interface Entry {
  reason: NativeFallbackReason;
  calls: number;
  largestInputSize: number;
  largestInputs: string;
}

const entries = new Map<string, Entry>();

/**
 * Kernels that only relabel their input's data (no values are computed or copied): they run
 * tfjs-backend-cpu's code on every backend and are not counted.
 */
export const VIEW_KERNELS: ReadonlySet<string> = new Set(['Reshape', 'ExpandDims', 'Identity']);

type Storage = { data: { get(dataId: object): { values?: unknown } } };

function describe(backend: Storage, info: tf.TensorInfo): string {
  const values = backend.data.get(info.dataId)?.values;
  const holder = values === undefined || ownsValues(info.dtype, values) || !ArrayBuffer.isView(values) ? '' : `(${values.constructor.name})`;
  return `${info.dtype}${holder}[${info.shape.join(',')}]`;
}

function record(kernel: string, reason: NativeFallbackReason, args: Parameters<tf.KernelFunc>[0]): void {
  // Optional inputs (a fused matmul's bias) may be absent.
  const inputs = (Object.values(args.inputs ?? {}) as (tf.TensorInfo | null | undefined)[]).filter((input): input is tf.TensorInfo => input != null);
  let largest = 0;
  for (const input of inputs) {
    let size = 1;
    for (const d of input.shape) size *= d;
    if (size > largest) largest = size;
  }
  let entry = entries.get(kernel);
  if (!entry) entries.set(kernel, (entry = { reason, calls: 0, largestInputSize: -1, largestInputs: '' }));
  entry.calls++;
  entry.reason = reason;
  if (largest > entry.largestInputSize) {
    entry.largestInputSize = largest;
    entry.largestInputs = inputs.map((input) => describe(args.backend as unknown as Storage, input)).join(', ');
  }
}

/** `kernelFunc` (tfjs-backend-cpu's kernel), counting each call in the fallback report. */
export function countedFallback(kernel: string, reason: NativeFallbackReason, kernelFunc: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    record(kernel, reason, args);
    return kernelFunc(args);
  };
}

/**
 * The kernels that ran tfjs-backend-cpu's JavaScript instead of native code on the native backend
 * since the process started or {@link resetNativeFallbackReport}: how often, why, and their largest
 * inputs, largest first. Kernels that only relabel data (Reshape, ExpandDims, Identity) are left
 * out. Counting costs one map update per fallback call and nothing on the native path.
 * `SELFSUP_NATIVE_REPORT_FALLBACKS=1` prints this list when the process exits.
 *
 * @example
 * ```ts
 * resetNativeFallbackReport();
 * trainStep(batch);
 * for (const f of nativeFallbackReport()) console.log(`${f.kernel}: ${f.calls} calls, largest ${f.largestInputs} (${f.reason})`);
 * ```
 */
export function nativeFallbackReport(): NativeFallback[] {
  return [...entries]
    .map(([kernel, e]) => ({ kernel, reason: e.reason, calls: e.calls, largestInputSize: e.largestInputSize, largestInputs: e.largestInputs }))
    .sort((a, b) => b.largestInputSize - a.largestInputSize || b.calls - a.calls || a.kernel.localeCompare(b.kernel));
}

/** Empties the report of {@link nativeFallbackReport} (to count one part of a program). */
export function resetNativeFallbackReport(): void {
  entries.clear();
}

/** The report as lines of text, one per kernel (what `SELFSUP_NATIVE_REPORT_FALLBACKS=1` prints). */
export function formatNativeFallbackReport(report: readonly NativeFallback[]): string {
  if (report.length === 0) return 'selfsup-native: every kernel ran natively (no tfjs-backend-cpu fallbacks).\n';
  const width = Math.max(...report.map((f) => f.kernel.length));
  const lines = report.map(
    (f) => `  ${f.kernel.padEnd(width)}  ${String(f.calls).padStart(7)} calls, largest input ${f.largestInputSize.toLocaleString('en-US')} elements: ${f.largestInputs} (${f.reason})`,
  );
  return `selfsup-native: kernels that ran tfjs-backend-cpu's JavaScript, largest input first:\n${lines.join('\n')}\n`;
}

/** `SELFSUP_NATIVE_REPORT_FALLBACKS`: true for `1`, false unset or `0`. */
export function reportFallbacksSetting(): boolean {
  const raw = process.env.SELFSUP_NATIVE_REPORT_FALLBACKS?.trim();
  if (raw === undefined || raw === '' || raw === '0') return false;
  if (raw !== '1') {
    throw invalidArgument({
      argument: 'SELFSUP_NATIVE_REPORT_FALLBACKS',
      expected: '0 or 1',
      actual: raw,
      code: 'INVALID_CONFIG',
      fix: 'Set it to 1 to print the kernels that fall back to tfjs-backend-cpu when the process exits, or unset it.',
    });
  }
  return true;
}

let printing = false;

/** Prints the report to stderr when the process exits (once, however often it is called). */
export function printFallbacksAtExit(): void {
  if (printing) return;
  printing = true;
  process.once('exit', () => process.stderr.write(formatNativeFallbackReport(nativeFallbackReport())));
}
