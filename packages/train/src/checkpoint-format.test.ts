import { describe, expect, it } from 'vitest';
import { SslError, type HostTensor } from '@selfsup/core';
import { CHECKPOINT_FORMAT, decodeCheckpoint, encodeCheckpoint, type CheckpointMetadata } from './checkpoint-format.js';

const metadata: Omit<CheckpointMetadata, 'checksum'> = {
  format: CHECKPOINT_FORMAT,
  recipe: 'hand-made',
  step: 2,
  epoch: 1,
  iterationsPerEpoch: 2,
  accumulationSteps: 1,
  seed: 0,
  rng: { algorithm: 'xoshiro128**', words: [1, 2, 3, 4] },
  modules: [['model.w', [2, 2]]],
  optimizer: { format: 'selfsup.adamw.v1', steps: { w: 2 } },
  createdAt: '2025-01-01T00:00:00.000Z',
};

function tensors(): Map<string, HostTensor> {
  return new Map([
    ['model.w', { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
    ['optimizer.w.exp_avg', { shape: [2, 2], data: new Float32Array([0.1, 0.2, 0.3, 0.4]) }],
    ['optimizer.w.exp_avg_sq', { shape: [2, 2], data: new Float32Array([0.01, 0.04, 0.09, 0.16]) }],
  ]);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof SslError ? error.code : 'not an SslError';
  }
  return undefined;
}

describe('encodeCheckpoint / decodeCheckpoint', () => {
  it('round-trips tensors and metadata, from a Uint8Array or a Node Buffer in a larger pool', () => {
    const bytes = encodeCheckpoint(metadata, tensors());
    // a Buffer that is a slice of a bigger one, as readFile may return
    const pool = Buffer.alloc(bytes.length + 24, 7);
    pool.set(bytes, 8);
    for (const input of [bytes, pool.subarray(8, 8 + bytes.length)]) {
      const decoded = decodeCheckpoint(input, 'test');
      expect(decoded.metadata).toEqual({ ...metadata, checksum: { algorithm: 'sha256', value: expect.stringMatching(/^[0-9a-f]{64}$/) } });
      expect(decoded.tensors).toEqual(tensors());
    }
  });

  it('refuses tensors that differ from their listing or their checksum', () => {
    // a moment missing from a parameter listed in optimizer.steps
    const missing = tensors();
    missing.delete('optimizer.w.exp_avg_sq');
    expect(code(() => decodeCheckpoint(encodeCheckpoint(metadata, missing)))).toBe('CHECKPOINT_CORRUPT');
    // a tensor nobody listed
    const extra = tensors().set('model.b', { shape: [1], data: new Float32Array([0]) });
    expect(code(() => decodeCheckpoint(encodeCheckpoint(metadata, extra)))).toBe('CHECKPOINT_CORRUPT');
    // a shape other than the fingerprint's
    const reshaped = tensors().set('model.w', { shape: [4], data: new Float32Array([1, 2, 3, 4]) });
    expect(code(() => decodeCheckpoint(encodeCheckpoint(metadata, reshaped)))).toBe('CHECKPOINT_CORRUPT');
    // one value changed after writing: the 4th float of the last tensor in name order
    const bytes = encodeCheckpoint(metadata, tensors());
    const view = new DataView(bytes.buffer);
    view.setFloat32(bytes.length - 4, 0.5, true);
    expect(() => decodeCheckpoint(bytes, 'edited.safetensors')).toThrow(/edited\.safetensors: its tensors do not match their checksum/);
  });

  it('rejects invalid metadata when writing', () => {
    expect(code(() => encodeCheckpoint({ ...metadata, step: -1 }, tensors()))).toBe('INVALID_ARGUMENT');
  });
});
