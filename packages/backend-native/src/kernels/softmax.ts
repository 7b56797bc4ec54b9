import * as tf from '@tensorflow/tfjs-core';
import { float32Values, type CpuStorageBackend, type NativeKernel, allocate } from './shared.js';

/**
 * Softmax over the last axis, one native pass per row computing exactly the cpu kernel's steps
 * (max, subtract, exp in double, sum in double, divide). Log-softmax has no kernel of its own in
 * tfjs: it runs as Max, Sub, Exp, Sum and Log, which are native too.
 */
export const softmaxKernel: NativeKernel = {
  kernelName: tf.Softmax,
  create: (context) => (args) => {
    const backend = args.backend as unknown as CpuStorageBackend;
    const logits = args.inputs.logits as tf.TensorInfo;
    const { dim } = args.attrs as unknown as tf.SoftmaxAttrs;
    const rank = logits.shape.length;
    const xv = float32Values(backend, logits);
    if (!xv || rank === 0 || !(dim === -1 || dim === rank - 1)) return context.fallback(args);
    const cols = logits.shape[rank - 1]!;
    const out = allocate(backend, xv.length);
    if (cols > 0) context.addon.softmax(xv, out, xv.length / cols, cols);
    return backend.makeTensorInfo(logits.shape.slice(), 'float32', out);
  },
};
