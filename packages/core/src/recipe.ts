import * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from './invariant.js';
import type { Module, Parameter } from './module.js';
import type { Rng } from './rng.js';

/** Where a training step stands; given to every part of a recipe. */
export interface StepContext {
  /** The global iteration, from 0: the index into per-iteration schedules. */
  readonly iteration: number;
  /** The epoch, from 0. */
  readonly epoch: number;
  /** Iterations in one epoch. */
  readonly iterationsPerEpoch: number;
  /** Randomness of this step (views, masks, drop path), restored exactly on resume. */
  readonly rng: Rng;
}

/** A loss value and the named scalars to log with it, as one objective returns them. */
export interface ObjectiveResult {
  /** The weighted scalar loss, differentiable w.r.t. the student. The caller owns it. */
  readonly loss: tf.Scalar;
  /** Extra scalars to log (each also owned by the caller), e.g. `{ cls, patch }`. */
  readonly metrics?: Readonly<Record<string, tf.Scalar>>;
}

/**
 * One term of a recipe's loss. It reads the student's outputs and the step's targets and returns
 * a scalar; the training step sums the terms and differentiates the sum w.r.t. the student only.
 */
export interface Objective<Views, Outputs, Targets> {
  /** The metric name of this term (`dino`, `ibot`, `mae`). */
  readonly name: string;
  /** Computes the loss under the gradient tape. */
  compute(outputs: Outputs, targets: Targets, views: Views, context: StepContext): ObjectiveResult;
}

/**
 * A self-supervised method as data, run by the one generic training step of `@selfsup/train`:
 *
 * 1. `makeViews(batch)`: crops and masks (host randomness from `context.rng`);
 * 2. `makeTargets(views)`: everything without gradient (teacher forward, centring, sharpening),
 *    before the tape;
 * 3. `forward(views)` and every objective's `compute`, under the tape, differentiated w.r.t.
 *    `trainableParameters()` only;
 * 4. gradient processing and the optimizer step (owned by the training loop);
 * 5. `afterStep`: EMA teacher, centres, anything that follows the update.
 *
 * A new method is a new recipe (usually one file); it never needs a new branch in the step.
 */
export interface Recipe<Batch, Views, Outputs, Targets> {
  readonly name: string;
  /** The student's parameters the optimizer updates (frozen ones excluded). */
  trainableParameters(): readonly Parameter[];
  /**
   * Every module whose state a checkpoint must hold, by name (`student`, `teacher`, ...), and
   * extra state variables (`center`, ...) as modules of their own.
   */
  modules(): Readonly<Record<string, Module>>;
  /** The step's inputs: crops, masks. The step disposes every tensor in the result. */
  makeViews(batch: Batch, context: StepContext): Views;
  /** Targets made without gradient. The step disposes every tensor in the result. */
  makeTargets(views: Views, context: StepContext): Targets;
  /** The student's forward pass, under the tape. */
  forward(views: Views, context: StepContext): Outputs;
  /** The loss terms, summed. */
  readonly objectives: readonly Objective<Views, Outputs, Targets>[];
  /** Updates after the optimizer step (EMA teacher, centres). */
  afterStep(views: Views, targets: Targets, context: StepContext): void;
  /**
   * Optional, for gradient accumulation: combines the targets of every micro-batch of a step into
   * the targets `afterStep` receives, so that a centre updated from batch statistics sees the
   * whole batch as it would without accumulation ({@link concatTargets} concatenates every tensor
   * along the batch axis). Without it `afterStep` receives the last micro-batch's targets. Runs in
   * a `tf.tidy`; the step disposes its inputs and its result.
   */
  mergeTargets?(targets: readonly Targets[]): Targets;
  /** Disposes every module and state variable. */
  dispose(): void;
}

/**
 * A `mergeTargets` for targets whose tensors all have the batch (or crop x batch) axis first:
 * every tensor field is concatenated along axis 0, in micro-batch order; other fields come from
 * the last micro-batch. Means over axis 0 (the centres of DINO and iBOT) are then the means over
 * the whole batch when the micro-batches have the same size.
 *
 * @example
 * ```ts
 * const recipe = { ...parts, mergeTargets: concatTargets };
 * ```
 */
export function concatTargets<Targets extends object>(targets: readonly Targets[]): Targets {
  if (targets.length === 0) {
    throw invalidArgument({ argument: 'concatTargets(targets)', expected: 'the targets of at least one micro-batch', actual: targets });
  }
  const last = targets[targets.length - 1]!;
  if (targets.length === 1) return last;
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(last)) {
    if (value instanceof tf.Tensor) {
      const parts = targets.map((t, i) => {
        const part = (t as Record<string, unknown>)[key];
        if (!(part instanceof tf.Tensor) || part.rank !== value.rank || !sameTail(part.shape, value.shape)) {
          throw invalidArgument({
            argument: `concatTargets(targets[${i}].${key})`,
            expected: `a tensor of shape [*, ${value.shape.slice(1).join(', ')}] like the last micro-batch's`,
            actual: part instanceof tf.Tensor ? `shape [${part.shape.join(', ')}]` : part,
          });
        }
        return part;
      });
      merged[key] = tf.concat(parts, 0);
    } else {
      merged[key] = value;
    }
  }
  return merged as Targets;
}

function sameTail(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => i === 0 || d === b[i]);
}
