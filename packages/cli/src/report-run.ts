import { join } from 'node:path';
import { formatDuration } from '@selfsup/train/node';
import { displayPath } from './cli-io.js';
import { shellWord } from './format-pretrain-command.js';
import type { PretrainRun } from './pretrain-run.js';
import { renderTrainingPlot } from './plot/training-plot.js';
import { describeBackbone } from './run-parts.js';
import { readRunMetrics, type KnnLine, type LinearLine, type RunMetrics } from './run-metrics.js';
import { heldOutLabel } from './held-out-label.js';
import type { TrainedRun } from './train-from-plan.js';
import { writeRunPlot } from './write-run-plot.js';

/** What a pretraining run produced. */
export interface PretrainResult {
  readonly status: 'completed' | 'interrupted';
  readonly outDir: string;
  readonly checkpoint?: string;
  readonly metrics: string;
  readonly plot?: string;
  readonly knn: readonly KnnLine[];
}

/** Writes `plot.svg` (and `plot.png`) of the run's metrics when `run.plot` is on; returns the path to show. */
async function plotRun(run: PretrainRun, metrics: RunMetrics, trained: TrainedRun): Promise<string | undefined> {
  if (!run.plan.config.run.plot) return undefined;
  const { method, outDir } = run.plan;
  const title = `${method.title} on ${run.runData.data.name} - ${describeBackbone(run.pretraining.backbones().student)} - ${trained.result.step} steps`;
  const svg = await renderTrainingPlot(metrics, { title, ...(method.lossParts ? { lossParts: method.lossParts } : {}) });
  return writeRunPlot(outDir, svg, run.log);
}

/** `k-NN (k=20, T=0.07) on fashion-mnist test, after epoch 3: teacher top-1 ...`, or none without k-NN lines. */
function knnSummary(run: PretrainRun, knn: readonly KnnLine[]): string | undefined {
  const lastEpoch = Math.max(-1, ...knn.map((r) => r.epoch));
  const last = knn.filter((r) => r.epoch === lastEpoch);
  if (last.length === 0) return undefined;
  const { knnTemperature } = run.plan.config.run;
  const knnK = last[0]!.k; // the neighbours that voted (at most the training images)
  const before = (which: string) => knn.find((r) => r.epoch === -1 && r.which === which);
  return (
    `k-NN (k=${knnK}, T=${knnTemperature}) on ${run.runData.data.name} ${heldOutLabel(run.plan.config.data.heldOut)}, ${lastEpoch < 0 ? 'before training' : `after epoch ${lastEpoch + 1}`}: ` +
    last
      .map((r) => {
        const start = lastEpoch >= 0 ? before(r.which) : undefined;
        return `${r.which} top-1 ${r.top1.toFixed(1)}%${start ? ` (${start.top1.toFixed(1)}% before training)` : ''}, top-5 ${r.top5.toFixed(1)}%`;
      })
      .join('; ')
  );
}

/** `linear probe on fashion-mnist train-last-10000, after epoch 3: teacher top-1 ...`, or none without linear lines. */
function linearSummary(run: PretrainRun, linear: readonly LinearLine[]): string | undefined {
  const lastEpoch = Math.max(-1, ...linear.map((r) => r.epoch));
  const last = linear.filter((r) => r.epoch === lastEpoch);
  if (last.length === 0) return undefined;
  return (
    `linear probe (${last[0]!.probeEpochs} epochs, learning rate chosen on a fifth of the training images) on ${run.runData.data.name} ` +
    `${last[0]!.heldOut}, after epoch ${lastEpoch + 1}: ` +
    last.map((r) => `${r.which} top-1 ${r.top1.toFixed(1)}%, top-5 ${r.top5.toFixed(1)}%`).join('; ')
  );
}

/** Prints the run's outcome on stdout: steps and time, the last k-NN and linear probe, where its files are, and what to run next. */
function printRunSummary(run: PretrainRun, trained: TrainedRun, metrics: ReturnType<typeof readRunMetrics>, plot: string | undefined): void {
  const { result, seconds } = trained;
  const { outDir } = run.plan;
  const show = (path: string) => displayPath(path, run.cwd);
  const out = (line: string) => run.io.stdout.write(`${line}\n`);
  out(
    `${result.status === 'completed' ? 'done' : 'interrupted'}: step ${result.step}/${run.epochs * run.runData.iterationsPerEpoch} ` +
      `(epoch ${Math.min(result.epoch, run.epochs)}/${run.epochs}) in ${formatDuration(seconds)}` +
      (result.resumedFrom ? `, resumed from ${show(result.resumedFrom)}` : ''),
  );
  for (const summary of [knnSummary(run, metrics.knn), linearSummary(run, metrics.linear)]) if (summary) out(summary);
  if (result.checkpoint) out(`checkpoint: ${show(result.checkpoint)}`);
  out(`metrics:    ${show(run.metricsPath)}`);
  if (plot) out(`plot:       ${show(plot)}${plot.endsWith('.png') ? ` (and ${show(join(outDir, 'plot.svg'))})` : ''}`);
  out(`config:     ${show(join(outDir, 'config.yaml'))}`);
  if (result.status === 'interrupted') {
    out(`continue with: selfsup pretrain --resume --out ${shellWord(show(outDir))}`);
  } else if (result.checkpoint) {
    const checkpoint = show(result.checkpoint);
    out(`next: selfsup eval knn --checkpoint ${checkpoint}`);
    out(`      selfsup export --checkpoint ${checkpoint} --out ${join(show(outDir), 'backbone.safetensors')}`);
  }
}

/**
 * Ends the run on the writing rank: reads its metrics back, writes the plot, prints the summary and
 * returns where everything is. Other ranks return at once (they write and print nothing).
 */
export async function reportRun(run: PretrainRun, trained: TrainedRun): Promise<PretrainResult> {
  const { result } = trained;
  const { outDir } = run.plan;
  if (!run.writes) return { status: result.status, outDir, metrics: run.metricsPath, knn: [] };
  const metrics = readRunMetrics(run.metricsPath);
  const plot = await plotRun(run, metrics, trained);
  printRunSummary(run, trained, metrics, plot);
  return {
    status: result.status,
    outDir,
    ...(result.checkpoint ? { checkpoint: result.checkpoint } : {}),
    metrics: run.metricsPath,
    ...(plot ? { plot } : {}),
    knn: metrics.knn,
  };
}
