import { transposeHost, type HostTensor, type Parameter } from '@selfsup/core';

/** The shape `parameter` has in PyTorch (its checkpoint shape). */
export function torchShapeOf(parameter: Parameter): readonly number[] {
  return parameter.torch ? parameter.torch.shape : parameter.variable.shape;
}

/** Converts a tensor in our layout of `parameter` to its PyTorch layout. */
export function toTorchLayout(parameter: Parameter, value: HostTensor): HostTensor {
  if (!parameter.torch) return value;
  const { shape, perm } = parameter.torch;
  // ours = reshape(transpose(torch, perm), ours.shape): undo the reshape, then the transpose
  const permutedShape = perm.map((p) => shape[p]!);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return transposeHost({ shape: permutedShape, data: value.data }, inverse);
}

/** Converts a tensor in the PyTorch layout of `parameter` to ours. */
export function fromTorchLayout(parameter: Parameter, value: HostTensor): HostTensor {
  if (!parameter.torch) return { shape: [...parameter.variable.shape], data: value.data };
  const transposed = transposeHost(value, parameter.torch.perm);
  return { shape: [...parameter.variable.shape], data: transposed.data };
}
