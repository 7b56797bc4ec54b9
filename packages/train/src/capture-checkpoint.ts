import { checkInteger, exportStateDict, invalidArgument, type HostTensor } from '@selfsup/core';
import {
  CHECKPOINT_FORMAT,
  checkpointModules,
  encodeCheckpoint,
  modelFingerprint,
  momentKeys,
  optimizerParameters,
  type CheckpointMetadata,
  type CheckpointOptimizer,
  type CheckpointRecipe,
} from './checkpoint-format.js';
import { stepRng } from './step-rng.js';
import { toTorchLayout } from './torch-layout.js';

/** Options of {@link captureCheckpoint}. */
export interface CaptureCheckpointOptions {
  /** The recipe: every module of `recipe.modules()` is saved. */
  recipe: CheckpointRecipe;
  /** The optimizer: its moments and step counts are saved. */
  optimizer: CheckpointOptimizer;
  /** Optimizer steps completed. */
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
   * The run's configuration, any JSON value, stored for reference (`selfsup pretrain` stores its
   * whole configuration here, and its `--resume-from` and `eval` read it back).
   * @defaultValue none
   */
  config?: unknown;
}

/** A checkpoint read to the host and encoded: one safetensors file's bytes and its metadata. */
export interface CapturedCheckpoint {
  /** Its metadata, but for the checksum (which is in the file). */
  readonly metadata: Omit<CheckpointMetadata, 'checksum'>;
  /** The whole safetensors file, as `saveCheckpoint` writes it. */
  readonly bytes: Uint8Array;
}

function jsonValue(value: unknown, caller: string): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (cause) {
    throw invalidArgument({
      argument: `${caller}(options.config)`,
      expected: 'a JSON value (objects, arrays, strings, finite numbers, booleans, null)',
      actual: cause instanceof Error ? cause.message : value,
      fix: 'Store the run configuration as plain data: no BigInt, functions or cycles.',
    });
  }
}

/**
 * Reads every module of the recipe (student, teacher, centres) and the optimizer's state to the
 * host and encodes them as one checkpoint file, in memory: the same bytes `saveCheckpoint` of
 * `@selfsup/train/node` writes, which `loadCheckpoint` (and `selfsup pretrain --resume-from`) read.
 * It touches no file system, so it runs in browsers too (save the bytes with a download link).
 *
 * @param caller - The function named in error messages.
 * @example
 * ```ts
 * const { bytes } = await captureCheckpoint({ recipe, optimizer, step: 120, iterationsPerEpoch: 15, seed: 0, config });
 * const url = URL.createObjectURL(new Blob([bytes])); // a download in a browser
 * ```
 */
export async function captureCheckpoint(options: CaptureCheckpointOptions, caller = 'captureCheckpoint'): Promise<CapturedCheckpoint> {
  if (options === null || typeof options !== 'object' || !options.recipe || !options.optimizer) {
    throw invalidArgument({ argument: `${caller}(options)`, expected: '{ recipe, optimizer, step, iterationsPerEpoch }', actual: options });
  }
  const { recipe, optimizer } = options;
  const step = checkInteger(`${caller}(options.step)`, options.step, 0);
  const iterationsPerEpoch = checkInteger(`${caller}(options.iterationsPerEpoch)`, options.iterationsPerEpoch, 1);
  const accumulationSteps = checkInteger(`${caller}(options.accumulationSteps)`, options.accumulationSteps ?? 1, 1);
  const seed = checkInteger(`${caller}(options.seed)`, options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const config = jsonValue(options.config, caller);

  const tensors = await hostTensorsOf(recipe, optimizer);
  const metadata: Omit<CheckpointMetadata, 'checksum'> = {
    format: CHECKPOINT_FORMAT,
    recipe: recipe.name,
    step,
    epoch: Math.floor(step / iterationsPerEpoch),
    iterationsPerEpoch,
    accumulationSteps,
    seed,
    rng: stepRng(seed, step).getState() as CheckpointMetadata['rng'],
    modules: modelFingerprint(recipe),
    optimizer: { format: tensors.optimizerFormat, steps: tensors.steps },
    ...(config === undefined ? {} : { config }),
    createdAt: new Date().toISOString(),
  };
  return { metadata, bytes: encodeCheckpoint(metadata, tensors.values) };
}

/** Every module tensor and optimizer moment, in PyTorch layout, with the optimizer's step counts. */
async function hostTensorsOf(
  recipe: CheckpointRecipe,
  optimizer: CheckpointOptimizer,
): Promise<{ values: Map<string, HostTensor>; steps: Record<string, number>; optimizerFormat: string }> {
  const values = new Map<string, HostTensor>();
  for (const [name, module] of checkpointModules(recipe)) {
    for (const [key, value] of await exportStateDict(module, `${name}.`)) values.set(key, value);
  }
  const state = await optimizer.getState();
  const parameters = optimizerParameters(recipe, optimizer);
  const steps: Record<string, number> = {};
  for (const [name, entry] of Object.entries(state.parameters)) {
    const parameter = parameters.get(name);
    const keys = momentKeys(name);
    values.set(keys.firstMoment, parameter ? toTorchLayout(parameter, entry.firstMoment) : entry.firstMoment);
    values.set(keys.secondMoment, parameter ? toTorchLayout(parameter, entry.secondMoment) : entry.secondMoment);
    steps[name] = entry.step;
  }
  return { values, steps, optimizerFormat: state.format };
}
