import { describe, expect, it } from 'vitest';
import { formatTick, niceTicks } from './nice-ticks.js';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten, covering the range', () => {
    // range 9.4 / 5 = 1.88 -> step 2; floor(0.3 / 2) * 2 = 0, ceil(9.7 / 2) * 2 = 10
    expect(niceTicks(0.3, 9.7, 5)).toEqual({ low: 0, high: 10, step: 2, ticks: [0, 2, 4, 6, 8, 10] });
    // range 0.0004 / 4 = 0.0001 -> step 1e-4
    expect(niceTicks(0.0001, 0.0005, 4).ticks).toEqual([0.0001, 0.0002, 0.0003, 0.0004, 0.0005]);
    // 0.9 / 3 = 0.3 -> step 0.5: 2.0, 2.5, 3.0
    expect(niceTicks(2.1, 3.0, 3)).toMatchObject({ low: 2, high: 3, step: 0.5 });
  });

  it('widens an empty range and keeps integer steps when asked', () => {
    expect(niceTicks(5, 5, 4).low).toBeLessThan(5);
    expect(niceTicks(1, 3, 10, { integer: true }).step).toBe(1); // 2 / 10 = 0.2 -> 0.2, rounded up to 1
  });
});

describe('formatTick', () => {
  it('uses the decimals of the step, and exponents for tiny values', () => {
    expect(formatTick(2.5, 0.5)).toBe('2.5');
    expect(formatTick(10, 2)).toBe('10');
    expect(formatTick(0.0002, 0.0001)).toBe('2e-4');
    expect(formatTick(0, 0.1)).toBe('0');
  });
});
