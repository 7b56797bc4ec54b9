import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, invalidArgument, isSslError, type Recipe, type StepContext } from '@selfsup/core';
import { createLocalCommunicator, type Communicator } from '@selfsup/distributed';
import { trainStepAccumulated, type GradientOptions, type StepOptimizer, type StepResult } from './train-step.js';
import type { CheckpointOptimizer } from './checkpoint-format.js';
import { removeTemporaryFiles } from './atomic-write.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { divergenceSettings, type DivergenceOptions } from './divergence-guard.js';
import { createMetricsWriter, type MetricsRecord, type MetricsWriter } from './metrics-writer.js';
import { createProgress, type Progress, type ProgressMode, type ProgressOptions } from './progress.js';
import { watchInterrupts, type InterruptWatch } from './interrupts.js';
import { stepRng } from './step-rng.js';
import { averageRankLocalState, broadcastRecipeState, reduceGradients } from './distributed-step.js';
import { meanOverRanks } from './mean-over-ranks.js';
import { createRunCheckpoints, type RunCheckpoints } from './run-checkpoints.js';
import { findRunStart } from './run-start.js';

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
   * The run's seed: iteration `i` draws its randomness from `stepRng(seed, i)` (on rank `r` of a
   * data-parallel run, `stepRng(seed, i, r)`). A resumed run uses the seed stored in its checkpoint.
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
   * metrics. The loss, terms and metrics it logs (metrics file, progress, `onStep`, the divergence
   * checks, `lastStep`) are their mean over the ranks, and `imagesPerSecond` counts every rank's
   * images. Rank `r` draws its crops and masks from `stepRng(seed, iteration, r)`. `batches` must
   * give each rank its own shard (the loader's `shard` option).
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

/** `train`'s options, checked, with their defaults. */
interface TrainSettings<Batch, Views, Outputs, Targets> {
  readonly recipe: Recipe<Batch, Views, Outputs, Targets>;
  readonly optimizer: TrainOptimizer;
  readonly batches: BatchSource<Batch>;
  readonly gradients: GradientOptions | undefined;
  readonly checkpoint: TrainCheckpointOptions | undefined;
  readonly onStep: TrainOptions<Batch, Views, Outputs, Targets>['onStep'];
  readonly epochs: number;
  readonly iterationsPerEpoch: number;
  readonly accumulationSteps: number;
  /** The seed of a new run (a resumed one takes its checkpoint's). */
  readonly seed: number;
  /** Checkpoint every this many steps (0 without checkpoints). */
  readonly everySteps: number;
  readonly keep: number;
  readonly divergence: Required<DivergenceOptions> | undefined;
  readonly batchSize: (batch: Batch) => number | undefined;
  readonly communicator: Communicator;
  /** Rank 0 writes the checkpoints and metrics, holds the lock and shows progress. */
  readonly writesFiles: boolean;
}

/** Refuses an option that must be a function when given (a number passed as `batchSize` would fail only after the first step). */
function checkOptionalFunction(argument: string, value: unknown, expected: string, fix: string): void {
  if (value !== undefined && typeof value !== 'function') throw invalidArgument({ argument, expected, actual: value, fix });
}

/** Checks `train`'s options and fills in the defaults. */
function resolveTrainSettings<Batch, Views, Outputs, Targets>(options: TrainOptions<Batch, Views, Outputs, Targets>): TrainSettings<Batch, Views, Outputs, Targets> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'train(options)', expected: 'an options object', actual: options });
  }
  const { recipe, optimizer, batches, gradients, checkpoint, onStep } = options;
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
  checkOptionalFunction('train(options.batchSize)', options.batchSize, 'a function (batch) => the number of images in it', 'Leave it out (batch.size is read), or pass (batch) => batch.size.');
  checkOptionalFunction('train(options.onStep)', onStep, 'a function (record) => void, called after every step', 'Pass a function, or leave it out.');
  const epochs = checkInteger('train(options.epochs)', options.epochs, 1);
  const iterationsPerEpoch = checkInteger('train(options.iterationsPerEpoch)', options.iterationsPerEpoch, 1);
  const accumulationSteps = checkInteger('train(options.accumulationSteps)', options.accumulationSteps ?? 1, 1);
  const seed = checkInteger('train(options.seed)', options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const everySteps = checkpoint ? checkInteger('train(options.checkpoint.everySteps)', checkpoint.everySteps ?? iterationsPerEpoch, 1) : 0;
  const keep = checkpoint ? checkInteger('train(options.checkpoint.keep)', checkpoint.keep ?? 3, 1) : 3;
  const divergence = divergenceSettings(options.divergence);
  if (checkpoint && (typeof checkpoint.dir !== 'string' || checkpoint.dir === '')) {
    throw invalidArgument({ argument: 'train(options.checkpoint.dir)', expected: 'a folder path', actual: checkpoint.dir });
  }
  const communicator = options.communicator ?? createLocalCommunicator();
  return {
    recipe,
    optimizer,
    batches,
    gradients,
    checkpoint,
    onStep,
    epochs,
    iterationsPerEpoch,
    accumulationSteps,
    seed,
    everySteps,
    keep,
    divergence,
    batchSize: options.batchSize ?? defaultBatchSize,
    communicator,
    writesFiles: communicator.rank === 0, // checkpoints, metrics, the lock and the progress display
  };
}

/** The progress display of the run: as configured on the rank that writes files, none on the others. */
function createRunProgress(
  settings: { readonly writesFiles: boolean; readonly epochs: number; readonly iterationsPerEpoch: number },
  progress: ProgressMode | ProgressOptions | undefined,
): Progress {
  const progressOptions = !settings.writesFiles
    ? { mode: 'none' as const }
    : typeof progress === 'string'
      ? { mode: progress }
      : (progress ?? {});
  return createProgress({ totalSteps: settings.epochs * settings.iterationsPerEpoch, epochs: settings.epochs }, progressOptions);
}

/** Everything the steps of one run share, and where it stands. */
interface TrainRun<Batch, Views, Outputs, Targets> {
  readonly settings: TrainSettings<Batch, Views, Outputs, Targets>;
  /** The run's seed (a resumed run's is its checkpoint's). */
  readonly seed: number;
  readonly progress: Progress;
  readonly metrics: MetricsWriter | undefined;
  readonly checkpoints: RunCheckpoints;
  readonly interrupts: InterruptWatch;
  /** Averages gradients across data-parallel ranks (undefined on one rank). */
  readonly reduceGradients: ReturnType<typeof reduceGradients>;
  /** The checkpoint the run continues, if any. */
  readonly resumedFrom: string | undefined;
  /** The iteration the run (or this resumed part of it) starts at. */
  readonly firstIteration: number;
  /** Optimizer steps completed. */
  step: number;
  /** The last step's numbers. */
  lastStep: StepResult | undefined;
}

/** The `accumulationSteps` batches of one optimizer step; refuses data that runs out. */
async function readMicroBatches<Batch>(
  run: TrainRun<Batch, unknown, unknown, unknown>,
  iterator: AsyncIterator<Batch> | Iterator<Batch>,
  position: { readonly label: string; readonly first: number; readonly index: number },
): Promise<Batch[]> {
  const { iterationsPerEpoch, accumulationSteps } = run.settings;
  const { label, first, index } = position;
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
  return micro;
}

/** One optimizer step on `micro`, then the ranks' running state averaged; a non-finite loss says how to continue. */
async function runStep<Batch, Views, Outputs, Targets>(run: TrainRun<Batch, Views, Outputs, Targets>, micro: Batch[], context: StepContext): Promise<StepResult> {
  const { recipe, optimizer, gradients, communicator } = run.settings;
  try {
    const result = await trainStepAccumulated(recipe, micro, {
      optimizer,
      context,
      ...(gradients ? { gradients } : {}),
      ...(run.reduceGradients ? { reduceGradients: run.reduceGradients } : {}),
    });
    await averageRankLocalState(communicator, recipe as Recipe<unknown, unknown, unknown, unknown>);
    return result;
  } catch (error) {
    if (!isSslError(error, 'NON_FINITE_LOSS')) throw error;
    throw await run.checkpoints.nonFiniteLoss(error);
  }
}

/** The images of a step's batches, or undefined when one batch does not tell its size. */
function imagesIn<Batch>(micro: readonly Batch[], batchSize: (batch: Batch) => number | undefined): number | undefined {
  return micro.reduce<number | undefined>((sum, b) => {
    const n = batchSize(b);
    return sum === undefined || n === undefined ? undefined : sum + n;
  }, 0);
}

/** A step's metrics record: its numbers, speed (when the images are known), memory and time. */
function stepRecord(result: StepResult, images: number | undefined, stepMs: number, dataMs: number): MetricsRecord {
  const seconds = (stepMs + dataMs) / 1000;
  const memory = process.memoryUsage();
  const tensors = tf.memory();
  return {
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
}

/**
 * Iteration `index` of `epoch`: reads its batches, steps, reports the step (metrics file,
 * progress), lets the checkpoints judge its loss, calls `onStep`, and takes a checkpoint every
 * `everySteps` steps.
 */
async function trainIteration<Batch, Views, Outputs, Targets>(
  run: TrainRun<Batch, Views, Outputs, Targets>,
  iterator: AsyncIterator<Batch> | Iterator<Batch>,
  epoch: number,
  position: { readonly label: string; readonly first: number; readonly index: number },
): Promise<void> {
  const { iterationsPerEpoch, batchSize, checkpoint, everySteps, onStep, communicator } = run.settings;
  const dataStart = performance.now();
  const micro = await readMicroBatches(run, iterator, position);
  const dataMs = performance.now() - dataStart;
  const iteration = epoch * iterationsPerEpoch + position.index;
  // each rank draws its own crops and masks; rank 0 (and one process) draws stepRng(seed, iteration)
  const context = { iteration, epoch, iterationsPerEpoch, rng: stepRng(run.seed, iteration, communicator.rank) };
  const stepStart = performance.now();
  // logged, judged and returned: the mean over the ranks (the step itself on one rank)
  const { result, images } = await meanOverRanks(communicator, { result: await runStep(run, micro, context), images: imagesIn(micro, batchSize) });
  const stepMs = performance.now() - stepStart;
  run.step = iteration + 1;
  run.lastStep = result;
  const record = stepRecord(result, images, stepMs, dataMs);
  run.metrics?.write(record);
  run.progress.update(record);
  await run.checkpoints.afterStep(result, iteration === run.firstIteration);
  await onStep?.(record);
  if (checkpoint && run.step % everySteps === 0) await run.checkpoints.stage(run.step);
}

/**
 * The iterations of `epoch` from where the run stands, over the batches of that epoch from
 * `startBatch`. Returns false when a stop was requested before an iteration.
 */
async function trainEpoch<Batch, Views, Outputs, Targets>(run: TrainRun<Batch, Views, Outputs, Targets>, epoch: number): Promise<boolean> {
  const { iterationsPerEpoch, accumulationSteps, batches } = run.settings;
  const first = run.step - epoch * iterationsPerEpoch;
  const label = `train(options.batches)(${epoch}, { startBatch: ${first * accumulationSteps} })`;
  const iterator = iteratorOf(batches(epoch, { startBatch: first * accumulationSteps }), label);
  try {
    for (let index = first; index < iterationsPerEpoch; index++) {
      if (run.interrupts.requested) return false;
      await trainIteration(run, iterator, epoch, { label, first, index });
    }
    return true;
  } finally {
    await iterator.return?.();
  }
}

/** Every remaining epoch, then the last checkpoint; a pending good checkpoint survives other failures. */
async function trainEpochs<Batch, Views, Outputs, Targets>(run: TrainRun<Batch, Views, Outputs, Targets>): Promise<TrainResult['status']> {
  const { epochs, iterationsPerEpoch } = run.settings;
  let status: TrainResult['status'] = 'completed';
  try {
    for (let epoch = Math.floor(run.step / iterationsPerEpoch); epoch < epochs; epoch++) {
      if (!(await trainEpoch(run, epoch))) {
        status = 'interrupted';
        break;
      }
    }
    await run.checkpoints.saveLast(run.step, run.lastStep);
  } catch (error) {
    await run.checkpoints.keepPendingAfter(error);
    throw error;
  } finally {
    run.interrupts.dispose();
    run.progress.finish();
  }
  return status;
}

/**
 * Prepares a run in its (locked) folder: where it starts, leftovers of dead writers removed, rank
 * 0's state on every rank, the metrics file, the checkpoints and the interrupt handlers.
 */
async function startRun<Batch, Views, Outputs, Targets>(
  settings: TrainSettings<Batch, Views, Outputs, Targets>,
  options: TrainOptions<Batch, Views, Outputs, Targets>,
  progress: Progress,
  lock: RunLock | undefined,
): Promise<TrainRun<Batch, Views, Outputs, Targets>> {
  const { recipe, optimizer, checkpoint, communicator, writesFiles, iterationsPerEpoch, accumulationSteps } = settings;
  const start = await findRunStart({
    resume: options.resume,
    dir: checkpoint?.dir,
    requestedSeed: options.seed,
    seed: settings.seed,
    epochs: settings.epochs,
    iterationsPerEpoch,
    accumulationSteps,
    recipe,
    optimizer,
    log: (message) => progress.log(message),
  });
  if (lock) await removeTemporaryFiles(lock);
  await broadcastRecipeState(communicator, recipe as Recipe<unknown, unknown, unknown, unknown>);
  const gradientReducer = reduceGradients(communicator);
  const metrics: MetricsWriter | undefined = options.metricsFile && writesFiles
    ? await createMetricsWriter(options.metricsFile, start.resumedFrom ? { resumeAtIteration: start.step } : {})
    : undefined;
  const checkpoints = createRunCheckpoints({
    dir: checkpoint?.dir,
    writesFiles,
    keep: settings.keep,
    divergence: settings.divergence,
    recipe,
    optimizer,
    iterationsPerEpoch,
    accumulationSteps,
    seed: start.seed,
    config: options.config,
    resumedFrom: start.resumedFrom,
    startStep: start.step,
  });
  const interrupts = watchInterrupts({
    handleSignals: options.handleSignals ?? true,
    ...(options.signal ? { signal: options.signal } : {}),
    onRequest: (reason) =>
      progress.log(`train: ${reason} received: finishing the current step${checkpoint ? ' and saving a checkpoint' : ''} (again to exit now)`),
  });
  return {
    settings,
    seed: start.seed,
    progress,
    metrics,
    checkpoints,
    interrupts,
    reduceGradients: gradientReducer,
    resumedFrom: start.resumedFrom,
    firstIteration: start.step,
    step: start.step,
    lastStep: undefined,
  };
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
  const settings = resolveTrainSettings(options);
  const { checkpoint, writesFiles, iterationsPerEpoch } = settings;
  const progress = createRunProgress(settings, options.progress);

  // one process at a time in a run folder: taken before anything in it is read or written, held to the end
  const lock = checkpoint && writesFiles
    ? await acquireRunLock(checkpoint.dir, {
        onStale: (owner) =>
          progress.log(`train: took over the lock of ${checkpoint.dir} left by process ${owner.pid} (since ${owner.startedAt}), which no longer runs`),
      })
    : undefined;
  try {
    const run = await startRun(settings, options, progress, lock);
    const status = await trainEpochs(run);
    const { step, lastStep } = run;
    const lastCheckpoint = run.checkpoints.last;
    if (status === 'interrupted') {
      progress.log(`train: stopped at step ${step}${lastCheckpoint ? `; ${lastCheckpoint} holds it, run again with resume: true to continue` : ''}`);
    }
    return {
      status,
      step,
      epoch: Math.floor(step / iterationsPerEpoch),
      ...(lastCheckpoint ? { checkpoint: lastCheckpoint } : {}),
      ...(run.resumedFrom ? { resumedFrom: run.resumedFrom } : {}),
      ...(lastStep ? { lastStep } : {}),
    };
  } finally {
    await lock?.release();
  }
}
