import { invalidArgument } from '@selfsup/core';
import type { ReduceOp } from './communicator.js';

/** Checks a collective's buffer: a Float32Array with `float32Only`, else any of the typed arrays broadcast takes. */
export function checkBuffer(argument: string, buffer: unknown, float32Only: boolean): void {
  const ok = float32Only ? buffer instanceof Float32Array : buffer instanceof Float32Array || buffer instanceof Int32Array || buffer instanceof Uint8Array;
  if (!ok) {
    throw invalidArgument({
      argument,
      expected: float32Only ? 'a Float32Array' : 'a Float32Array, Int32Array or Uint8Array',
      actual: buffer,
      fix: 'Read tensors to the host with await tensor.data() and pass that array.',
    });
  }
}

export function checkReduceOp(op: unknown): asserts op is ReduceOp {
  if (op !== 'sum' && op !== 'mean') {
    throw invalidArgument({ argument: 'communicator.allReduce(op)', expected: '"sum" or "mean"', actual: op });
  }
}

export function checkRoot(root: unknown, worldSize: number): asserts root is number {
  if (typeof root !== 'number' || !Number.isInteger(root) || root < 0 || root >= worldSize) {
    throw invalidArgument({ argument: 'communicator.broadcast(root)', expected: `a rank from 0 to ${worldSize - 1}`, actual: root });
  }
}
