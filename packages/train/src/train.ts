import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkInteger, invalidArgument, isSslError, type Recipe } from '@selfsup/core';
import { trainStepAccumulated, type GradientOptions, type StepOptimizer, type StepResult } from './train-step.js';
import type { CheckpointOptimizer, CheckpointMetadata } from './checkpoint-format.js';
import { prepareCheckpoint, writeCheckpoint, type PreparedCheckpoint } from './save-checkpoint.js';
import { loadCheckpoint, readCheckpoint } from './load-checkpoint.js';
import { latestCheckpoint, listCheckpoints } from './latest-checkpoint.js';
import { removeTemporaryFiles } from './atomic-write.js';
import { acquireRunLock } from './run-lock.js';
import { createLossHistory, divergenceSettings, findWeightProblem, type DivergenceOptions, type LossJump } from './divergence-guard.js';
import { createMetricsWriter, type MetricsRecord, type MetricsWriter } from './metrics-writer.js';
import { createProgress, formatNumber, type ProgressMode, type ProgressOptions } from './progress.js';
import { watchInterrupts } from './interrupts.js';
import { stepRng } from './step-rng.js';
import { createLocalCommunicator, type Communicator } from '@selfsup/distributed';
import { averageRankLocalState, broadcastRecipeState, reduceGradients } from './distributed-step.js';

/** An optimizer `train` can step and checkpoint: `createAdamW` from `@selfsup/optim` is one. */
export type TrainOptimizer = StepOptimizer & CheckpointOptimizer;

/** Where and how often `train` writes checkpoints. */
export interface TrainCheckpointOptions {
  /** The run's folder: `step-<n>.safetensors` files and `latest.json`. */
  dir: string;
  /**
   * Save after every this many optimizer steps (and at the end, and on Ctrl-C).
   * @defaultValue iterationsPerEpoch (once per epoch, as iBOT)
   */
  everySteps?: number;
  /**
   * Checkpoints kept in `dir`; older ones are deleted once a new one is safely written.
   * @defaultValue 3
   */
  keep?: number;
}

/** The batches of one epoch, starting at `startBatch`. */
export type BatchSource<Batch> = (epoch: number, position: { readonly startBatch: number }) => AsyncIterable<Batch> | Iterable<Batch>;

/** Options of {@link train}. */
export interface TrainOptions<Batch, Views, Outputs, Targets> {
  /** The method: views, targets, forward, objectives, afterStep. */
  recipe: Recipe<Batch, Views, Outputs, Targets>;
  /** The optimizer over `recipe.trainableParameters()`, with its schedules per iteration. */
  optimizer: TrainOptimizer;
  /**
   * The batches of an epoch, from `startBatch` on (0, or where a resumed run continues). It must
   * be deterministic: the same epoch gives the same batches in the same order, as
   * `@selfsup/data`'s loader does with a seed; `(epoch, position) => loader.epoch(epoch, position)`
   * fits. It must yield at least `(iterationsPerEpoch - startBatch / accumulationSteps) *
   * accumulationSteps` batches; further ones are not read.
   */
  batches: BatchSource<Batch>;
  /** Epochs to train (a resumed run may be given more than it started with). */
  epochs: number;
  /** Optimizer steps per epoch (`len(data_loader)` in iBOT, divided by `accumulationSteps`). */
  iterationsPerEpoch: number;
  /**
   * The run's seed: iteration `i` draws its randomness from `stepRng(seed, i)`. A resumed run
   * uses the seed stored in its checkpoint.
   * @defaultValue 0
   */
  seed?: number;
  /**
   * Micro-batches per optimizer step (gradient accumulation): each step reads this many batches
   * and averages their gradients.
   * @defaultValue 1
   */
  accumulationSteps?: number;
  /**
   * Clipping and freezing, as {@link trainStep}.
   * @defaultValue {}
   */
  gradients?: GradientOptions;
  /**
   * Checkpoints. Without it nothing is saved (and Ctrl-C just stops).
   * @defaultValue undefined
   */
  checkpoint?: TrainCheckpointOptions;
  /**
   * Continue a run: `true` resumes from the latest checkpoint of `checkpoint.dir` and starts
   * afresh when it holds none (iBOT's `restart_from_checkpoint`); a path resumes from that file.
   * Without it, a `checkpoint.dir` that already holds checkpoints is refused, so that a good run
   * is never overwritten by accident.
   * @defaultValue false
   */
  resume?: boolean | string;
  /**
   * A JSON-lines file receiving one {@link MetricsRecord} per step.
   * @defaultValue undefined (no file)
   */
  metricsFile?: string;
  /**
   * The progress display, or its options.
   * @defaultValue 'auto' (a bar on a terminal, plain lines in CI and pipes), on stderr
   */
  progress?: ProgressMode | ProgressOptions;
  /**
   * Called after every step with its record (awaited when it returns a promise).
   * @defaultValue undefined
   */
  onStep?: (record: MetricsRecord) => void | Promise<void>;
  /**
   * Requests a clean stop (finish the step, save, return), as Ctrl-C does.
   * @defaultValue undefined
   */
  signal?: AbortSignal;
  /**
   * Turn SIGINT (Ctrl-C) and SIGTERM into a clean stop while training; the handlers are removed
   * when `train` returns. A second Ctrl-C exits at once.
   * @defaultValue true
   */
  handleSignals?: boolean;
  /**
   * Divergence checks before each checkpoint, so that every checkpoint is a good state to resume
   * from: the trainable weights are finite and within `maxAbsWeight`, and the loss computed on the
   * checkpoint's weights (by the next step: a checkpoint is written once that step ran, or at the
   * end of the run) is within `lossJumpFactor` times the median of the run's earlier good losses.
   * A failed check throws `SslError('DIVERGED')` naming the last good checkpoint, and nothing is
   * written. `false` turns the checks off (checkpoints are then written at once).
   * @defaultValue `{ maxAbsWeight: 1e6, lossJumpFactor: 100 }`
   */
  divergence?: DivergenceOptions | false;
  /**
   * The run's configuration (any JSON value), stored in every checkpoint.
   * @defaultValue undefined
   */
  config?: unknown;
  /**
   * The images in a batch, for `imagesPerSecond`.
   * @defaultValue `batch.size`, or the first dimension of a tensor batch or of `batch.images`
   */
  batchSize?: (batch: Batch) => number | undefined;
  /**
   * Data-parallel training over the ranks of `communicator` (`createMpiCommunicator()` of
   * `@selfsup/distributed` under `mpirun -np N`): every rank starts from rank 0's weights, the
   * gradients are averaged over the ranks before clipping and the optimizer, the centres are
   * averaged after each step, and only rank 0 takes the run lock and writes checkpoints and
   * metrics. `batches` must give each rank its own shard (the loader's `shard` option).
   * @defaultValue createLocalCommunicator() (one process)
   */
  communicator?: Communicator;
}

/** What {@link train} did. */
export interface TrainResult {
  /** `completed` after the last epoch; `interrupted` after Ctrl-C, SIGTERM or the abort signal. */
  readonly status: 'completed' | 'interrupted';
  /** Optimizer steps completed (in this process and before it). */
  readonly step: number;
  /** The epoch of the next step. */
  readonly epoch: number;
  /** The last checkpoint written (or resumed from), if any. */
  readonly checkpoint?: string;
  /** The checkpoint this run resumed from, if any. */
  readonly resumedFrom?: string;
  /** The last step's numbers, if a step ran. */
  readonly lastStep?: StepResult;
}

function defaultBatchSize(batch: unknown): number | undefined {
  if (batch instanceof tf.Tensor) return batch.shape[0];
  if (batch !== null && typeof batch === 'object') {
    const { size, images } = batch as { size?: unknown; images?: unknown };
    if (typeof size === 'number' && Number.isInteger(size)) return size;
    if (images instanceof tf.Tensor) return images.shape[0];
  }
  return undefined;
}

function iteratorOf<T>(source: AsyncIterable<T> | Iterable<T>, label: string): AsyncIterator<T> | Iterator<T> {
  if (source !== null && typeof source === 'object') {
    if (Symbol.asyncIterator in source) return (source as AsyncIterable<T>)[Symbol.asyncIterator]();
    if (Symbol.iterator in source) return (source as Iterable<T>)[Symbol.iterator]();
  }
  throw invalidArgument({ argument: label, expected: 'an iterable or async iterable of batches', actual: source });
}

const MB = 1024 * 1024;

/** Checks a checkpoint's run settings against this run's, before anything is loaded. */
function checkResumable(metadata: CheckpointMetadata, path: string, iterationsPerEpoch: number, accumulationSteps: number): void {
  const mismatches: string[] = [];
  if (metadata.iterationsPerEpoch !== iterationsPerEpoch) {
    mismatches.push(`iterationsPerEpoch ${metadata.iterationsPerEpoch} in the checkpoint, ${iterationsPerEpoch} now`);
  }
  if (metadata.accumulationSteps !== accumulationSteps) {
    mismatches.push(`accumulationSteps ${metadata.accumulationSteps} in the checkpoint, ${accumulationSteps} now`);
  }
  if (mismatches.length > 0) {
    throw new SslError(
      'CHECKPOINT_INCOMPATIBLE',
      `train(options.resume): ${path} cannot continue exactly: ${mismatches.join('; ')}. ` +
        'Resume with the settings of the checkpoint (batch size and data set included), or start a new run in another folder.',
      { details: { path, checkpoint: { iterationsPerEpoch: metadata.iterationsPerEpoch, accumulationSteps: metadata.accumulationSteps } } },
    );
  }
  const expected = stepRng(metadata.seed, metadata.step).getState();
  if (expected.words.some((w, i) => w !== metadata.rng.words[i])) {
    throw new SslError(
      'CHECKPOINT_INCOMPATIBLE',
      `train(options.resume): the random state stored in ${path} is not stepRng(${metadata.seed}, ${metadata.step}): it was written by a ` +
        'version of selfsup that seeds steps differently, so the run cannot continue exactly. Resume it with that version.',
      { details: { path } },
    );
  }
}

/**
 * The training loop of selfsup: runs {@link trainStep} over `epochs * iterationsPerEpoch`
 * iterations with checkpoints, exact resume, metrics and progress.
 *
 * - **Checkpoints** (`checkpoint.dir`): every `everySteps` steps, at the end and on Ctrl-C, written
 *   atomically (see {@link saveCheckpoint}); a failed save never harms an earlier checkpoint.
 * - **Resume** (`resume: true`): the latest checkpoint is verified and loaded, the epoch's batches
 *   already consumed are skipped (`batches(epoch, { startBatch })`), and iteration `i` draws from
 *   `stepRng(seed, i)` as it would have: the run continues exactly as if it had never stopped
 *   (identical losses and weights on the cpu backend). A damaged checkpoint is refused with
 *   `CHECKPOINT_CORRUPT`, one of another model with `CHECKPOINT_INCOMPATIBLE`.
 * - **Ctrl-C / SIGTERM / `signal`**: the current step finishes, a checkpoint is saved, the handlers
 *   are removed and `train` returns `{ status: 'interrupted' }`.
 * - **Divergence**: a non-finite loss throws `SslError('NON_FINITE_LOSS')` before the update, and a
 *   checkpoint is written only when its weights are finite and within `divergence.maxAbsWeight`,
 *   and the loss computed on them (by the next step) did not jump over `divergence.lossJumpFactor`
 *   times the run's typical loss; otherwise `SslError('DIVERGED')` is thrown and nothing is saved.
 *   Either way the last checkpoint is the last good state, and the message says to lower the
 *   learning rate and resume from it.
 * - **Metrics** (`metricsFile`): one JSON line per step; **progress**: a bar with ETA on a
 *   terminal, plain lines in CI.
 *
 * Node.js only (files, signals).
 *
 * @example
 * ```ts
 * const result = await train({
 *   recipe,
 *   optimizer,
 *   batches: (epoch, position) => loader.epoch(epoch, position),
 *   epochs: 100,
 *   iterationsPerEpoch: loader.batchesPerEpoch,
 *   seed: 0,
 *   gradients: { clipPerParameter: 3, freeze: [{ match: (n) => n.includes('last_layer'), untilEpoch: 1 }] },
 *   checkpoint: { dir: 'runs/ibot', everySteps: 500 },
 *   resume: true,
 *   metricsFile: 'runs/ibot/metrics.jsonl',
 * });
 * if (result.status === 'interrupted') console.log(`saved at step ${result.step}; run again to continue`);
 * ```
 */
export async function train<Batch, Views, Outputs, Targets>(options: TrainOptions<Batch, Views, Outputs, Targets>): Promise<TrainResult> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'train(options)', expected: 'an options object', actual: options });
  }
  const { recipe, optimizer, batches, gradients, checkpoint, onStep, config } = options;
  if (!recipe || typeof recipe.makeViews !== 'function') {
    throw invalidArgument({ argument: 'train(options.recipe)', expected: 'a Recipe', actual: recipe });
  }
  if (!optimizer || typeof optimizer.step !== 'function' || typeof optimizer.getState !== 'function') {
    throw invalidArgument({
      argument: 'train(options.optimizer)',
      expected: 'an optimizer with step, getState and setState',
      actual: optimizer,
      fix: 'Pass createAdamW({ parameters: recipe.trainableParameters(), ... }) from @selfsup/optim.',
    });
  }
  if (typeof batches !== 'function') {
    throw invalidArgument({
      argument: 'train(options.batches)',
      expected: 'a function (epoch, { startBatch }) returning the batches of that epoch',
      actual: batches,
    });
  }
  const epochs = checkInteger('train(options.epochs)', options.epochs, 1);
  const iterationsPerEpoch = checkInteger('train(options.iterationsPerEpoch)', options.iterationsPerEpoch, 1);
  const accumulationSteps = checkInteger('train(options.accumulationSteps)', options.accumulationSteps ?? 1, 1);
  let seed = checkInteger('train(options.seed)', options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const everySteps = checkpoint ? checkInteger('train(options.checkpoint.everySteps)', checkpoint.everySteps ?? iterationsPerEpoch, 1) : 0;
  const keep = checkpoint ? checkInteger('train(options.checkpoint.keep)', checkpoint.keep ?? 3, 1) : 3;
  const divergence = divergenceSettings(options.divergence);
  if (checkpoint && (typeof checkpoint.dir !== 'string' || checkpoint.dir === '')) {
    throw invalidArgument({ argument: 'train(options.checkpoint.dir)', expected: 'a folder path', actual: checkpoint.dir });
  }
  const batchSize = options.batchSize ?? defaultBatchSize;
  const totalSteps = epochs * iterationsPerEpoch;
  const communicator = options.communicator ?? createLocalCommunicator();
  const writesFiles = communicator.rank === 0; // checkpoints, metrics, the lock and the progress display
  const progressOptions = !writesFiles
    ? { mode: 'none' as const }
    : typeof options.progress === 'string'
      ? { mode: options.progress }
      : (options.progress ?? {});
  const progress = createProgress({ totalSteps, epochs }, progressOptions);

  // one process at a time in a run folder: taken before anything in it is read or written, held to the end
  const lock = checkpoint && writesFiles
    ? await acquireRunLock(checkpoint.dir, {
        onStale: (owner) =>
          progress.log(`train: took over the lock of ${checkpoint.dir} left by process ${owner.pid} (since ${owner.startedAt}), which no longer runs`),
      })
    : undefined;
  try {
    // where to start
    let step = 0;
    let resumedFrom: string | undefined;
    let lastCheckpoint: string | undefined;
    if (options.resume) {
      if (options.resume === true && !checkpoint) {
        throw invalidArgument({
          argument: 'train(options.resume)',
          expected: 'a checkpoint path, or true with options.checkpoint.dir',
          actual: true,
          fix: 'Give checkpoint: { dir } to resume from its latest checkpoint.',
        });
      }
      const path = typeof options.resume === 'string' ? options.resume : await latestCheckpoint(checkpoint!.dir);
      if (path) {
        let metadata: CheckpointMetadata;
        try {
          const saved = await readCheckpoint(path);
          checkResumable(saved.metadata, path, iterationsPerEpoch, accumulationSteps);
          metadata = await loadCheckpoint(saved, { recipe, optimizer });
        } catch (error) {
          if (!isSslError(error, 'CHECKPOINT_CORRUPT') || !checkpoint) throw error;
          const others = (await listCheckpoints(checkpoint.dir)).filter((c) => c.path !== path).map((c) => c.path);
          throw new SslError(
            'CHECKPOINT_CORRUPT',
            `${error.message} ${others.length > 0 ? `Other checkpoints: ${others.join(', ')}; pass resume: '<path>' to continue from one.` : 'No other checkpoint is in the folder.'}`,
            { cause: error, details: { ...error.details, others } },
          );
        }
        if (options.seed !== undefined && options.seed !== metadata.seed) {
          progress.log(`train: resuming with the checkpoint's seed ${metadata.seed} (options.seed ${options.seed} applies to new runs only)`);
        }
        seed = metadata.seed;
        step = metadata.step;
        resumedFrom = path;
        lastCheckpoint = path;
        progress.log(`train: resumed from ${path} at step ${step} (epoch ${metadata.epoch})`);
      }
    } else if (checkpoint) {
      const existing = await latestCheckpoint(checkpoint.dir);
      if (existing) {
        throw invalidArgument({
          argument: 'train(options.checkpoint.dir)',
          expected: 'a folder without checkpoints for a new run',
          actual: `${checkpoint.dir} (it holds ${existing})`,
          fix: 'Pass resume: true to continue that run, or choose another folder.',
        });
      }
    }
    if (lock) await removeTemporaryFiles(lock);
    await broadcastRecipeState(communicator, recipe as Recipe<unknown, unknown, unknown, unknown>);
    const gradientReducer = reduceGradients(communicator);
    const metrics: MetricsWriter | undefined = options.metricsFile && writesFiles
      ? await createMetricsWriter(options.metricsFile, resumedFrom ? { resumeAtIteration: step } : {})
      : undefined;

    // Checkpoints are checked for divergence: the weights when they are taken, the loss computed
    // on them by the next step before they are written (a step's loss measures the weights before
    // its update), so that the last checkpoint is always a good state to resume from.
    const losses = divergence ? createLossHistory(divergence.lossJumpFactor) : undefined;
    let savedStep = resumedFrom ? step : -1; // the step of the last checkpoint written or pending
    let pending: PreparedCheckpoint | undefined;

    async function howToContinue(): Promise<string> {
      if (!lastCheckpoint) return 'No checkpoint was written yet: lower the learning rate (or lengthen its warm-up) and start again.';
      const latest = checkpoint ? await latestCheckpoint(checkpoint.dir).catch(() => undefined) : undefined;
      const isLatest = latest !== undefined && resolve(latest) === resolve(lastCheckpoint);
      return (
        `The last good checkpoint is ${lastCheckpoint}: lower the learning rate (or lengthen its warm-up) in the configuration ` +
        `and resume from ${lastCheckpoint}${isLatest ? ` (the latest checkpoint of ${checkpoint!.dir}: resume: true, the CLI's --resume, continues from it)` : ''}.`
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

    /** Reads the state of `step` to the host, once its weights pass the checks; written by {@link commit}. */
    async function stage(): Promise<void> {
      if (!checkpoint || !writesFiles || savedStep === step) return;
      if (divergence) {
        const problem = await findWeightProblem(recipe.trainableParameters(), divergence.maxAbsWeight);
        if (problem) {
          const held = Number.isNaN(problem.value)
            ? 'a NaN or infinite value'
            : `a weight of magnitude ${formatNumber(problem.value)} (more than divergence.maxAbsWeight ${divergence.maxAbsWeight})`;
          throw await diverged(`by step ${step} (epoch ${Math.floor(step / iterationsPerEpoch)}): parameter "${problem.parameter}" holds ${held}, so step ${step} was not saved`, {
            step,
            parameter: problem.parameter,
            value: problem.value,
          });
        }
      }
      pending = await prepareCheckpoint({ dir: checkpoint.dir, recipe, optimizer, step, iterationsPerEpoch, accumulationSteps, seed, config, keep });
      savedStep = step;
      if (!divergence) await commit();
    }

    async function commit(): Promise<void> {
      const prepared = pending;
      if (!prepared) return;
      pending = undefined;
      lastCheckpoint = (await writeCheckpoint(prepared)).path;
    }

    /** The state at the end (completed or interrupted): no step follows to measure its loss, so the last loss must not have jumped. */
    async function saveLast(): Promise<void> {
      if (!checkpoint) return;
      await stage();
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
    }

    const interrupts = watchInterrupts({
      handleSignals: options.handleSignals ?? true,
      ...(options.signal ? { signal: options.signal } : {}),
      onRequest: (reason) =>
        progress.log(`train: ${reason} received: finishing the current step${checkpoint ? ' and saving a checkpoint' : ''} (again to exit now)`),
    });
    let lastStep: StepResult | undefined;
    let status: TrainResult['status'] = 'completed';
    const firstIteration = step;
    try {
      epochs: for (let epoch = Math.floor(step / iterationsPerEpoch); epoch < epochs; epoch++) {
        const first = step - epoch * iterationsPerEpoch;
        const label = `train(options.batches)(${epoch}, { startBatch: ${first * accumulationSteps} })`;
        const iterator = iteratorOf(batches(epoch, { startBatch: first * accumulationSteps }), label);
        try {
          for (let index = first; index < iterationsPerEpoch; index++) {
            if (interrupts.requested) {
              status = 'interrupted';
              break epochs;
            }
            const dataStart = performance.now();
            const micro: Batch[] = [];
            for (let k = 0; k < accumulationSteps; k++) {
              const next = await iterator.next();
              if (next.done) {
                throw invalidArgument({
                  argument: label,
                  expected: `${(iterationsPerEpoch - first) * accumulationSteps} batches (iterationsPerEpoch ${iterationsPerEpoch} x accumulationSteps ${accumulationSteps}, from batch ${first * accumulationSteps})`,
                  actual: `${(index - first) * accumulationSteps + k} batches`,
                  fix: 'Make iterationsPerEpoch match the data (loader.batchesPerEpoch / accumulationSteps), and honour startBatch.',
                });
              }
              micro.push(next.value);
            }
            const dataMs = performance.now() - dataStart;
            const iteration = epoch * iterationsPerEpoch + index;
            const context = { iteration, epoch, iterationsPerEpoch, rng: stepRng(seed, iteration) };
            const stepStart = performance.now();
            let result: StepResult;
            try {
              result = await trainStepAccumulated(recipe, micro, {
                optimizer,
                context,
                ...(gradients ? { gradients } : {}),
                ...(gradientReducer ? { reduceGradients: gradientReducer } : {}),
              });
              await averageRankLocalState(communicator, recipe as Recipe<unknown, unknown, unknown, unknown>);
            } catch (error) {
              if (!isSslError(error, 'NON_FINITE_LOSS')) throw error;
              pending = undefined; // the weights it measured gave a non-finite loss
              throw new SslError('NON_FINITE_LOSS', `${error.message} ${await howToContinue()}`, {
                cause: error,
                details: { ...error.details, lastCheckpoint },
              });
            }
            const stepMs = performance.now() - stepStart;
            step = iteration + 1;
            lastStep = result;
            const seconds = (stepMs + dataMs) / 1000;
            const images = micro.reduce<number | undefined>((sum, b) => {
              const n = batchSize(b);
              return sum === undefined || n === undefined ? undefined : sum + n;
            }, 0);
            const memory = process.memoryUsage();
            const tensors = tf.memory();
            const record: MetricsRecord = {
              ...result,
              ...(result.metrics.momentum !== undefined ? { momentum: result.metrics.momentum } : {}),
              ...(images !== undefined && seconds > 0 ? { imagesPerSecond: images / seconds } : {}),
              stepsPerSecond: seconds > 0 ? 1 / seconds : 0,
              stepMs,
              dataMs,
              rssMb: memory.rss / MB,
              heapMb: memory.heapUsed / MB,
              tensorMb: tensors.numBytes / MB,
              numTensors: tensors.numTensors,
              time: new Date().toISOString(),
            };
            metrics?.write(record);
            progress.update(record);
            // this step's loss was computed on the weights of the pending checkpoint: write it if it did not jump
            const jump = pending ? losses?.jump(result.loss) : undefined;
            if (jump) {
              pending = undefined;
              throw await diverged(`at iteration ${iteration} (epoch ${epoch}): its loss, ${describeJump(jump)}, so the weights it measured (step ${iteration}) were not saved`, {
                iteration,
                ...jump,
              });
            }
            losses?.record(result.loss);
            if (pending || iteration === firstIteration) losses?.accept(); // the loss of checked weights (or of the starting ones)
            await commit();
            await onStep?.(record);
            if (checkpoint && step % everySteps === 0) await stage();
          }
        } finally {
          await iterator.return?.();
        }
      }
      await saveLast();
    } catch (error) {
      // a failure that is no divergence leaves the pending checkpoint good: keep it
      if (pending && !isSslError(error, 'NON_FINITE_LOSS') && !isSslError(error, 'DIVERGED')) await commit().catch(() => undefined);
      throw error;
    } finally {
      interrupts.dispose();
      progress.finish();
    }
    if (status === 'interrupted') {
      progress.log(`train: stopped at step ${step}${lastCheckpoint ? `; ${lastCheckpoint} holds it, run again with resume: true to continue` : ''}`);
    }
    return {
      status,
      step,
      epoch: Math.floor(step / iterationsPerEpoch),
      ...(lastCheckpoint ? { checkpoint: lastCheckpoint } : {}),
      ...(resumedFrom ? { resumedFrom } : {}),
      ...(lastStep ? { lastStep } : {}),
    };
  } finally {
    await lock?.release();
  }
}
