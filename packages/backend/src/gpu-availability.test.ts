import { describe, expect, it } from 'vitest';
import { gpuAvailability } from './gpu-availability.js';

describe('gpuAvailability', () => {
  it.each(['-1', '', ' '])('reports no GPU when CUDA_VISIBLE_DEVICES=%j hides them all', async (visible) => {
    const result = await gpuAvailability({ CUDA_VISIBLE_DEVICES: visible });
    expect(result.usable).toBe(false);
    expect(result.reason).toContain('CUDA_VISIBLE_DEVICES');
  });

  it('explains its answer in one sentence', async () => {
    const result = await gpuAvailability({});
    expect(typeof result.usable).toBe('boolean');
    expect(result.reason.length).toBeGreaterThan(0);
    expect(result.reason).not.toContain('\n');
  });
});
