import { appendFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { invalidArgument } from '@selfsup/core';
import type { StepResult } from './train-step.js';
import { writeFileAtomic } from './atomic-write.js';

/** One line of the metrics file: a step's numbers, its speed and the process's memory. */
export interface MetricsRecord extends StepResult {
  /** `metrics.momentum` when the recipe reports it (the teacher's EMA momentum). */
  readonly momentum?: number;
  /** Images per second over the step and the wait for its batch, when the batch size is known. */
  readonly imagesPerSecond?: number;
  /** Optimizer steps per second over the step and the wait for its batch. */
  readonly stepsPerSecond: number;
  /** Milliseconds of `trainStep` (views, targets, forward, backward, update, afterStep), and with several ranks the averaging of the step's metrics across them. */
  readonly stepMs: number;
  /** Milliseconds spent waiting for the step's batches. */
  readonly dataMs: number;
  /** Resident set size of the process, in MiB. */
  readonly rssMb: number;
  /** The JavaScript heap in use, in MiB. */
  readonly heapMb: number;
  /** Bytes held by tfjs tensors, in MiB. */
  readonly tensorMb: number;
  /** Live tfjs tensors (steady from step to step in a healthy run). */
  readonly numTensors: number;
  /** When the step ended (ISO 8601). */
  readonly time: string;
}

/** Options of {@link createMetricsWriter}. */
export interface MetricsWriterOptions {
  /**
   * Resuming at this iteration: lines of the file for iterations before it are kept (those after
   * it, written by the interrupted run, would be written again); without it the file starts empty.
   * @defaultValue undefined (a new file)
   */
  resumeAtIteration?: number;
}

/** Appends one JSON object per step to a file (JSON lines). */
export interface MetricsWriter {
  /** The file. */
  readonly path: string;
  /** Appends a record (flushed at once: a killed run keeps every line it wrote). */
  write(record: MetricsRecord): void;
}

/**
 * Creates a JSON-lines metrics file, one object per optimizer step (`iteration`, `epoch`, `loss`,
 * `terms`, `learningRate`, `weightDecay`, `momentum`, `gradNorm`, `imagesPerSecond`, memory, ...),
 * which pandas, DuckDB, `jq` or a spreadsheet read directly. On resume the lines of the steps that
 * will run again are dropped first, so every iteration appears once.
 *
 * @example
 * ```ts
 * const metrics = await createMetricsWriter('runs/ibot/metrics.jsonl');
 * metrics.write(record);
 * // jq -r '[.iteration, .loss] | @tsv' runs/ibot/metrics.jsonl
 * ```
 */
export async function createMetricsWriter(path: string, options: MetricsWriterOptions = {}): Promise<MetricsWriter> {
  if (typeof path !== 'string' || path === '') {
    throw invalidArgument({ argument: 'createMetricsWriter(path)', expected: 'a file path', actual: path });
  }
  mkdirSync(dirname(path), { recursive: true });
  const { resumeAtIteration } = options;
  let kept = '';
  if (resumeAtIteration !== undefined && existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      try {
        const record = JSON.parse(line) as { iteration?: unknown };
        if (typeof record.iteration === 'number' && record.iteration < resumeAtIteration) kept += `${line}\n`;
      } catch {
        // a partial last line from a killed process, or an empty line: dropped
      }
    }
  }
  await writeFileAtomic(path, kept);
  return {
    path,
    write(record: MetricsRecord): void {
      appendFileSync(path, `${JSON.stringify(record)}\n`);
    },
  };
}
