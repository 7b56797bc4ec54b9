import { SslError, invalidArgument, isSslError } from '@selfsup/core';
import type { CheckpointMetadata, CheckpointOptimizer, CheckpointRecipe } from './checkpoint-format.js';
import { latestCheckpoint, listCheckpoints } from './latest-checkpoint.js';
import { loadCheckpoint, readCheckpoint } from './load-checkpoint.js';
import { stepRng } from './step-rng.js';

/** What {@link findRunStart} needs to know about the run. */
export interface RunStartOptions {
  /** `train`'s `resume`. */
  readonly resume: boolean | string | undefined;
  /** The run's folder, if it saves checkpoints. */
  readonly dir: string | undefined;
  /** `train`'s `seed` as given (undefined when left to its default). */
  readonly requestedSeed: number | undefined;
  /** The seed of a new run. */
  readonly seed: number;
  /** `train`'s `epochs`: a resumed checkpoint must not lie past their end. */
  readonly epochs: number;
  readonly iterationsPerEpoch: number;
  readonly accumulationSteps: number;
  readonly recipe: CheckpointRecipe;
  readonly optimizer: CheckpointOptimizer;
  /** Where notes go (the progress display's log). */
  readonly log: (message: string) => void;
}

/** Where a run starts: its first step and seed, and the checkpoint it continues, if any. */
export interface RunStart {
  readonly step: number;
  readonly seed: number;
  readonly resumedFrom?: string;
}

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
 * Refuses a checkpoint past the end of the run: `epochs` lowered below the epochs it already trained
 * would otherwise train nothing and report the run completed (a checkpoint exactly at the end is a
 * completed run, resumed as such).
 */
function checkWithinRun(metadata: CheckpointMetadata, path: string, epochs: number, iterationsPerEpoch: number): void {
  if (metadata.step <= epochs * iterationsPerEpoch) return;
  const needed = Math.ceil(metadata.step / iterationsPerEpoch);
  throw invalidArgument({
    argument: 'train(options.epochs)',
    expected: `at least ${needed}: ${path} is at step ${metadata.step} (${iterationsPerEpoch} steps an epoch), past the end of ${epochs} epoch(s)`,
    actual: epochs,
    fix: `Resume with ${needed} epochs or more (selfsup pretrain: --epochs ${needed}), or start a new run in another folder.`,
  });
}

/**
 * Reads, checks and loads the checkpoint at `path` into the recipe and optimizer. A damaged one is
 * refused with `CHECKPOINT_CORRUPT` naming the folder's other checkpoints.
 */
async function loadResumed(path: string, options: RunStartOptions): Promise<CheckpointMetadata> {
  try {
    const saved = await readCheckpoint(path);
    checkResumable(saved.metadata, path, options.iterationsPerEpoch, options.accumulationSteps);
    checkWithinRun(saved.metadata, path, options.epochs, options.iterationsPerEpoch);
    return await loadCheckpoint(saved, { recipe: options.recipe, optimizer: options.optimizer });
  } catch (error) {
    if (!isSslError(error, 'CHECKPOINT_CORRUPT') || !options.dir) throw error;
    const others = (await listCheckpoints(options.dir)).filter((c) => c.path !== path).map((c) => c.path);
    throw new SslError(
      'CHECKPOINT_CORRUPT',
      `${error.message} ${others.length > 0 ? `Other checkpoints: ${others.join(', ')}; pass resume: '<path>' to continue from one.` : 'No other checkpoint is in the folder.'}`,
      { cause: error, details: { ...error.details, others } },
    );
  }
}

/** A new run must not overwrite one: refuses a folder that already holds checkpoints. */
async function refuseExistingRun(dir: string): Promise<void> {
  const existing = await latestCheckpoint(dir);
  if (existing) {
    throw invalidArgument({
      argument: 'train(options.checkpoint.dir)',
      expected: 'a folder without checkpoints for a new run',
      actual: `${dir} (it holds ${existing})`,
      fix: 'Pass resume: true to continue that run, or choose another folder.',
    });
  }
}

/**
 * Where `train` starts: with `resume`, the checkpoint it names (or the folder's latest; none there
 * starts afresh) is loaded and the run continues at its step with its seed; without it, a folder
 * that holds checkpoints is refused.
 */
export async function findRunStart(options: RunStartOptions): Promise<RunStart> {
  const { resume, dir } = options;
  if (!resume) {
    if (dir) await refuseExistingRun(dir);
    return { step: 0, seed: options.seed };
  }
  if (resume === true && !dir) {
    throw invalidArgument({
      argument: 'train(options.resume)',
      expected: 'a checkpoint path, or true with options.checkpoint.dir',
      actual: true,
      fix: 'Give checkpoint: { dir } to resume from its latest checkpoint.',
    });
  }
  const path = typeof resume === 'string' ? resume : await latestCheckpoint(dir!);
  if (!path) return { step: 0, seed: options.seed };
  const metadata = await loadResumed(path, options);
  if (options.requestedSeed !== undefined && options.requestedSeed !== metadata.seed) {
    options.log(`train: resuming with the checkpoint's seed ${metadata.seed} (options.seed ${options.requestedSeed} applies to new runs only)`);
  }
  options.log(`train: resumed from ${path} at step ${metadata.step} (epoch ${metadata.epoch})`);
  return { step: metadata.step, seed: metadata.seed, resumedFrom: path };
}
