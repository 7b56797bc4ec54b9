// The choices the page offers, kept apart from the modules that build models so that the page's
// bundle stays small (TensorFlow.js and the methods load in the worker only).
import { invalidArgument } from '@selfsup/core';

/** The methods the playground trains. */
export const PLAYGROUND_METHODS = ['ibot', 'dino', 'mae'] as const;
export type PlaygroundMethod = (typeof PLAYGROUND_METHODS)[number];

/**
 * Model sizes: `readme` is the iBOT subset example's ViT (dim 64, depth 4, patch 4, batch 64, as in
 * examples/configs/ibot-fashion-mnist-subset.yaml, the README main job until issue 18); `tiny` (dim 32, depth 2, batch 32, smaller
 * heads) trains several times faster, for slow machines and the browser tests.
 */
export const PLAYGROUND_SIZES = ['readme', 'tiny'] as const;
export type PlaygroundSize = (typeof PLAYGROUND_SIZES)[number];

/** The backends a tab can train on. `auto`: WebGPU on a hardware adapter, else wasm (never a software adapter). */
export const PLAYGROUND_BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export type PlaygroundBackend = (typeof PLAYGROUND_BACKENDS)[number];

/** Checks one choice read from the page's address (`?method=`, `?size=`, `?backend=`); absent: `fallback`. */
export function checkChoice<T extends string>(parameter: string, value: string | null, allowed: readonly T[], fallback: T): T {
  if (value === null) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidArgument({ argument: `?${parameter}=`, expected: allowed.join(' | '), actual: value, fix: `Leave it out for ${fallback}.` });
}

/** Checks a positive whole number read from the page's address (`?knnEvery=`, `?picturesEvery=`); absent: `fallback`. */
export function checkEvery(parameter: string, value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  if (Number.isInteger(n) && n > 0) return n;
  throw invalidArgument({ argument: `?${parameter}=`, expected: 'a whole number of steps, at least 1', actual: value, fix: `Leave it out for ${fallback}.` });
}
