import type { Backbone } from '@selfsup/core';
import type { KnnMonitor } from '@selfsup/eval';
import type { MetricsRecord } from '@selfsup/train/node';
import type { PretrainRun } from './pretrain-run.js';
import { createRunKnnMonitor, knnNeighbours } from './run-knn-monitor.js';
import { appendRunFile } from './run-files.js';
import type { KnnLine } from './run-metrics.js';
import type { TrainingClock } from './train-seconds.js';
import { heldOutLabel } from './held-out-label.js';

/** The k-NN evaluations of a run, at the epochs `run.knnEveryEpochs` names, appended to its metrics. */
export interface KnnSchedule {
  /**
   * Evaluates the untrained backbones of a fresh run when the schedule says so (`run.knnBeforeTraining`);
   * the lines are appended with the first step, once `train()` has created the metrics file.
   */
  beforeTraining(): Promise<void>;
  /** `train()`'s `onStep`: appends pending lines, and evaluates after the last step of a due epoch. */
  onStep(record: MetricsRecord): Promise<void>;
}

/** The backbones `run.knnOf` names that the method has, with a note for a missing teacher. */
function knnBackbonesOf(run: PretrainRun): [string, Backbone][] {
  const backbones = run.pretraining.backbones();
  const found: [string, Backbone][] = [];
  for (const which of run.plan.config.run.knnOf) {
    const backbone = which === 'teacher' ? backbones.teacher : backbones.student;
    if (backbone) found.push([which, backbone]);
    else run.log(`  note: ${run.plan.method.title} has no teacher; k-NN evaluates the student only`);
  }
  return found;
}

/** The run's k-NN monitor, or none without held-out images or backbones to evaluate. */
function runKnnMonitor(run: PretrainRun, backbones: readonly [string, Backbone][]): KnnMonitor | undefined {
  const { data } = run.runData;
  const settings = run.plan.config.run;
  if (!data.heldOut || backbones.length === 0) return undefined;
  return createRunKnnMonitor(data.train, data.heldOut, {
    input: run.input,
    token: run.plan.method.featureToken ?? 'class',
    k: settings.knnK,
    temperature: settings.knnTemperature,
    everyEpochs: settings.knnEveryEpochs,
    epochs: run.epochs,
    beforeTraining: settings.knnBeforeTraining,
    ...(run.communicator ? { ranks: run.communicator } : {}),
  });
}

/**
 * Creates the k-NN schedule of a run: the teacher and/or student (`run.knnOf`) are evaluated on the
 * held-out images after each due epoch (and before training when asked), each evaluation printed
 * in one line and appended to the metrics as `type: 'knn'` lines (by the writing rank only), each
 * carrying the training seconds of `clock` at that point.
 */
export function createKnnSchedule(run: PretrainRun, clock: TrainingClock): KnnSchedule {
  const { data, iterationsPerEpoch } = run.runData;
  const settings = run.plan.config.run;
  const backbones = knnBackbonesOf(run);
  const knn = runKnnMonitor(run, backbones);

  /** The k-NN lines of the backbones after the 0-based `epoch` (-1: before training), when the schedule says so. */
  const evaluate = async (epoch: number, iteration: number): Promise<KnnLine[]> => {
    if (!knn?.isDue(epoch) || !data.heldOut) return [];
    const parts: string[] = [];
    const lines: KnnLine[] = [];
    for (const [which, backbone] of backbones) {
      const start = performance.now();
      const { top1, top5 } = await knn.evaluate(backbone, epoch);
      const line: KnnLine = {
        type: 'knn',
        epoch,
        iteration,
        step: iteration + 1,
        which,
        k: knnNeighbours(settings.knnK, data.train.count),
        temperature: settings.knnTemperature,
        top1,
        top5,
        trainImages: data.train.count,
        testImages: data.heldOut.count,
        seconds: (performance.now() - start) / 1000,
        trainSeconds: clock.seconds(),
        heldOut: heldOutLabel(run.plan.config.data.heldOut),
        time: new Date().toISOString(),
      };
      lines.push(line);
      parts.push(`${which} top-1 ${top1.toFixed(1)}% top-5 ${top5.toFixed(1)}% (${line.seconds.toFixed(1)} s)`);
    }
    run.log(`k-NN ${epoch < 0 ? 'before training' : `after epoch ${epoch + 1}/${run.epochs}`}: ${parts.join(', ')}`);
    return lines;
  };
  const append = (lines: readonly KnnLine[]) => {
    if (!run.writes) return;
    for (const line of lines) appendRunFile(run.metricsPath, `${JSON.stringify(line)}\n`);
  };
  // lines waiting for train() to create the metrics file (the starting point of a fresh run)
  let pending: KnnLine[] = [];
  return {
    beforeTraining: async () => {
      if (!run.plan.resumeFrom) pending = await evaluate(-1, -1);
    },
    onStep: async (record) => {
      append(pending);
      pending = [];
      const done = record.iteration + 1;
      if (done % iterationsPerEpoch !== 0) return;
      append(await evaluate(done / iterationsPerEpoch - 1, record.iteration));
    },
  };
}
