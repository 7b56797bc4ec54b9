import { describe, expect, it } from 'vitest';
import { collapseVerdict } from './collapse-verdict.js';

const logK = Math.log(1024); // 6.93

describe('collapseVerdict', () => {
  it('tells the two collapse modes of the DINO paper from a healthy teacher', () => {
    const report = (meanEntropy: number, entropyOfMean: number) => ({ iteration: 0, meanEntropy, entropyOfMean, klToUniform: logK - entropyOfMean, maxEntropy: logK });
    expect(collapseVerdict(report(1.2, 6.5)).level).toBe('healthy'); // sharp, spread over prototypes
    expect(collapseVerdict(report(6.6, 6.9)).level).toBe('uniform'); // flat outputs
    expect(collapseVerdict(report(0.1, 1.0)).level).toBe('one-dimension'); // every image on the same few prototypes
    expect(collapseVerdict(report(6.6, 6.9)).text).toMatch(/lower the teacher temperature/);
  });
});
