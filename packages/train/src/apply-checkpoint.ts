import { SslError, invalidArgument, loadStateDict, type HostTensor } from '@selfsup/core';
import type { AdamWParameterState, AdamWState } from '@selfsup/optim';
import {
  checkpointModules,
  modelFingerprint,
  momentKeys,
  optimizerParameters,
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointOptimizer,
  type CheckpointRecipe,
} from './checkpoint-format.js';
import { fromTorchLayout, torchShapeOf } from './torch-layout.js';

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The first way in which the checkpoint's model differs from the live one, in words. */
function firstDifference(live: readonly [string, readonly number[]][], stored: readonly [string, readonly number[]][]): string | undefined {
  const storedShapes = new Map(stored);
  for (const [key, shape] of live) {
    const storedShape = storedShapes.get(key);
    if (!storedShape) return `"${key}" (shape ${describeShape(shape)} in this model) is not in the checkpoint`;
    if (storedShape.length !== shape.length || storedShape.some((d, i) => d !== shape[i])) {
      return `"${key}" has shape ${describeShape(storedShape)} in the checkpoint but ${describeShape(shape)} in this model`;
    }
  }
  const liveKeys = new Set(live.map(([key]) => key));
  for (const [key, shape] of stored) {
    if (!liveKeys.has(key)) return `the checkpoint has "${key}" (shape ${describeShape(shape)}), which this model does not`;
  }
  return undefined;
}

function incompatible(source: string, message: string, details: Record<string, unknown> = {}): SslError {
  return new SslError('CHECKPOINT_INCOMPATIBLE', `${source} was written for another model: ${message}.`, {
    details: { source, ...details },
  });
}

/** The optimizer state of a checkpoint in our layout, checked against the live optimizer's parameters. */
function optimizerStateOf(checkpoint: Checkpoint, source: string, recipe: CheckpointRecipe, optimizer: CheckpointOptimizer): AdamWState {
  const parameters = optimizerParameters(recipe, optimizer);
  const out: Record<string, AdamWParameterState> = {};
  for (const [name, step] of Object.entries(checkpoint.metadata.optimizer.steps)) {
    const keys = momentKeys(name);
    const parameter = parameters.get(name);
    if (!parameter) {
      throw incompatible(source, `its optimizer state has parameter "${name}", which this recipe does not train`, { key: keys.firstMoment });
    }
    const expected = torchShapeOf(parameter);
    const moments: HostTensor[] = [];
    for (const key of [keys.firstMoment, keys.secondMoment]) {
      const tensor = checkpoint.tensors.get(key)!;
      if (tensor.shape.length !== expected.length || tensor.shape.some((d, i) => d !== expected[i])) {
        throw incompatible(
          source,
          `"${key}" has shape ${describeShape(tensor.shape)} in the checkpoint but ${describeShape(expected)} in this model`,
          { key },
        );
      }
      moments.push(fromTorchLayout(parameter, tensor));
    }
    out[name] = { step, firstMoment: moments[0]!, secondMoment: moments[1]! };
  }
  return { format: checkpoint.metadata.optimizer.format as AdamWState['format'], parameters: out };
}

/** Options of {@link applyCheckpoint}. */
export interface ApplyCheckpointOptions {
  /** The recipe whose modules receive the saved state. */
  recipe: CheckpointRecipe;
  /** The optimizer whose moments and step counts receive the saved state. */
  optimizer: CheckpointOptimizer;
}

/**
 * Loads a decoded checkpoint (`decodeCheckpoint`) into a recipe's modules and an optimizer.
 * Everything is checked before anything is assigned: that it was written for this model (the
 * recipe's name, every tensor's name and shape, the optimizer's parameters). A refused checkpoint
 * changes nothing. It touches no file system, so it runs in browsers too; `loadCheckpoint` of
 * `@selfsup/train/node` reads a file and calls it.
 *
 * @returns the checkpoint's metadata (`step`, `epoch`, `seed`, `rng`, `config`, ...).
 * @throws SslError `CHECKPOINT_INCOMPATIBLE` for one from another recipe or model, naming the
 * first differing tensor and both shapes.
 * @example
 * ```ts
 * const { step } = applyCheckpoint(decodeCheckpoint(bytes, 'dropped file'), { recipe, optimizer });
 * ```
 */
export function applyCheckpoint(checkpoint: Checkpoint, options: ApplyCheckpointOptions): CheckpointMetadata {
  if (options === null || typeof options !== 'object' || !options.recipe || !options.optimizer) {
    throw invalidArgument({ argument: 'applyCheckpoint(options)', expected: '{ recipe, optimizer }', actual: options });
  }
  const { recipe, optimizer } = options;
  const label = checkpoint.path ?? 'the checkpoint';
  const { metadata } = checkpoint;
  if (metadata.recipe !== recipe.name) {
    throw incompatible(label, `it was written by recipe "${metadata.recipe}", not "${recipe.name}"`, {
      expected: recipe.name,
      actual: metadata.recipe,
    });
  }
  const difference = firstDifference(modelFingerprint(recipe), metadata.modules);
  if (difference) {
    throw new SslError(
      'CHECKPOINT_INCOMPATIBLE',
      `${label} was written for another model: ${difference}. Build the recipe with the configuration stored in the checkpoint ` +
        '(its metadata.config), or start a new run in another folder.',
      { details: { source: label } },
    );
  }
  const state = optimizerStateOf(checkpoint, label, recipe, optimizer);
  // everything is checked: the optimizer validates its state before changing anything, and every
  // module tensor has been matched by name and shape, so no assignment below can fail halfway
  optimizer.setState(state);
  for (const [name, module] of checkpointModules(recipe)) {
    loadStateDict(module, checkpoint.tensors, { prefix: `${name}.` });
  }
  return metadata;
}
