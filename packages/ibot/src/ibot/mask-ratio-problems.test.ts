import { describe, expect, it } from 'vitest';
import { maskRatioProblems } from './mask-ratio-problems.js';

describe('maskRatioProblems', () => {
  it('accepts one variance, or one per ratio, each at most its ratio and within 1 with it', () => {
    expect(maskRatioProblems({ ratio: 0.3, variance: 0.1 })).toEqual([]);
    expect(maskRatioProblems({ ratio: [0, 0.3], variance: [0, 0.2] })).toEqual([]);
    expect(maskRatioProblems({ ratio: [0.1, 0.8], variance: [0.2, 0.3] }).map((p) => p.key)).toEqual(['masking.variance.0', 'masking.variance.1']);
    expect(maskRatioProblems({ ratio: [0.3], variance: [0.1, 0.2] })[0]!.key).toBe('masking.variance');
  });
});
