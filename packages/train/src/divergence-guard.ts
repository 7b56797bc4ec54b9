import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, invalidArgument, type Parameter } from '@selfsup/core';

/** The checks `train` runs before it writes a checkpoint, so that every checkpoint is a good state to resume from. */
export interface DivergenceOptions {
  /**
   * The largest magnitude a trainable weight may have in a checkpoint. Sane weights stay within
   * a few units (LayerNorm gains near 1, initialisations of 0.02 standard deviation); a run whose
   * learning rate is far too high sends them to 1e10 and beyond while its loss may stay finite.
   * @defaultValue 1e6
   */
  maxAbsWeight?: number;
  /**
   * How many times the typical loss of the run a checkpoint's loss may be: the loss computed on
   * the checkpoint's weights (by the step after it) is compared with the median magnitude of the
   * losses of the steps up to the last good checkpoint (the latest 1,024 of them, the first step
   * of the run included). DINO and iBOT losses start near ln(K) ~ 11 and fall, MAE losses start
   * near 1 and fall: a normal run never exceeds its median by two orders of magnitude; a diverged
   * one does within a step or two.
   * @defaultValue 100
   */
  lossJumpFactor?: number;
}

export const DEFAULT_MAX_ABS_WEIGHT = 1e6;
export const DEFAULT_LOSS_JUMP_FACTOR = 100;

/** The losses of the good steps kept as the reference. */
const HISTORY = 1024;

/** The settings of {@link DivergenceOptions}, checked, with their defaults. */
export function divergenceSettings(options: DivergenceOptions | false | undefined): Required<DivergenceOptions> | undefined {
  if (options === false) return undefined;
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw invalidArgument({ argument: 'train(options.divergence)', expected: 'an object, or false', actual: options });
  }
  return {
    maxAbsWeight: checkNumber('train(options.divergence.maxAbsWeight)', options?.maxAbsWeight ?? DEFAULT_MAX_ABS_WEIGHT, Number.MIN_VALUE),
    lossJumpFactor: checkNumber('train(options.divergence.lossJumpFactor)', options?.lossJumpFactor ?? DEFAULT_LOSS_JUMP_FACTOR, 1),
  };
}

/** A loss too far above the run's typical loss. */
export interface LossJump {
  readonly loss: number;
  /** The median magnitude of the good steps' losses. */
  readonly reference: number;
  /** `|loss| / reference`. */
  readonly ratio: number;
}

/** The losses of a run, split into those of verified weights (the reference) and the recent ones. */
export interface LossHistory {
  /** Records a step's loss. */
  record(loss: number): void;
  /** The losses recorded so far were computed on good weights: they join the reference. */
  accept(): void;
  /** The jump of `loss` over `factor` times the reference, if any (none while the reference is empty or zero). */
  jump(loss: number): LossJump | undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The loss history of {@link DivergenceOptions.lossJumpFactor}: host numbers only, the latest {@link HISTORY} kept. */
export function createLossHistory(factor: number): LossHistory {
  let accepted: number[] = [];
  let recent: number[] = [];
  return {
    record(loss) {
      recent.push(Math.abs(loss));
      if (recent.length > HISTORY) recent = recent.slice(-HISTORY);
    },
    accept() {
      accepted = [...accepted, ...recent].slice(-HISTORY);
      recent = [];
    },
    jump(loss) {
      if (accepted.length === 0) return undefined;
      const reference = median(accepted);
      const magnitude = Math.abs(loss);
      if (reference === 0 || !(magnitude > factor * reference)) return undefined;
      return { loss, reference, ratio: magnitude / reference };
    },
  };
}

/** A trainable weight that is not finite (`value` NaN) or too large. */
export interface WeightProblem {
  readonly parameter: string;
  readonly value: number;
}

/**
 * The first trainable parameter holding a non-finite value, or else the one with the largest
 * magnitude when it exceeds `maxAbsWeight`. One reduction over all parameters, read once.
 */
export async function findWeightProblem(parameters: readonly Parameter[], maxAbsWeight: number): Promise<WeightProblem | undefined> {
  const checked = parameters.filter((p) => p.variable.size > 0);
  if (checked.length === 0) return undefined;
  // per parameter: max |w|, plus sum(w * 0), which is NaN exactly when some w is NaN or infinite
  const summary = tf.tidy('largestWeights', () =>
    tf.stack(checked.map((p) => tf.add(tf.max(tf.abs(p.variable)), tf.sum(tf.mul(p.variable, tf.scalar(0)))))),
  );
  let values: Float32Array;
  try {
    values = (await summary.data()) as Float32Array;
  } finally {
    summary.dispose();
  }
  let largest: WeightProblem | undefined;
  for (let i = 0; i < checked.length; i++) {
    const value = values[i]!;
    if (Number.isNaN(value)) return { parameter: checked[i]!.name, value };
    if (value > maxAbsWeight && (largest === undefined || value > largest.value)) largest = { parameter: checked[i]!.name, value };
  }
  return largest;
}
