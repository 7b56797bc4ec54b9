import { describe, expect, it } from 'vitest';
import { stableArgsort } from './stable-argsort.js';

describe('stableArgsort', () => {
  it('sorts ascending, ties by index, within a slice, into a slice of the output', () => {
    // slice [3, 1, 3, 0] of values (offset 1): ascending -> 0 (index 3), 1 (index 1), 3 (0), 3 (2)
    const values = [9, 3, 1, 3, 0, 9];
    const out = new Int32Array(6).fill(-1);
    stableArgsort(values, 1, 4, out, 2);
    expect(Array.from(out)).toEqual([-1, -1, 3, 1, 0, 2]);
  });
});
