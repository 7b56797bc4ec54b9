import { describe, expect, it } from 'vitest';
import { maskStartProblems } from './mask-start-problems.js';

describe('maskStartProblems', () => {
  it('accepts a masking start up to the last epoch and refuses one past the end, naming both keys', () => {
    expect(maskStartProblems({ epochs: 10, masking: { startEpoch: 0 } })).toEqual([]);
    expect(maskStartProblems({ epochs: 10, masking: { startEpoch: 10 } })).toEqual([]);
    const [problem, ...rest] = maskStartProblems({ epochs: 10, masking: { startEpoch: 13 } });
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ key: 'masking.startEpoch', actual: 13 });
    expect(problem!.expected).toMatch(/at most epochs \(10\).*raise epochs/);
  });
});
