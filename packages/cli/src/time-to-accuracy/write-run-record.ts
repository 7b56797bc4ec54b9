import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SslError } from '@selfsup/core';
import { readRunMetrics, type StepsSummaryLine } from '../run-metrics.js';
import { summarizeSteps } from './summarize-steps.js';

/** What {@link writeRunRecord} wrote. */
export interface RunRecord {
  /** The record's `metrics.jsonl` and `config.yaml`. */
  readonly files: readonly string[];
  /** Its summary of the run's step lines. */
  readonly summary: StepsSummaryLine;
  /** The k-NN and linear-probe lines kept. */
  readonly evaluations: number;
}

function invalidFolder(argument: string, expected: string, actual: string, message: string): SslError {
  return new SslError('INVALID_ARGUMENT', message, { details: { argument, expected, actual } });
}

/**
 * Writes a run record of a run folder of `selfsup pretrain`: its `config.yaml` and a `metrics.jsonl`
 * with one summary line of the steps (their count, training seconds, median images per second) and
 * every k-NN and linear-probe line as the run wrote it. A record is small enough to commit (a few
 * kilobytes against megabytes of step lines and checkpoints), and `npm run time-to-accuracy` reads it
 * as it reads the run folder: the same curves, hours, training time and speed.
 *
 * @throws SslError `INVALID_ARGUMENT` when `folder` has no `metrics.jsonl` or no evaluation in it,
 *   or when `out` is the run folder itself (its `metrics.jsonl` would be overwritten).
 * @example
 * ```ts
 * writeRunRecord('runs/dinov2-fashion-mnist-fast', 'docs/results/runs/dinov2-fashion-mnist-fast');
 * ```
 */
export function writeRunRecord(folder: string, out: string): RunRecord {
  const metricsPath = join(resolve(folder), 'metrics.jsonl');
  if (!existsSync(metricsPath)) {
    throw invalidFolder('folder', 'a run folder with metrics.jsonl', folder, `${folder}: expected a run folder of selfsup pretrain with a metrics.jsonl, found none. Pass the folder given as run.outDir (--out).`);
  }
  if (resolve(out) === resolve(folder)) {
    throw invalidFolder('out', 'a folder other than the run folder', out, `${out}: the record would overwrite the run's own metrics.jsonl. Write it to another folder, for example docs/results/runs/<name>.`);
  }
  const metrics = readRunMetrics(metricsPath);
  const kept = metrics.evaluationLines;
  if (kept.length === 0) {
    throw invalidFolder('folder', 'a run with k-NN or linear-probe lines', folder, `${folder}: its metrics.jsonl holds no k-NN or linear-probe evaluation yet (data.heldOut: none, or the run has not finished an epoch), so a record would hold nothing to plot.`);
  }
  const summary = summarizeSteps(metrics.steps);
  mkdirSync(out, { recursive: true });
  const files = [join(out, 'metrics.jsonl')];
  writeFileSync(files[0]!, [JSON.stringify(summary), ...kept].join('\n') + '\n');
  const config = join(resolve(folder), 'config.yaml');
  if (existsSync(config)) {
    copyFileSync(config, join(out, 'config.yaml'));
    files.push(join(out, 'config.yaml'));
  }
  return { files, summary, evaluations: kept.length };
}
