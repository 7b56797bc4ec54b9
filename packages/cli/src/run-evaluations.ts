import type { Backbone } from '@selfsup/core';
import type { MetricsRecord } from '@selfsup/train/node';
import { createKnnSchedule, type KnnSchedule } from './create-knn-schedule.js';
import { createLinearSchedule, type LinearSchedule } from './create-linear-schedule.js';
import { heldOutLabel } from './held-out-label.js';
import type { PretrainRun } from './pretrain-run.js';
import { appendRunFile } from './run-files.js';
import { readRunMetrics } from './run-metrics.js';
import { createTrainingClock, trainSecondsAt, type TrainingClock } from './train-seconds.js';

/**
 * The training seconds a resumed run had before its checkpoint: the steps before it in the run's
 * `metrics.jsonl`, read before `train()` rewrites the file (0 for a fresh run).
 */
function secondsBeforeResume(run: PretrainRun): number {
  const resumeFrom = run.plan.resumeFrom;
  if (!resumeFrom) return 0;
  return trainSecondsAt(readRunMetrics(run.metricsPath).steps, resumeFrom.metadata.step - 1);
}

/** The linear probes `run.linearEveryEpochs` asks for, on the writing rank; none when off or without held-out images. */
function runLinearSchedule(run: PretrainRun, clock: TrainingClock): LinearSchedule | undefined {
  const settings = run.plan.config.run;
  const { data, seed } = run.runData;
  if (settings.linearEveryEpochs === undefined || settings.linearEveryEpochs === null || !data.heldOut || !run.writes) return undefined;
  const backbones = run.pretraining.backbones();
  const probed = settings.knnOf.flatMap((which): [string, Backbone][] => {
    const backbone = which === 'teacher' ? backbones.teacher : backbones.student;
    return backbone ? [[which, backbone]] : [];
  });
  return createLinearSchedule({
    backbones: probed,
    train: data.train,
    heldOut: data.heldOut,
    heldOutLabel: heldOutLabel(run.plan.config.data.heldOut),
    input: run.input,
    token: run.plan.method.featureToken ?? 'class',
    everyEpochs: settings.linearEveryEpochs,
    epochs: run.epochs,
    probeEpochs: settings.linearEpochs,
    seed,
    clock,
    log: run.log,
    append: (lines) => {
      for (const line of lines) appendRunFile(run.metricsPath, `${JSON.stringify(line)}\n`);
    },
  });
}

/**
 * The evaluations of a run during `train()`: a clock of training seconds (each step's wall-clock,
 * continued across resumes), the k-NN schedule (`run.knnEveryEpochs`) and the linear probes
 * (`run.linearEveryEpochs`); every line they append carries the clock's `trainSeconds`, which
 * leaves out the evaluations themselves. Create it before `train()` starts (a resumed run reads its
 * earlier steps' time from the metrics then).
 */
export function createRunEvaluations(run: PretrainRun): KnnSchedule {
  const clock = createTrainingClock(secondsBeforeResume(run));
  const knn = createKnnSchedule(run, clock);
  const linear = runLinearSchedule(run, clock);
  return {
    beforeTraining: () => knn.beforeTraining(),
    onStep: async (record: MetricsRecord) => {
      clock.step(record);
      await knn.onStep(record);
      await linear?.onStep(record, run.runData.iterationsPerEpoch);
    },
  };
}
