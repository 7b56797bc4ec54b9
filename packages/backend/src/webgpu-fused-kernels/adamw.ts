import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';
import { ADAMW_ATTRIBUTES, AdamWProgram, type AdamWAttribute, type AdamWPart } from './adamw-program.js';
import { checkFloat32, checkShape } from './fused-kernel-inputs.js';
import { flat } from './gelu.js';
import type { WebgpuKernelBackend } from './webgpu-program.js';

/** The fused AdamW kernel's name (the contract of @selfsup/backbones' fused-kernel.ts). */
export const SELFSUP_ADAMW = 'SelfsupAdamW';

/** Attribute `name`, checked to be a number (the program's float32 uniform rounds it as tf.scalar does). */
function attribute(attrs: tf.NamedAttrMap | undefined, name: AdamWAttribute): number {
  const value = attrs?.[name];
  if (typeof value !== 'number') {
    throw invalidArgument({ argument: `${SELFSUP_ADAMW} attrs.${name}`, expected: 'a number', actual: value, fix: `Pass every attribute of the contract (${ADAMW_ATTRIBUTES.join(', ')}; docs/concepts/fused-kernels.md).` });
  }
  return value;
}

/**
 * `SelfsupAdamW` on webgpu: inputs `{ p, g, m, v }` (float32, one shape), attrs `{ decay, beta1,
 * oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection2Sqrt, eps, stepSize }`, outputs
 * `[p', m', v']` of p's shape: one AdamW update of one parameter in three dispatches (m', v', then
 * p' from them), where the composite formula of @selfsup/optim's createAdamW takes 13 or 14.
 */
export function adamwWebgpu(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as WebgpuKernelBackend;
  const p = checkFloat32(SELFSUP_ADAMW, 'p', args.inputs.p);
  const g = checkShape(SELFSUP_ADAMW, 'g', args.inputs.g, p.shape, 'the gradient, shaped as p');
  const m = checkShape(SELFSUP_ADAMW, 'm', args.inputs.m, p.shape, 'the first moment, shaped as p');
  const v = checkShape(SELFSUP_ADAMW, 'v', args.inputs.v, p.shape, 'the second moment, shaped as p');
  for (const name of ADAMW_ATTRIBUTES) attribute(args.attrs, name);
  const [weights, gradient] = [flat(p), flat(g)];
  const size = weights.shape[0]!;
  const run = (part: AdamWPart, inputs: tf.TensorInfo[]) => {
    const program = new AdamWProgram(part, size);
    // one entry per f32 member: tfjs aligns an entry of n values as a vector of n
    const uniforms = program.uniformNames.map((name) => ({ type: 'float32' as const, data: [attribute(args.attrs, name)] }));
    return backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
  };
  const nextM = run('firstMoment', [flat(m), gradient]);
  const nextV = run('secondMoment', [flat(v), gradient]);
  const nextP = run('weights', [weights, nextM, nextV]);
  return [nextP, nextM, nextV].map((out) => ({ dataId: out.dataId, dtype: out.dtype, shape: [...p.shape] }));
}

/** The kernel's registration for the `webgpu` backend. */
export const adamwWebgpuConfig: tf.KernelConfig = {
  kernelName: SELFSUP_ADAMW,
  backendName: 'webgpu',
  kernelFunc: adamwWebgpu as unknown as tf.KernelFunc,
};
