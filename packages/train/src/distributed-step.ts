import type * as tf from '@tensorflow/tfjs-core';
import type { Module, Parameter, Recipe } from '@selfsup/core';
import { allReduceTensors, synchronizeVariables, type Communicator } from '@selfsup/distributed';

/**
 * The `reduceGradients` of a data-parallel step: each gradient becomes its mean over the ranks
 * (all-reduce `mean`, in buckets of flat buffers). Each rank's gradient is that of the mean loss
 * over its own batch, so the mean over ranks is the gradient of the mean loss over the global
 * batch: the 1/worldSize factor is applied exactly once, here. Undefined on one rank.
 */
export function reduceGradients(
  communicator: Communicator,
  bucketBytes?: number,
): ((gradients: Map<string, tf.Tensor>) => Promise<Map<string, tf.Tensor>>) | undefined {
  if (communicator.worldSize === 1) return undefined;
  return (gradients) => allReduceTensors(communicator, gradients, { op: 'mean', ...(bucketBytes ? { bucketBytes } : {}) });
}

/** Every variable of the recipe's modules (student, teacher, centres), each once, in a stable order. */
function recipeVariables(modules: readonly Module[]): tf.Variable[] {
  const seen = new Set<tf.Variable>();
  const out: tf.Variable[] = [];
  for (const module of modules) {
    for (const parameter of module.parameters() as readonly Parameter[]) {
      if (seen.has(parameter.variable)) continue;
      seen.add(parameter.variable);
      out.push(parameter.variable);
    }
  }
  return out;
}

/** A module whose state each rank updates from its own batch: a running centre (`createCenter` of `@selfsup/ema`). */
function isRankLocalState(module: Module): boolean {
  return typeof (module as { updateFromStatistics?: unknown }).updateFromStatistics === 'function';
}

/**
 * Rank 0's state on every rank, before the first step: the student, the teacher and the centres
 * (PyTorch DDP broadcasts the module's state at construction), so that ranks seeded differently,
 * or loaded from different files, start from the same weights.
 */
export async function broadcastRecipeState(communicator: Communicator, recipe: Recipe<unknown, unknown, unknown, unknown>): Promise<void> {
  if (communicator.worldSize === 1) return;
  await synchronizeVariables(communicator, recipeVariables(Object.values(recipe.modules())), 'broadcast');
}

/**
 * After a step: the running centres (DINO's `center`, iBOT's `center2`) become their mean over the
 * ranks. Every rank moved the same centre `c` towards its own batch mean `b_r`; the mean of
 * `m c + (1 - m) b_r` over ranks is `m c + (1 - m) mean(b_r)`, the update from the global batch
 * (equal batches per rank), as the official `dist.all_reduce(batch_center)`. The student and the
 * teacher need nothing: the same averaged gradients give the same weights on every rank.
 */
export async function averageRankLocalState(communicator: Communicator, recipe: Recipe<unknown, unknown, unknown, unknown>): Promise<void> {
  if (communicator.worldSize === 1) return;
  const centres = Object.values(recipe.modules()).filter(isRankLocalState);
  await synchronizeVariables(communicator, recipeVariables(centres), 'mean');
}
