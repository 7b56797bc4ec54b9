import { describe, expect, it } from 'vitest';
import { maeDecoderProblems } from './mae-decoder-problems.js';

describe('maeDecoderProblems', () => {
  it('needs the decoder width to be a multiple of its heads', () => {
    expect(maeDecoderProblems({ embedDim: 16, headCount: 2 })).toEqual([]);
    expect(maeDecoderProblems({ embedDim: 16, headCount: 3 })).toEqual([{ key: 'decoder.headCount', expected: 'a divisor of decoder.embedDim (16)', actual: 3 }]);
  });
});
