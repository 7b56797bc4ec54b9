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
  /** Milliseconds of the training step (`trainStep`). */
  readonly stepMs?: number;
  /** Milliseconds spent waiting for the step's batch. */
  readonly dataMs?: number;
  /** Images per second over the step and the wait for its batch. */
  readonly imagesPerSecond?: number;
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
  /**
   * Seconds of training so far: the steps' wall-clock (`stepMs + dataMs` of every step line up to
   * `iteration`), without evaluations, checkpoint writes and start-up; a resumed run counts each
   * step once. Absent in lines written before it was recorded (`trainSecondsAt` recomputes it).
   */
  readonly trainSeconds?: number;
  /** What was classified: `test`, `val`, or `train-last-10000` (`data.heldOut`); absent in older lines. */
  readonly heldOut?: string;
  readonly time: string;
}

/** A linear-probe line of `metrics.jsonl`, appended by `selfsup pretrain` with `run.linearEveryEpochs`. */
export interface LinearLine {
  readonly type: 'linear';
  /** The 0-based epoch just finished. */
  readonly epoch: number;
  /** The last iteration before the evaluation. */
  readonly iteration: number;
  /** Optimizer steps completed. */
  readonly step: number;
  /** Which backbone: `teacher` or `student`. */
  readonly which: string;
  /** Top-1 accuracy of the chosen probe on the held-out images, percent. */
  readonly top1: number;
  /** Top-5 accuracy, percent. */
  readonly top5: number;
  /** The learning rate the sweep chose (on a fifth of the training features). */
  readonly learningRate: number;
  /** Its top-1 on that validation fifth, percent. */
  readonly validationTop1: number;
  /** Epochs of each probe. */
  readonly probeEpochs: number;
  /** Training images (the probe is fitted on four fifths of them). */
  readonly trainImages: number;
  /** Held-out images classified. */
  readonly testImages: number;
  /** What was classified (`data.heldOut`): `test`, `val`, `train-last-10000`. */
  readonly heldOut: string;
  /** Seconds the probe took (features of both sets and the sweep). */
  readonly seconds: number;
  /** Seconds of training so far, as {@link KnnLine.trainSeconds}. */
  readonly trainSeconds: number;
  readonly time: string;
}

/**
 * The step lines of a run summed up in one line (`type: 'steps'`): what a run record
 * (`npm run run-record`) keeps of them instead of one line a step.
 */
export interface StepsSummaryLine {
  readonly type: 'steps';
  /** Step lines summed (each iteration once). */
  readonly steps: number;
  /** Their wall-clock seconds: `stepMs + dataMs` of every step line. */
  readonly trainSeconds: number;
  /** The median images per second of the steps, when recorded. */
  readonly imagesPerSecond?: number;
  /** Steps below 150 images/s (`slowBelow`), when images per second are recorded. */
  readonly slowSteps?: number;
  /** The images-per-second bound of `slowSteps`. */
  readonly slowBelow?: number;
}

/** The lines of a run's `metrics.jsonl`, by kind. */
export interface RunMetrics {
  readonly steps: StepLine[];
  readonly knn: KnnLine[];
  /** Linear-probe lines (`readRunMetrics` always fills it; optional for metrics built by hand). */
  readonly linear?: LinearLine[];
  /** The summary line of a run record, which stands for its step lines (absent in a run's own file). */
  readonly stepsSummary?: StepsSummaryLine;
}

/** A run's metrics as {@link parseRunMetrics} returns them: by kind, and the evaluation lines' text. */
export interface ParsedRunMetrics extends RunMetrics {
  readonly linear: LinearLine[];
  /** The k-NN and linear-probe lines exactly as written, in file order (what a run record keeps). */
  readonly evaluationLines: string[];
}

/**
 * Parses the text of a run's `metrics.jsonl` in one pass: step records (no `type`), k-NN records
 * (`type: 'knn'`), linear-probe records (`type: 'linear'`), a run record's summary of its steps
 * (`type: 'steps'`) and the evaluation lines' own text; unreadable lines (a partial last line of a
 * killed run) are skipped.
 *
 * @example
 * ```ts
 * const { knn, evaluationLines } = parseRunMetrics(readFileSync('runs/ibot/metrics.jsonl', 'utf8'));
 * ```
 */
export function parseRunMetrics(text: string): ParsedRunMetrics {
  const steps: StepLine[] = [];
  const knn: KnnLine[] = [];
  const linear: LinearLine[] = [];
  const evaluationLines: string[] = [];
  let stepsSummary: StepsSummaryLine | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (record.type === 'knn' || record.type === 'linear') evaluationLines.push(line);
    if (record.type === 'knn') knn.push(record as unknown as KnnLine);
    else if (record.type === 'linear') linear.push(record as unknown as LinearLine);
    else if (record.type === 'steps' && typeof record.trainSeconds === 'number') stepsSummary = record as unknown as StepsSummaryLine;
    else if (record.type === undefined && typeof record.iteration === 'number' && typeof record.loss === 'number') {
      steps.push(record as unknown as StepLine);
    }
  }
  return { steps, knn, linear, evaluationLines, ...(stepsSummary ? { stepsSummary } : {}) };
}

/**
 * Reads a run's `metrics.jsonl` ({@link parseRunMetrics}). A missing file gives no lines.
 *
 * @example
 * ```ts
 * const { steps, knn, linear } = readRunMetrics('runs/ibot/metrics.jsonl');
 * ```
 */
export function readRunMetrics(path: string): ParsedRunMetrics {
  return parseRunMetrics(existsSync(path) ? readFileSync(path, 'utf8') : '');
}
