// The parts every section of `npm run bench native` shares: running native-bench-worker.ts as a
// child (lib/child-process.ts), turning its JSON into a row, and printing rows of timed steps
// with their ratios to PyTorch's and wasm's rows measured in the same run.
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './lib/bench-context.js';
import { runJsonChild, tsxCommand } from './lib/child-process.js';

const WORKER = fileURLToPath(new URL('./native-bench-worker.ts', import.meta.url));

/** The repository root: the working directory of every child. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The run's settings every section reads. */
export interface NativeBenchRun {
  readonly context: BenchContext;
  readonly threads: number;
  /** `--gemm <engine>` for native workers, when SELFSUP_NATIVE_BENCH_GEMM picks one. */
  readonly gemmArgs: readonly string[];
}

/** A worker's JSON, or a one-line reason why there is none. */
export interface WorkerOutcome {
  readonly json?: Record<string, unknown>;
  readonly note?: string;
}

/** Runs native-bench-worker.ts with `args`; returns its JSON, or a one-line reason. */
export async function worker(context: BenchContext, label: string, args: string[], verbose: boolean, timeoutMinutes = 60): Promise<WorkerOutcome> {
  const [node, lead] = tsxCommand(WORKER);
  const outcome = await runJsonChild(node, [...lead, ...args], {
    cwd: REPO_ROOT,
    timeoutSeconds: timeoutMinutes * 60,
    onLine: (line) => verbose && context.log(`  [${label}] ${line}`),
  });
  if (outcome.ok) return { json: outcome.json };
  return { note: outcome.result.timedOut ? `stopped after ${timeoutMinutes} min without finishing` : outcome.note };
}

export function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export const fmt = (value: unknown, digits: number, unit = ''): string => (typeof value === 'number' && Number.isFinite(value) ? `${value.toFixed(digits)}${unit}` : '-');

export const ratio = (a?: number, b?: number): string => (a && b ? `${(a / b).toFixed(2)}x` : '-');

/** One row of a timed table: a backend's (or PyTorch's) seconds per step. */
export interface TimedRow {
  label: string;
  secondsPerStep?: number;
  /** Process CPU time per step (all threads): on a shared machine the steadier figure. */
  cpuSecondsPerStep?: number;
  peakRssMb?: number;
  note?: string;
}

/** The row of a worker's outcome: its times, peak RSS, backend and any tensor-count growth. */
export function timedRow(label: string, outcome: WorkerOutcome): TimedRow {
  if (!outcome.json) return { label, note: outcome.note };
  const j = outcome.json;
  const notes = [String(j.backend ?? '')];
  if (typeof j.numTensorsGrowth === 'number' && j.numTensorsGrowth !== 0) notes.push(`tensor count grew by ${j.numTensorsGrowth}`);
  return {
    label,
    secondsPerStep: j.secondsPerStep as number,
    cpuSecondsPerStep: j.cpuSecondsPerStep as number | undefined,
    peakRssMb: j.peakRssMb as number | undefined,
    note: notes.filter(Boolean).join('; '),
  };
}

/**
 * Prints `rows` with each one's wall time (and CPU time, where both have it) over the reference's
 * (PyTorch) and its wall time over `against`'s (wasm).
 */
export function printTimed(context: BenchContext, rows: TimedRow[], reference: TimedRow | undefined, against: TimedRow | undefined): void {
  const header = ['', 's/step', 'CPU s/step', 'peak RSS', 'vs PyTorch', 'CPU vs PyTorch', 'vs wasm', '  notes'];
  const widths = [16, 9, 12, 11, 12, 16, 9, 0];
  const over = (row: TimedRow, base: TimedRow | undefined, key: 'secondsPerStep' | 'cpuSecondsPerStep') => (base && row !== base ? ratio(row[key], base[key]) : '-');
  context.log(header.map((h, i) => pad(h, widths[i]!, i > 0 && i < header.length - 1)).join(''));
  for (const row of rows) {
    context.log(
      [
        pad(row.label, widths[0]!),
        pad(fmt(row.secondsPerStep, 2), widths[1]!, true),
        pad(fmt(row.cpuSecondsPerStep, 2), widths[2]!, true),
        pad(fmt(row.peakRssMb, 0, ' MB'), widths[3]!, true),
        pad(over(row, reference, 'secondsPerStep'), widths[4]!, true),
        pad(over(row, reference, 'cpuSecondsPerStep'), widths[5]!, true),
        pad(over(row, against, 'secondsPerStep'), widths[6]!, true),
        `  ${row.note ?? ''}`,
      ].join(''),
    );
  }
}

/** Progress lines of a PyTorch child, without the usage lines torch-process-usage.py appends. */
export function torchProgress(context: BenchContext, label: string): (line: string) => void {
  return (line) => {
    if (!line.startsWith('peakRssKb=') && !line.startsWith('cpuMarks=')) context.log(`  [${label}] ${line}`);
  };
}
