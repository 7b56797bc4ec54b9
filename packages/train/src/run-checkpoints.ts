import { resolve } from 'node:path';
import { SslError, isSslError } from '@selfsup/core';
import type { CheckpointOptimizer, CheckpointRecipe } from './checkpoint-format.js';
import { createLossHistory, findWeightProblem, type DivergenceOptions, type LossJump } from './divergence-guard.js';
import { latestCheckpoint } from './latest-checkpoint.js';
import { formatNumber } from './progress.js';
import { prepareCheckpoint, writeCheckpoint, type PreparedCheckpoint } from './save-checkpoint.js';
import type { StepResult } from './train-step.js';

/** Options of {@link createRunCheckpoints}: where a run saves, what, and how it checks. */
export interface RunCheckpointsOptions {
  /** The run's folder; without it nothing is saved. */
  readonly dir: string | undefined;
  /** False on the ranks of a data-parallel run that do not write files (all but rank 0). */
  readonly writesFiles: boolean;
  /** Checkpoints kept in `dir`. */
  readonly keep: number;
  /** The divergence checks, or undefined to write checkpoints at once. */
  readonly divergence: Required<DivergenceOptions> | undefined;
  readonly recipe: CheckpointRecipe;
  readonly optimizer: CheckpointOptimizer;
  readonly iterationsPerEpoch: number;
  readonly accumulationSteps: number;
  readonly seed: number;
  readonly config: unknown;
  /** The checkpoint the run resumed from, if any (the last good one until another is written). */
  readonly resumedFrom: string | undefined;
  /** The step the run starts at. */
  readonly startStep: number;
}

/**
 * The checkpoints of one `train` run, checked for divergence so that the last one written is
 * always a good state to resume from: a state's weights are checked when it is taken ({@link
 * RunCheckpoints.stage}), and it is written once the next step's loss, computed on those weights,
 * has not jumped ({@link RunCheckpoints.afterStep}). Without divergence checks a state is written
 * as soon as it is taken.
 */
export interface RunCheckpoints {
  /** The last checkpoint written (or resumed from). */
  readonly last: string | undefined;
  /** Takes the state of `step` (once its weights pass the checks); written by a later {@link commit}. */
  stage(step: number): Promise<void>;
  /** Writes the pending state, if any. */
  commit(): Promise<void>;
  /**
   * After a step: its loss measured the pending state's weights. Throws `DIVERGED` (and drops the
   * pending state) when it jumped, else records it and writes the pending state.
   */
  afterStep(result: StepResult, isFirstIteration: boolean): Promise<void>;
  /** The state at the end (completed or interrupted): no step follows, so the last loss must not have jumped. */
  saveLast(step: number, lastStep: StepResult | undefined): Promise<void>;
  /** A step's `NON_FINITE_LOSS`, with how to continue; the weights it measured are dropped. */
  nonFiniteLoss(error: SslError): Promise<SslError>;
  /** After any other failure than a divergence, the pending state is good: writes it (ignoring errors). */
  keepPendingAfter(error: unknown): Promise<void>;
}

/** Creates the checkpoint keeping of a run (see {@link RunCheckpoints}). */
export function createRunCheckpoints(options: RunCheckpointsOptions): RunCheckpoints {
  const { dir, divergence } = options;
  const losses = divergence ? createLossHistory(divergence.lossJumpFactor) : undefined;
  let lastCheckpoint = options.resumedFrom;
  let savedStep = options.resumedFrom ? options.startStep : -1; // the step of the last checkpoint written or pending
  let pending: PreparedCheckpoint | undefined;

  async function howToContinue(): Promise<string> {
    if (!lastCheckpoint) return 'No checkpoint was written yet: lower the learning rate (or lengthen its warm-up) and start again.';
    const latest = dir ? await latestCheckpoint(dir).catch(() => undefined) : undefined;
    const isLatest = latest !== undefined && resolve(latest) === resolve(lastCheckpoint);
    return (
      `The last good checkpoint is ${lastCheckpoint}: lower the learning rate (or lengthen its warm-up) in the configuration ` +
      `and resume from ${lastCheckpoint}${isLatest ? ` (the latest checkpoint of ${dir!}: resume: true, the CLI's --resume, continues from it)` : ''}.`
    );
  }

  async function diverged(what: string, details: Record<string, unknown>): Promise<SslError> {
    return new SslError('DIVERGED', `train: the run diverged ${what}. ${await howToContinue()}`, { details: { ...details, lastCheckpoint } });
  }

  /** `<loss> is <ratio> times the median <reference> of ...`. */
  function describeJump(jump: LossJump): string {
    return (
      `${formatNumber(jump.loss)} is ${formatNumber(jump.ratio)} times the median ${formatNumber(jump.reference)} of the run's losses ` +
      `up to its last good state (more than divergence.lossJumpFactor ${divergence!.lossJumpFactor})`
    );
  }

  /** Throws `DIVERGED` when a trainable weight is not finite or over `maxAbsWeight`. */
  async function checkWeights(step: number): Promise<void> {
    if (!divergence) return;
    const problem = await findWeightProblem(options.recipe.trainableParameters(), divergence.maxAbsWeight);
    if (!problem) return;
    const held = Number.isNaN(problem.value)
      ? 'a NaN or infinite value'
      : `a weight of magnitude ${formatNumber(problem.value)} (more than divergence.maxAbsWeight ${divergence.maxAbsWeight})`;
    throw await diverged(`by step ${step} (epoch ${Math.floor(step / options.iterationsPerEpoch)}): parameter "${problem.parameter}" holds ${held}, so step ${step} was not saved`, {
      step,
      parameter: problem.parameter,
      value: problem.value,
    });
  }

  async function commit(): Promise<void> {
    const prepared = pending;
    if (!prepared) return;
    pending = undefined;
    lastCheckpoint = (await writeCheckpoint(prepared)).path;
  }

  async function stage(step: number): Promise<void> {
    if (!dir || !options.writesFiles || savedStep === step) return;
    await checkWeights(step);
    const { recipe, optimizer, iterationsPerEpoch, accumulationSteps, seed, config, keep } = options;
    pending = await prepareCheckpoint({ dir, recipe, optimizer, step, iterationsPerEpoch, accumulationSteps, seed, config, keep });
    savedStep = step;
    if (!divergence) await commit();
  }

  return {
    get last() {
      return lastCheckpoint;
    },
    stage,
    commit,

    async afterStep(result: StepResult, isFirstIteration: boolean): Promise<void> {
      // this step's loss was computed on the weights of the pending checkpoint: write it if it did not jump
      const jump = pending ? losses?.jump(result.loss) : undefined;
      if (jump) {
        pending = undefined;
        throw await diverged(`at iteration ${result.iteration} (epoch ${result.epoch}): its loss, ${describeJump(jump)}, so the weights it measured (step ${result.iteration}) were not saved`, {
          iteration: result.iteration,
          ...jump,
        });
      }
      losses?.record(result.loss);
      if (pending || isFirstIteration) losses?.accept(); // the loss of checked weights (or of the starting ones)
      await commit();
    },

    async saveLast(step: number, lastStep: StepResult | undefined): Promise<void> {
      if (!dir) return;
      await stage(step);
      if (!pending) return;
      const jump = lastStep && losses?.jump(lastStep.loss);
      if (jump) {
        throw await diverged(`by step ${step}: the loss of iteration ${lastStep!.iteration}, ${describeJump(jump)}, so step ${step} was not saved`, {
          step,
          iteration: lastStep!.iteration,
          ...jump,
        });
      }
      await commit();
    },

    async nonFiniteLoss(error: SslError): Promise<SslError> {
      pending = undefined; // the weights it measured gave a non-finite loss
      return new SslError('NON_FINITE_LOSS', `${error.message} ${await howToContinue()}`, {
        cause: error,
        details: { ...error.details, lastCheckpoint },
      });
    },

    async keepPendingAfter(error: unknown): Promise<void> {
      // a failure that is no divergence leaves the pending checkpoint good: keep it
      if (pending && !isSslError(error, 'NON_FINITE_LOSS') && !isSslError(error, 'DIVERGED')) await commit().catch(() => undefined);
    },
  };
}
