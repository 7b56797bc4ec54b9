import { describe, expect, it } from 'vitest';
import { bicubicMatrix, positionResampleMatrix } from './position-embedding.js';

describe('bicubic position resampling', () => {
  it('is the identity when the scale is 1', () => {
    const m = bicubicMatrix(4, 4, 1);
    // scale 1: source = (i + 0.5) - 0.5 = i, t = 0, taps (-0.75*... ) give weights [0, 1, 0, 0]
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(m[i * 4 + j]).toBeCloseTo(i === j ? 1 : 0, 12);
  });

  it('has rows that sum to 1 (cubic convolution weights are a partition of unity)', () => {
    for (const [inSize, outSize] of [
      [4, 2],
      [14, 6],
      [4, 9],
    ] as const) {
      const m = bicubicMatrix(inSize, outSize, (outSize + 0.1) / inSize);
      for (let i = 0; i < outSize; i++) {
        let s = 0;
        for (let j = 0; j < inSize; j++) s += m[i * inSize + j]!;
        expect(s).toBeCloseTo(1, 6);
      }
    }
  });

  it('matches hand-derived weights for a 4 -> 2 downsample with the +0.1 offset', () => {
    // scale = 2.1 / 4 = 0.525; 1/scale = 1.9047619; output 0 reads source 0.5 * 1.9047619 - 0.5 = 0.452381
    // index 0, t = 0.452381; weights (a = -0.75): w0 = f2(1.452381), w1 = f1(0.452381), w2 = f1(0.547619), w3 = f2(1.547619)
    // with f1(x) = (1.25x - 2.25)x^2 + 1 and f2(x) = ((-0.75x + 3.75)x - 6)x + 3; tap -1 clamps to 0.
    const f1 = (x: number) => (1.25 * x - 2.25) * x * x + 1;
    const f2 = (x: number) => ((-0.75 * x + 3.75) * x - 6) * x + 3;
    const t = Math.fround(1 / 0.525) * 0.5 - 0.5;
    const m = bicubicMatrix(4, 2, 2.1 / 4);
    expect(m[0]).toBeCloseTo(f2(1 + t) + f1(t), 6);
    expect(m[1]).toBeCloseTo(f1(1 - t), 6);
    expect(m[2]).toBeCloseTo(f2(2 - t), 6);
    expect(m[3]).toBeCloseTo(0, 12);
  });

  it('builds the 2-D matrix as the Kronecker product of the 1-D ones', () => {
    const rows = bicubicMatrix(3, 2, 2.1 / 3);
    const m2 = positionResampleMatrix(3, 2, 2);
    // out (1, 0) from in (2, 1): rows[1, 2] * cols[0, 1]
    expect(m2[(1 * 2 + 0) * 9 + 2 * 3 + 1]).toBeCloseTo(rows[1 * 3 + 2]! * rows[0 * 3 + 1]!, 6);
  });
});
