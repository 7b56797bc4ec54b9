import type { HeldOutConfig } from './cli-config-schema.js';

/**
 * `data.heldOut` as a short name for metrics lines and JSON: `test`, `val`, `none`, or
 * `train-last-10000` for the last 10,000 training images.
 *
 * @example
 * ```ts
 * heldOutLabel({ from: 'train', last: 10000 }); // 'train-last-10000'
 * ```
 */
export function heldOutLabel(heldOut: HeldOutConfig): string {
  return typeof heldOut === 'string' ? heldOut : `${heldOut.from}-last-${heldOut.last}`;
}

/**
 * `data.heldOut` in words, for messages: `the test split`, `the val split`, `the last 10000 training images`.
 *
 * @example
 * ```ts
 * `k-NN on ${describeHeldOut(config.data.heldOut)} of fashion-mnist`;
 * ```
 */
export function describeHeldOut(heldOut: HeldOutConfig): string {
  return typeof heldOut === 'string' ? `the ${heldOut} split` : `the last ${heldOut.last} training images`;
}
