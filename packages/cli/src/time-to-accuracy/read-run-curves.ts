import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SslError } from '@selfsup/core';
import { readRunMetrics, type StepLine, type StepsSummaryLine } from '../run-metrics.js';
import { loadConfigFile } from '../load-config-file.js';
import { trainSecondsAt } from '../train-seconds.js';
import { summarizeSteps } from './summarize-steps.js';
import { heldOutLabel } from '../held-out-label.js';
import type { HeldOutConfig } from '../cli-config-schema.js';

/** One evaluation of a run, placed on its training clock. */
export interface AccuracyPoint {
  /** Hours of training before it (the line's `trainSeconds`, or the steps' sum for older lines). */
  readonly hours: number;
  /** Top-1 accuracy on the held-out images, percent. */
  readonly top1: number;
  /** The 0-based epoch just finished (-1: before training). */
  readonly epoch: number;
  /** Optimizer steps completed. */
  readonly step: number;
}

/** The accuracy over training time of one backbone of one run. */
export interface RunCurve {
  /** The run's label (its folder's name unless given) and the backbone: `ibot-fast teacher`. */
  readonly label: string;
  /** The run's label alone. */
  readonly run: string;
  readonly folder: string;
  /** `method` of the run's `config.yaml` (`ibot`, `mae`, ...). */
  readonly method: string;
  /** `seed` of the run's `config.yaml`, when it has one. */
  readonly seed?: number;
  /** `teacher` or `student`. */
  readonly which: string;
  /** What was classified (`test`, `train-last-10000`); `data.heldOut` of the config for older lines. */
  readonly heldOut: string;
  /** `k=20, T=0.07`: the k-NN vote of the evaluations (none without k-NN lines). */
  readonly knnVote?: string;
  /** The k-NN evaluations, in training order. */
  readonly knn: readonly AccuracyPoint[];
  /** The linear-probe evaluations, in training order. */
  readonly linear: readonly AccuracyPoint[];
  /** Hours of training in the metrics (every step line). */
  readonly trainHours: number;
  /** The median images per second of the steps, when recorded. */
  readonly imagesPerSecond?: number;
}

/** `config.yaml` of a run folder: the method, seed and data.heldOut, or nothing when it is not there. */
function readRunConfig(folder: string): { method?: string; seed?: number; heldOut?: unknown } {
  const path = join(folder, 'config.yaml');
  if (!existsSync(path)) return {};
  const config = loadConfigFile(path) as { method?: unknown; seed?: unknown; data?: { heldOut?: unknown } } | null;
  return {
    ...(typeof config?.method === 'string' ? { method: config.method } : {}),
    ...(typeof config?.seed === 'number' ? { seed: config.seed } : {}),
    ...(config?.data?.heldOut !== undefined ? { heldOut: config.data.heldOut } : {}),
  };
}

/** A line's training hours: its `trainSeconds`, else the sum of the steps up to its iteration. */
function hoursOf(line: { trainSeconds?: number; iteration: number }, steps: readonly StepLine[]): number {
  return (line.trainSeconds ?? trainSecondsAt(steps, line.iteration)) / 3600;
}

/**
 * The training seconds and median speed of a run: from its step lines; for a run record, which keeps
 * none, from its summary line; for evaluation lines alone, the last `trainSeconds` among them (the
 * whole run when it ended with an evaluation) and no speed.
 */
function stepsOf(steps: readonly StepLine[], summary: StepsSummaryLine | undefined, evaluations: readonly { trainSeconds?: number }[]): Pick<StepsSummaryLine, 'trainSeconds' | 'imagesPerSecond'> {
  if (steps.length > 0) return summarizeSteps(steps);
  if (summary) return summary;
  return { trainSeconds: Math.max(0, ...evaluations.map((line) => line.trainSeconds ?? 0)) };
}

/**
 * Reads a run folder of `selfsup pretrain` (`metrics.jsonl`, `config.yaml`), or a run record of one
 * (`npm run run-record`: the same two files, the step lines summed up in one), as curves of k-NN and
 * linear-probe top-1 against hours of training, one per evaluated backbone. Hours are the lines'
 * `trainSeconds` (steps only: no evaluation, checkpoint or start-up time; each step once across
 * resumes), recomputed from the step lines for runs written before that field existed.
 *
 * @param label - the run's name in tables and legends. @defaultValue the folder's name
 * @throws SslError `INVALID_ARGUMENT` when the folder has no `metrics.jsonl` or no evaluation in it.
 * @example
 * ```ts
 * for (const curve of readRunCurves('runs/mae-fast')) console.log(curve.label, curve.knn.at(-1));
 * ```
 */
export function readRunCurves(folder: string, label?: string): RunCurve[] {
  const full = resolve(folder);
  const metricsPath = join(full, 'metrics.jsonl');
  if (!existsSync(metricsPath)) {
    throw new SslError('INVALID_ARGUMENT', `${folder}: expected a run folder of selfsup pretrain with a metrics.jsonl, found none. Pass the folder given as run.outDir (--out).`, {
      details: { argument: 'folder', expected: 'a run folder with metrics.jsonl', actual: folder },
    });
  }
  const { steps, knn, linear, stepsSummary } = readRunMetrics(metricsPath);
  const config = readRunConfig(full);
  const run = label ?? basename(full);
  const configHeldOut = config.heldOut === undefined ? 'unknown' : heldOutLabel(config.heldOut as HeldOutConfig);
  const whiches = [...new Set([...knn, ...linear].map((line) => line.which))];
  if (whiches.length === 0) {
    throw new SslError('INVALID_ARGUMENT', `${folder}: its metrics.jsonl holds no k-NN or linear-probe evaluation yet (data.heldOut: none, or the run has not finished an epoch).`, {
      details: { argument: 'folder', expected: 'a run with k-NN lines', actual: folder },
    });
  }
  const { trainSeconds, imagesPerSecond } = stepsOf(steps, stepsSummary, [...knn, ...linear]);
  const trainHours = trainSeconds / 3600;
  const byIteration = <T extends { iteration: number }>(a: T, b: T) => a.iteration - b.iteration;
  return whiches.map((which) => {
    const ofKnn = knn.filter((line) => line.which === which).sort(byIteration);
    const ofLinear = linear.filter((line) => line.which === which).sort(byIteration);
    return {
      label: `${run} ${which}`,
      run,
      folder: full,
      method: config.method ?? 'unknown',
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
      which,
      heldOut: ofKnn.find((line) => line.heldOut)?.heldOut ?? ofLinear[0]?.heldOut ?? configHeldOut,
      ...(ofKnn[0] ? { knnVote: `k=${ofKnn[0].k}, T=${ofKnn[0].temperature}` } : {}),
      knn: ofKnn.map((line) => ({ hours: hoursOf(line, steps), top1: line.top1, epoch: line.epoch, step: line.step })),
      linear: ofLinear.map((line) => ({ hours: hoursOf(line, steps), top1: line.top1, epoch: line.epoch, step: line.step })),
      trainHours,
      ...(imagesPerSecond !== undefined ? { imagesPerSecond } : {}),
    };
  });
}
