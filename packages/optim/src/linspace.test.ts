import { describe, expect, it } from 'vitest';
import { linspace } from './linspace.js';

describe('linspace', () => {
  it('includes both ends with even steps, as numpy.linspace', () => {
    // step = (1 - 0) / (5 - 1) = 0.25
    expect([...linspace(0, 1, 5)]).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // step = (0.07 - 0.04) / 3 = 0.01: 0.04 + i * 0.01, the last set to 0.07 exactly
    const temperatures = linspace(0.04, 0.07, 4);
    expect(temperatures[3]).toBe(0.07);
    expect(temperatures[1]).toBeCloseTo(0.05, 15);
  });

  it('gives [start] for one value, [] for none, and a constant for equal ends', () => {
    expect([...linspace(3, 9, 1)]).toEqual([3]);
    expect([...linspace(3, 9, 0)]).toEqual([]);
    expect([...linspace(2, 2, 3)]).toEqual([2, 2, 2]);
  });

  it('counts down as well', () => {
    expect([...linspace(1, 0, 3)]).toEqual([1, 0.5, 0]);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => linspace(0, 1, -1)).toThrow(/linspace\(count\)/);
    expect(() => linspace(0, 1, 2.5)).toThrow(/linspace\(count\)/);
  });
});
