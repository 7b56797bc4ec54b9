import { readFileSync, existsSync } from 'node:fs';

/** A step line of `metrics.jsonl` (written by `train` of `@selfsup/train`), the fields the plot reads. */
export interface StepLine {
  readonly iteration: number;
  readonly epoch: number;
  readonly loss: number;
  readonly terms: Readonly<Record<string, number>>;
  /** The objectives' extra scalars (iBOT: `cls`, `patch`, `momentum`, `teacherTemperature`). */
  readonly metrics?: Readonly<Record<string, number>>;
  readonly learningRate?: number;
}

/** A k-NN evaluation line of `metrics.jsonl`, appended by `selfsup pretrain`. */
export interface KnnLine {
  readonly type: 'knn';
  /** The 0-based epoch just finished; -1 before training (`run.knnBeforeTraining`). */
  readonly epoch: number;
  /** The last iteration before the evaluation (so a resumed run keeps the line); -1 before training. */
  readonly iteration: number;
  /** Optimizer steps completed. */
  readonly step: number;
  /** Which backbone: `teacher` or `student`. */
  readonly which: string;
  readonly k: number;
  readonly temperature: number;
  /** Top-1 accuracy on the held-out images, percent. */
  readonly top1: number;
  /** Top-5 accuracy, percent. */
  readonly top5: number;
  /** Memory-bank (training) images. */
  readonly trainImages: number;
  /** Held-out images classified. */
  readonly testImages: number;
  /** Seconds the evaluation took (features and vote). */
  readonly seconds: number;
  readonly time: string;
}

/** The lines of a run's `metrics.jsonl`, by kind. */
export interface RunMetrics {
  readonly steps: StepLine[];
  readonly knn: KnnLine[];
}

/**
 * Reads a run's `metrics.jsonl`: step records (no `type`) and k-NN records (`type: 'knn'`);
 * unreadable lines (a partial last line of a killed run) are skipped. A missing file gives no lines.
 *
 * @example
 * ```ts
 * const { steps, knn } = readRunMetrics('runs/ibot/metrics.jsonl');
 * ```
 */
export function readRunMetrics(path: string): RunMetrics {
  const steps: StepLine[] = [];
  const knn: KnnLine[] = [];
  if (!existsSync(path)) return { steps, knn };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (record.type === 'knn') knn.push(record as unknown as KnnLine);
    else if (record.type === undefined && typeof record.iteration === 'number' && typeof record.loss === 'number') {
      steps.push(record as unknown as StepLine);
    }
  }
  return { steps, knn };
}
