import * as tf from '@tensorflow/tfjs-core';
import { checkNotDisposed, invalidArgument } from '@selfsup/core';
import { describeTensor } from './check-tensor.js';

/**
 * Masks over the patch grid, 1 (or true) where a patch is masked: `[rows, patches]`,
 * `[rows, gridHeight, gridWidth]` (row-major like the patches), or a list of such tensors, one per
 * view, stacked along the rows in order (as the official code's list of per-crop masks). Float,
 * int or bool.
 */
export type TokenMaskInput = tf.Tensor | readonly tf.Tensor[];

/**
 * Checks `masks` against `rows` images of `patches` patches (on a `grid` of `[height, width]`
 * patches, when known) and returns them as float32 `[rows, patches]`. Call inside a tidy: the
 * result is a new tensor.
 */
export function maskRows(
  argument: string,
  masks: TokenMaskInput,
  rows: number,
  patches: number,
  grid?: readonly [number, number],
): tf.Tensor2D {
  const parts = Array.isArray(masks) ? (masks as readonly tf.Tensor[]) : [masks as tf.Tensor];
  const flat: tf.Tensor2D[] = [];
  let total = 0;
  parts.forEach((part, index) => {
    const name = Array.isArray(masks) ? `${argument}[${index}]` : argument;
    checkNotDisposed(name, part);
    const ok = part instanceof tf.Tensor && (part.rank === 2 || part.rank === 3);
    const size = ok ? part.shape.slice(1).reduce((a, b) => a * b, 1) : -1;
    const gridOk = !ok || part.rank === 2 || !grid || (part.shape[1] === grid[0] && part.shape[2] === grid[1]);
    if (!ok || size !== patches || !gridOk) {
      const gridText = grid ? `[images, ${grid[0]}, ${grid[1]}]` : `[images, gridHeight, gridWidth] with gridHeight * gridWidth = ${patches}`;
      throw invalidArgument({
        argument: name,
        expected: `a mask over the ${patches} patches of each image: [images, ${patches}] or ${gridText}`,
        actual: describeTensor(part),
        code: 'SHAPE_MISMATCH',
        fix: 'Sample the mask for the patch grid of the crops the student saw (image size / patch size on each side).',
      });
    }
    total += part.shape[0]!;
    flat.push(tf.reshape(tf.cast(part, 'float32'), [part.shape[0]!, patches])); // [n, h, w] -> [n, h*w]
  });
  if (total !== rows) {
    throw invalidArgument({
      argument,
      expected: `${rows} mask rows (one per image of every crop, in the order of the student's rows)`,
      actual: total,
      code: 'SHAPE_MISMATCH',
      fix: 'Pass one mask per image of every masked crop, the crops stacked in the same order as the student outputs.',
    });
  }
  return flat.length === 1 ? flat[0]! : tf.concat(flat, 0);
}
