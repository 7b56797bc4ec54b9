import * as tf from '@tensorflow/tfjs-core';
import { BinaryOp, UnaryOp } from '../addon.js';
import { float32Values, nativeBroadcastShape, sizeOf, type CpuStorageBackend, type NativeKernel, allocate } from './shared.js';

type Attrs = Record<string, unknown>;

function unaryKernel(kernelName: string, op: number, params: (attrs: Attrs) => [number, number] = () => [0, 0]): NativeKernel {
  return {
    kernelName,
    create: (context) => (args) => {
      const backend = args.backend as unknown as CpuStorageBackend;
      const x = args.inputs.x as tf.TensorInfo;
      const xv = float32Values(backend, x);
      if (!xv) return context.fallback(args);
      const out = allocate(backend, xv.length);
      const [p1, p2] = params((args.attrs ?? {}) as Attrs);
      context.addon.unary(op, xv, out, p1, p2);
      return backend.makeTensorInfo(x.shape.slice(), 'float32', out);
    },
  };
}

function binaryKernel(kernelName: string, op: number, inputNames: [string, string] = ['a', 'b']): NativeKernel {
  return {
    kernelName,
    create: (context) => (args) => {
      const backend = args.backend as unknown as CpuStorageBackend;
      const a = args.inputs[inputNames[0]] as tf.TensorInfo;
      const b = args.inputs[inputNames[1]] as tf.TensorInfo;
      const av = float32Values(backend, a);
      const bv = float32Values(backend, b);
      const outShape = av && bv ? nativeBroadcastShape(a.shape, b.shape) : undefined;
      if (!av || !bv || !outShape) return context.fallback(args);
      const out = allocate(backend, sizeOf(outShape));
      if (out.length > 0) context.addon.binary(op, av, a.shape, bv, b.shape, out, outShape);
      return backend.makeTensorInfo(outShape, 'float32', out);
    },
  };
}

const alpha = (attrs: Attrs): [number, number] => [Number(attrs.alpha ?? 0), 0];

/**
 * Pow of a float32 base: a scalar exponent 2 is a native square (Math.pow(x, 2) is x * x), int32
 * exponents (tf.norm's `pow(|x|, 2)`) are converted to float32 exactly, the rest is a native pow.
 */
function powKernel(): NativeKernel {
  const general = binaryKernel(tf.Pow, BinaryOp.Pow);
  return {
    kernelName: tf.Pow,
    create: (context) => {
      const pow = general.create(context);
      return (args) => {
        const backend = args.backend as unknown as CpuStorageBackend;
        const a = args.inputs.a as tf.TensorInfo;
        const b = args.inputs.b as tf.TensorInfo;
        const av = float32Values(backend, a);
        const bValues = backend.data.get(b.dataId).values;
        if (!av || !(bValues instanceof Float32Array || (b.dtype === 'int32' && bValues instanceof Int32Array)) || b.shape.length > a.shape.length) {
          return context.fallback(args);
        }
        if (bValues.length === 1 && bValues[0] === 2) {
          const out = allocate(backend, av.length);
          context.addon.unary(UnaryOp.Square, av, out);
          const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
          return backend.makeTensorInfo(outShape, 'float32', out);
        }
        if (b.dtype === 'float32') return pow(args);
        // Exact: |int32 exponent| < 2^24 in practice; larger ones keep the cpu kernel.
        if (bValues.some((v) => Math.abs(v) > 2 ** 24)) return context.fallback(args);
        const exponents = Float32Array.from(bValues as Int32Array);
        const outShape = nativeBroadcastShape(a.shape, b.shape);
        if (!outShape) return context.fallback(args);
        const out = allocate(backend, sizeOf(outShape));
        if (out.length > 0) context.addon.binary(BinaryOp.Pow, av, a.shape, exponents, b.shape, out, outShape);
        return backend.makeTensorInfo(outShape, 'float32', out);
      };
    },
  };
}

/** The element-wise kernels that run natively on float32 tensors (others fall back to cpu). */
export const elementwiseKernels: readonly NativeKernel[] = [
  unaryKernel(tf.Exp, UnaryOp.Exp),
  unaryKernel(tf.Log, UnaryOp.Log),
  unaryKernel(tf.Sqrt, UnaryOp.Sqrt),
  unaryKernel(tf.Rsqrt, UnaryOp.Rsqrt),
  unaryKernel(tf.Square, UnaryOp.Square),
  unaryKernel(tf.Neg, UnaryOp.Neg),
  unaryKernel(tf.Abs, UnaryOp.Abs),
  unaryKernel(tf.Erf, UnaryOp.Erf),
  unaryKernel(tf.Tanh, UnaryOp.Tanh),
  unaryKernel(tf.Sigmoid, UnaryOp.Sigmoid),
  unaryKernel(tf.Relu, UnaryOp.Relu),
  unaryKernel(tf.Relu6, UnaryOp.Relu6),
  unaryKernel(tf.Elu, UnaryOp.Elu),
  unaryKernel(tf.LeakyRelu, UnaryOp.LeakyRelu, alpha),
  unaryKernel(tf.Reciprocal, UnaryOp.Reciprocal),
  unaryKernel(tf.Log1p, UnaryOp.Log1p),
  unaryKernel(tf.Softplus, UnaryOp.Softplus),
  unaryKernel(tf.ClipByValue, UnaryOp.ClipByValue, (attrs) => [Number(attrs.clipValueMin), Number(attrs.clipValueMax)]),
  unaryKernel(tf.Step, UnaryOp.Step, alpha),
  unaryKernel(tf.Sign, UnaryOp.Sign),
  unaryKernel(tf.Expm1, UnaryOp.Expm1),
  binaryKernel(tf.Add, BinaryOp.Add),
  binaryKernel(tf.Sub, BinaryOp.Sub),
  binaryKernel(tf.Multiply, BinaryOp.Multiply),
  binaryKernel(tf.RealDiv, BinaryOp.RealDiv),
  binaryKernel(tf.Maximum, BinaryOp.Maximum),
  binaryKernel(tf.Minimum, BinaryOp.Minimum),
  binaryKernel(tf.SquaredDifference, BinaryOp.SquaredDifference),
  powKernel(),
  binaryKernel(tf.Prelu, BinaryOp.Prelu, ['x', 'alpha']),
  {
    kernelName: tf.AddN,
    create: (context) => (args) => {
      const backend = args.backend as unknown as CpuStorageBackend;
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      const values = inputs.map((t) => float32Values(backend, t));
      const first = inputs[0];
      if (!first || values.some((v) => v === undefined) || inputs.some((t) => t.shape.length !== first.shape.length || t.shape.some((d, i) => d !== first.shape[i]))) {
        return context.fallback(args);
      }
      const out = allocate(backend, sizeOf(first.shape));
      if (out.length > 0) context.addon.addN(values as Float32Array[], out);
      return backend.makeTensorInfo(first.shape.slice(), 'float32', out);
    },
  },
];
