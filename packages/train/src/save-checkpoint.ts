import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkInteger, exportStateDict, invalidArgument, type HostTensor, type Parameter } from '@selfsup/core';
import {
  CHECKPOINT_FORMAT,
  checkpointModules,
  encodeCheckpoint,
  modelFingerprint,
  momentKeys,
  type CheckpointMetadata,
  type CheckpointOptimizer,
  type CheckpointRecipe,
} from './checkpoint-format.js';
import { writeFileAtomic } from './atomic-write.js';
import { LATEST_FILE, LATEST_FORMAT, checkpointFileName, listCheckpoints, type LatestCheckpointRecord } from './latest-checkpoint.js';
import { stepRng } from './step-rng.js';
import { toTorchLayout } from './torch-layout.js';

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** The folder of the run's checkpoints (created if missing). */
  dir: string;
  /** The recipe: every module of `recipe.modules()` is saved. */
  recipe: CheckpointRecipe;
  /** The optimizer: its moments and step counts are saved. */
  optimizer: CheckpointOptimizer;
  /** Optimizer steps completed; the file is `step-<step>.safetensors`. */
  step: number;
  /** Iterations in one epoch (the epoch of the next iteration is `floor(step / iterationsPerEpoch)`). */
  iterationsPerEpoch: number;
  /**
   * Micro-batches per optimizer step.
   * @defaultValue 1
   */
  accumulationSteps?: number;
  /**
   * The run's seed (iteration `i` draws from `stepRng(seed, i)`).
   * @defaultValue 0
   */
  seed?: number;
  /**
   * The run's configuration, any JSON value, stored for reference.
   * @defaultValue none
   */
  config?: unknown;
  /**
   * How many checkpoints to keep in `dir`: older `step-<n>.safetensors` files are deleted once
   * this one is safely written.
   * @defaultValue 3
   */
  keep?: number;
}

/** What {@link saveCheckpoint} wrote. */
export interface SavedCheckpoint {
  /** The checkpoint file. */
  readonly path: string;
  /** Optimizer steps completed. */
  readonly step: number;
  /** Its size in bytes. */
  readonly bytes: number;
  /** The older checkpoints it deleted (`keep`). */
  readonly removed: readonly string[];
}

function jsonValue(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (cause) {
    throw invalidArgument({
      argument: 'saveCheckpoint(options.config)',
      expected: 'a JSON value (objects, arrays, strings, finite numbers, booleans, null)',
      actual: cause instanceof Error ? cause.message : value,
      fix: 'Store the run configuration as plain data: no BigInt, functions or cycles.',
    });
  }
}

/** Parameters by name, for the layout of the optimizer's moments. */
export function optimizerParameters(recipe: CheckpointRecipe, optimizer: CheckpointOptimizer): Map<string, Parameter> {
  const out = new Map<string, Parameter>();
  for (const group of optimizer.groups ?? []) for (const p of group.parameters) if (!out.has(p.name)) out.set(p.name, p);
  for (const p of recipe.trainableParameters()) if (!out.has(p.name)) out.set(p.name, p);
  return out;
}

/**
 * Saves everything a run needs to continue exactly: every module of the recipe (student, teacher,
 * centres) under `<module>.<PyTorch name>` in PyTorch layout, the optimizer's moments under
 * `optimizer.<parameter>.exp_avg` / `.exp_avg_sq` (same layout) with their step counts, and JSON
 * metadata: the step and epoch, the seed and the state of the next iteration's `Rng`, the run
 * configuration, a fingerprint of the model (every tensor name and shape) and a SHA-256 checksum.
 *
 * One safetensors file, `dir/step-<step>.safetensors`, written atomically (a temporary file, fsync,
 * rename), then `dir/latest.json` the same way; only then are checkpoints beyond the newest `keep`
 * deleted. A save that fails (disk full, killed process) leaves every earlier checkpoint and
 * `latest.json` as they were.
 *
 * Node.js only (it writes files). The whole file is assembled in memory first: expect about twice
 * the size of the model, teacher and moments together.
 *
 * @example
 * ```ts
 * await saveCheckpoint({ dir: 'runs/ibot', recipe, optimizer, step: 1000, iterationsPerEpoch: 500, seed: 0 });
 * ```
 */
export async function saveCheckpoint(options: SaveCheckpointOptions): Promise<SavedCheckpoint> {
  return writeCheckpoint(await prepareCheckpoint(options));
}

/** A checkpoint read to the host and encoded, not yet written: {@link writeCheckpoint} writes it. */
export interface PreparedCheckpoint {
  readonly dir: string;
  readonly step: number;
  readonly epoch: number;
  readonly keep: number;
  readonly createdAt: string;
  /** The whole safetensors file. */
  readonly bytes: Uint8Array;
}

/**
 * The first half of {@link saveCheckpoint}: checks the options, reads the modules and the
 * optimizer's state to the host and encodes the file. `train` prepares a checkpoint at its step
 * and writes it once the next step showed that its weights did not diverge.
 */
export async function prepareCheckpoint(options: SaveCheckpointOptions): Promise<PreparedCheckpoint> {
  if (options === null || typeof options !== 'object' || typeof options.dir !== 'string' || options.dir === '') {
    throw invalidArgument({ argument: 'saveCheckpoint(options.dir)', expected: 'a folder path', actual: options?.dir });
  }
  const { dir, recipe, optimizer } = options;
  const step = checkInteger('saveCheckpoint(options.step)', options.step, 0);
  const iterationsPerEpoch = checkInteger('saveCheckpoint(options.iterationsPerEpoch)', options.iterationsPerEpoch, 1);
  const accumulationSteps = checkInteger('saveCheckpoint(options.accumulationSteps)', options.accumulationSteps ?? 1, 1);
  const seed = checkInteger('saveCheckpoint(options.seed)', options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const keep = checkInteger('saveCheckpoint(options.keep)', options.keep ?? 3, 1);
  const config = jsonValue(options.config);

  const tensors = new Map<string, HostTensor>();
  for (const [name, module] of checkpointModules(recipe)) {
    for (const [key, value] of await exportStateDict(module, `${name}.`)) tensors.set(key, value);
  }
  const state = await optimizer.getState();
  const parameters = optimizerParameters(recipe, optimizer);
  const steps: Record<string, number> = {};
  for (const [name, entry] of Object.entries(state.parameters)) {
    const parameter = parameters.get(name);
    const keys = momentKeys(name);
    tensors.set(keys.firstMoment, parameter ? toTorchLayout(parameter, entry.firstMoment) : entry.firstMoment);
    tensors.set(keys.secondMoment, parameter ? toTorchLayout(parameter, entry.secondMoment) : entry.secondMoment);
    steps[name] = entry.step;
  }
  const epoch = Math.floor(step / iterationsPerEpoch);
  const metadata: Omit<CheckpointMetadata, 'checksum'> = {
    format: CHECKPOINT_FORMAT,
    recipe: recipe.name,
    step,
    epoch,
    iterationsPerEpoch,
    accumulationSteps,
    seed,
    rng: stepRng(seed, step).getState() as CheckpointMetadata['rng'],
    modules: modelFingerprint(recipe),
    optimizer: { format: state.format, steps },
    ...(config === undefined ? {} : { config }),
    createdAt: new Date().toISOString(),
  };
  return { dir, step, epoch, keep, createdAt: metadata.createdAt, bytes: encodeCheckpoint(metadata, tensors) };
}

/** The second half of {@link saveCheckpoint}: writes a prepared checkpoint and `latest.json`, then prunes to `keep`. */
export async function writeCheckpoint(prepared: PreparedCheckpoint): Promise<SavedCheckpoint> {
  const { dir, step, epoch, keep, createdAt, bytes } = prepared;
  await mkdir(dir, { recursive: true });
  const file = checkpointFileName(step);
  const path = join(dir, file);
  await writeFileAtomic(path, bytes);
  const latest: LatestCheckpointRecord = { format: LATEST_FORMAT, file, step, epoch, createdAt };
  await writeFileAtomic(join(dir, LATEST_FILE), `${JSON.stringify(latest, null, 2)}\n`);

  const older = (await listCheckpoints(dir)).filter((c) => c.path !== path);
  const removed = older.slice(keep - 1).map((c) => c.path);
  await Promise.all(removed.map((p) => rm(p, { force: true })));
  return { path, step, bytes: bytes.byteLength, removed };
}
