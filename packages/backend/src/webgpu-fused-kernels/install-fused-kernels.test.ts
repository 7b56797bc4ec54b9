import { describe, expect, it } from 'vitest';
import { fusedKernelsDisabledBy } from './install-fused-kernels.js';

describe('SELFSUP_WEBGPU_FUSED_KERNELS', () => {
  it('switches the WGSL kernels off with 0, leaves them on with 1 or unset, and refuses anything else', () => {
    expect(fusedKernelsDisabledBy({})).toBe(false);
    expect(fusedKernelsDisabledBy({ SELFSUP_WEBGPU_FUSED_KERNELS: '' })).toBe(false);
    expect(fusedKernelsDisabledBy({ SELFSUP_WEBGPU_FUSED_KERNELS: '1' })).toBe(false);
    expect(fusedKernelsDisabledBy({ SELFSUP_WEBGPU_FUSED_KERNELS: ' 0 ' })).toBe(true);
    for (const value of ['off', 'false', '2']) {
      expect(() => fusedKernelsDisabledBy({ SELFSUP_WEBGPU_FUSED_KERNELS: value })).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(new RegExp(`SELFSUP_WEBGPU_FUSED_KERNELS: expected 0 .* or 1 .*got "?${value}"?`)) }),
      );
    }
  });
});
