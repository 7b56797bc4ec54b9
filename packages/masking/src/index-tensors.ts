import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, invalidArgument } from '@selfsup/core';

/** The parts of a {@link RandomMaskSample} the index helpers read. */
export interface MaskIndices {
  /** `[batchSize, keepCount]` flattened kept patch indices. */
  readonly keepIndices: Int32Array;
  /** `[batchSize, patches]` flattened inverse permutation. */
  readonly restoreIndices: Int32Array;
  /** Kept patches per image. */
  readonly keepCount: number;
  /** The mask, for the batch size and grid. */
  readonly mask: { readonly batchSize: number; readonly gridHeight: number; readonly gridWidth: number };
}

function checkIndices(fn: string, sample: MaskIndices): { batchSize: number; tokens: number } {
  if (sample === null || typeof sample !== 'object' || sample.mask === null || typeof sample.mask !== 'object') {
    throw invalidArgument({
      argument: `${fn}(sample)`,
      expected: 'the result of sampleWithIndices() or tokenMaskToIndices()',
      actual: sample,
    });
  }
  const batchSize = checkInteger(`${fn}(sample.mask.batchSize)`, sample.mask.batchSize, 1);
  const tokens =
    checkInteger(`${fn}(sample.mask.gridHeight)`, sample.mask.gridHeight, 1) *
    checkInteger(`${fn}(sample.mask.gridWidth)`, sample.mask.gridWidth, 1);
  checkInteger(`${fn}(sample.keepCount)`, sample.keepCount, 0, tokens);
  return { batchSize, tokens };
}

function checkLength(argument: string, values: Int32Array, expected: number, meaning: string): void {
  if (!(values instanceof Int32Array) || values.length !== expected) {
    throw invalidArgument({
      code: 'SHAPE_MISMATCH',
      argument,
      expected: `an Int32Array of ${expected} values (${meaning})`,
      actual: values instanceof Int32Array ? `${values.length} values` : values,
      fix: 'Pass the sample returned by sampleWithIndices() unchanged.',
    });
  }
}

/**
 * The kept patch indices as the backbone takes them (MAE's `ids_keep`): pass as
 * `backbone.encode(images, { keepIndices })` to encode only those patches, in that order.
 *
 * @returns A new int32 tensor `[batchSize, keepCount]`; the caller owns it.
 * @example
 * ```ts
 * const sample = createRandomMasking({ maskRatio: 0.75 }).sampleWithIndices(8, 14, rng);
 * const keepIndices = keepIndicesToTensor(sample); // [8, 49]
 * keepIndices.dispose();
 * ```
 */
export function keepIndicesToTensor(sample: MaskIndices): tf.Tensor2D {
  const fn = 'keepIndicesToTensor';
  const { batchSize } = checkIndices(fn, sample);
  checkLength(`${fn}(sample.keepIndices)`, sample.keepIndices, batchSize * sample.keepCount, `[${batchSize}, ${sample.keepCount}]`);
  return tf.tidy(fn, () => tf.tensor2d(sample.keepIndices, [batchSize, sample.keepCount], 'int32'));
}

/**
 * The inverse permutation (MAE's `ids_restore`): position `i` of an image holds the rank of patch
 * `i` in the shuffled order. The MAE decoder gathers `[kept tokens, mask tokens]` with it to put
 * every token back in place.
 *
 * @returns A new int32 tensor `[batchSize, patches]`; the caller owns it.
 * @example
 * ```ts
 * const restoreIndices = restoreIndicesToTensor(sample); // [8, 196]
 * restoreIndices.dispose();
 * ```
 */
export function restoreIndicesToTensor(sample: MaskIndices): tf.Tensor2D {
  const fn = 'restoreIndicesToTensor';
  const { batchSize, tokens } = checkIndices(fn, sample);
  checkLength(`${fn}(sample.restoreIndices)`, sample.restoreIndices, batchSize * tokens, `[${batchSize}, ${tokens}]`);
  return tf.tidy(fn, () => tf.tensor2d(sample.restoreIndices, [batchSize, tokens], 'int32'));
}
