import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { expectClose } from '@selfsup/testing';
import { relativePositionIndex, rollSpatial, shiftedWindowMask, windowPartition, windowReverse } from './swin-windows.js';

/** A [1, 4, 4, 1] grid holding 10 * row + column. */
const grid = () => tf.tensor4d(Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4)), [1, 4, 4, 1]);

describe('Swin window helpers', () => {
  it('relativePositionIndex: (y_i - y_j + w - 1) * (2w - 1) + (x_i - x_j + w - 1) for a 2x2 window', () => {
    // tokens (0,0) (0,1) (1,0) (1,1); e.g. token 0 to token 3: dy = -1, dx = -1 -> 0 * 3 + 0 = 0,
    // token 3 to token 0: dy = 1, dx = 1 -> 2 * 3 + 2 = 8, every token to itself: 1 * 3 + 1 = 4
    expect([...relativePositionIndex(2)]).toEqual([4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]);
  });

  it('shiftedWindowMask: -100 between tokens from different regions after the shift, 0 within one', () => {
    // 4x4 grid, window 2, shift 1: along each axis positions 0-1 are region 0, 2 region 1, 3 region 2
    const mask = shiftedWindowMask(4, 4, 2, 1);
    expect(mask.length).toBe(4 * 4 * 4);
    // window (0, 0): all in region (0, 0): nothing masked
    expect([...mask.slice(0, 16)]).toEqual(new Array(16).fill(0));
    // window (1, 1): rows 2-3 and columns 2-3, four different regions: only the diagonal is 0
    expect([...mask.slice(48, 64)]).toEqual(Array.from({ length: 16 }, (_, k) => (Math.floor(k / 4) === k % 4 ? 0 : -100)));
    // window (0, 1): rows 0-1 (region 0), columns 2 and 3 (regions 1 and 2): tokens 0, 2 vs 1, 3
    expect([...mask.slice(16, 32)]).toEqual([0, -100, 0, -100, -100, 0, -100, 0, 0, -100, 0, -100, -100, 0, -100, 0]);
  });

  it('windowPartition cuts windows row-major with tokens row-major, and windowReverse undoes it', async () => {
    const x = grid();
    const windows = windowPartition(x, 2);
    expect(windows.shape).toEqual([4, 4, 1]);
    expectClose(windows, [0, 1, 10, 11, 2, 3, 12, 13, 20, 21, 30, 31, 22, 23, 32, 33], { rtol: 0, atol: 0 });
    expectClose(windowReverse(windows, 2, 4, 4), x, { rtol: 0, atol: 0 });
  });

  it('rollSpatial is torch.roll over height and width', () => {
    // roll by -1: row y takes row y + 1 and column x column x + 1 (cyclically)
    expectClose(rollSpatial(grid(), -1), [11, 12, 13, 10, 21, 22, 23, 20, 31, 32, 33, 30, 1, 2, 3, 0], { rtol: 0, atol: 0 });
    expectClose(rollSpatial(rollSpatial(grid(), -1), 1), grid(), { rtol: 0, atol: 0 });
  });
});
