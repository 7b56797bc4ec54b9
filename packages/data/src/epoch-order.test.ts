import { describe, expect, it } from 'vitest';
import { epochOrder } from './epoch-order.js';

describe('epochOrder', () => {
  it('is a permutation fixed by (seed, epoch)', () => {
    const order = epochOrder(50, 7, 3);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 7, 3)).toEqual(order);
    expect(epochOrder(50, 7, 4)).not.toEqual(order);
    expect(epochOrder(50, 8, 3)).not.toEqual(order);
    expect(epochOrder(50, 7, 0)).not.toEqual(epochOrder(50, 7, 1));
  });

  it('checks its arguments', () => {
    expect(() => epochOrder(5, 1, -1)).toThrow(/epoch/);
    expect(() => epochOrder(5, -1, 0)).toThrow(/seed/);
  });
});
