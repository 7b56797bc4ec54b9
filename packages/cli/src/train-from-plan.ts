import { train, type MetricsRecord, type TrainResult } from '@selfsup/train/node';
import type { PretrainRun } from './pretrain-run.js';

/** What {@link trainFromPlan} returns: `train()`'s result and the seconds it took. */
export interface TrainedRun {
  readonly result: TrainResult;
  readonly seconds: number;
}

/**
 * Runs `train()` of `@selfsup/train` on the run: the method's recipe, optimizer and gradient rules,
 * this rank's batches, checkpoints in the run folder (every `run.checkpointEverySteps` steps, by
 * default once an epoch), metrics as JSON lines, progress on stderr, the resume point and the
 * configuration stored in each checkpoint.
 */
export async function trainFromPlan(run: PretrainRun, onStep: (record: MetricsRecord) => Promise<void>): Promise<TrainedRun> {
  const { pretraining, runData, plan, communicator } = run;
  const settings = plan.config.run;
  const started = performance.now();
  const result = await train({
    recipe: pretraining.recipe,
    optimizer: pretraining.optimizer,
    gradients: pretraining.gradients,
    batches: (epoch, position) => runData.loader.epoch(epoch, position),
    epochs: run.epochs,
    iterationsPerEpoch: runData.iterationsPerEpoch,
    seed: runData.seed,
    checkpoint: {
      dir: plan.checkpointDir,
      everySteps: settings.checkpointEverySteps ?? runData.iterationsPerEpoch,
      keep: settings.keepCheckpoints,
    },
    resume: plan.resumeFrom?.path ?? false,
    metricsFile: run.metricsPath,
    progress: { mode: settings.progress, stream: run.io.stderr, ...(run.io.env ? { env: run.io.env } : {}) },
    onStep,
    config: plan.config,
    ...(communicator ? { communicator } : {}),
  });
  return { result, seconds: (performance.now() - started) / 1000 };
}
