import type * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';
import { fusedInput } from './fused-inputs.js';
import { allocate, type CpuStorageBackend, type NativeKernel } from './shared.js';

/** The fused AdamW kernel's name (docs/concepts/fused-kernels.md); @selfsup/optim's createAdamW dispatches to it. */
export const ADAMW = 'SelfsupAdamW';

/** Its attributes, in the order the addon takes them (native/adamw.h, AdamWScalars). */
export const ADAMW_ATTRIBUTES = ['decay', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'biasCorrection2Sqrt', 'eps', 'stepSize'] as const;

/** The attributes as float32 (as `tf.scalar` rounds them), checked to be numbers. */
function adamwScalars(attrs: tf.NamedAttrMap | undefined): Float32Array {
  const scalars = new Float32Array(ADAMW_ATTRIBUTES.length);
  ADAMW_ATTRIBUTES.forEach((name, i) => {
    const value = attrs?.[name];
    if (typeof value !== 'number') {
      throw invalidArgument({
        argument: `${ADAMW}(attrs.${name})`,
        expected: 'a number',
        actual: value,
        fix: `Pass every attribute of the contract (${ADAMW_ATTRIBUTES.join(', ')}; docs/concepts/fused-kernels.md).`,
      });
    }
    scalars[i] = value;
  });
  return scalars;
}

/**
 * SelfsupAdamW: `{ p, g, m, v }` (float32, one shape) with the attributes of
 * {@link ADAMW_ATTRIBUTES} -> `[p', m', v']`, one AdamW update of one parameter in one native call
 * and one pass over memory, computing exactly what @selfsup/optim's composite formula computes
 * with the separate Multiply, Add, Sqrt, RealDiv and Sub kernels (14 calls, 13 without weight decay).
 */
export const adamwKernel: NativeKernel = {
  kernelName: ADAMW,
  requires: ['adamw'],
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const { p, g, m, v } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const pv = fusedInput(backend, ADAMW, 'p', p);
    const gv = fusedInput(backend, ADAMW, 'g', g, p!.shape);
    const mv = fusedInput(backend, ADAMW, 'm', m, p!.shape);
    const vv = fusedInput(backend, ADAMW, 'v', v, p!.shape);
    const scalars = adamwScalars(args.attrs);
    const [pOut, mOut, vOut] = [allocate(backend, pv.length), allocate(backend, pv.length), allocate(backend, pv.length)];
    if (pv.length > 0) context.addon.adamw!(pv, gv, mv, vv, pOut, mOut, vOut, scalars);
    return [pOut, mOut, vOut].map((values) => backend.makeTensorInfo(p!.shape.slice(), 'float32', values));
  },
};
