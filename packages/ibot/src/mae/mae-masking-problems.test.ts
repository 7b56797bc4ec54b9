import { describe, expect, it } from 'vitest';
import { maeMaskingProblems } from './mae-masking-problems.js';

describe('maeMaskingProblems', () => {
  it('needs at least one of the N patches removed', () => {
    expect(maeMaskingProblems(0.05, 28, 7)).toEqual([]); // 16 - floor(16 * 0.95 = 15.2) = 1 patch removed
    expect(maeMaskingProblems(0, 28, 7)).toEqual([{ key: 'masking.ratio', expected: 'a share that removes at least 1 of the 16 patches of a crop (>= 0.0625)', actual: 0 }]);
    expect(maeMaskingProblems(0, 30, 7)).toEqual([]); // not a multiple of the patch: the crop rule reports it
  });
});
