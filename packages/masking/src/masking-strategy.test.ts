import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRng, restoreRng, SslError } from '@selfsup/core';
import { createBatchMasking } from './batch-masking.js';
import { createBeitBlockMasking } from './beit-block-masking.js';
import { createBlockMasking } from './block-masking.js';
import type { MaskingStrategy } from './masking-strategy.js';
import { createRandPatchMasking } from './rand-patch-masking.js';
import { createRandomMasking } from './random-masking.js';
import { createSimMimMasking } from './simmim-masking.js';

// every strategy, each with a grid it accepts (SimMIM's default needs an even grid)
const strategies: [MaskingStrategy, { height: number; width: number }][] = [
  [createBlockMasking(), { height: 14, width: 10 }],
  [createBeitBlockMasking({ maskRatio: 0.4 }), { height: 14, width: 10 }],
  [createRandPatchMasking(), { height: 14, width: 10 }],
  [createRandomMasking(), { height: 14, width: 10 }],
  [createSimMimMasking(), { height: 14, width: 10 }],
  [createBatchMasking(), { height: 14, width: 10 }],
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('MaskingStrategy (every strategy)', () => {
  for (const [strategy, grid] of strategies) {
    describe(strategy.name, () => {
      it('returns a TokenMask [batch, height, width] of 0/1 with some patches masked', () => {
        const mask = strategy.sample(16, grid, createRng(0));
        expect(mask).toMatchObject({ batchSize: 16, gridHeight: grid.height, gridWidth: grid.width });
        expect(mask.data).toBeInstanceOf(Uint8Array);
        expect(mask.data.length).toBe(16 * grid.height * grid.width);
        expect(mask.data.every((v) => v === 0 || v === 1)).toBe(true);
        expect(mask.data.some((v) => v === 1)).toBe(true);
      });

      it('draws only from the injected rng: same state, same masks; never Math.random', () => {
        const spy = vi.spyOn(Math, 'random').mockImplementation(() => {
          throw new Error('Math.random called');
        });
        const rng = createRng(42);
        const state = rng.getState();
        const first = strategy.sample(8, grid, rng).data;
        expect(strategy.sample(8, grid, restoreRng(state)).data).toEqual(first);
        expect(strategy.sample(8, grid, createRng(43)).data).not.toEqual(first);
        expect(spy).not.toHaveBeenCalled();
      });

      it('rejects a grid of zero size, a bad batch size and a missing rng with SslError', () => {
        expect(() => strategy.sample(2, 0, createRng(0))).toThrow(SslError);
        expect(() => strategy.sample(2, { height: 4, width: 0 }, createRng(0))).toThrow(/grid/);
        expect(() => strategy.sample(0, grid, createRng(0))).toThrow(/batchSize/);
        expect(() => strategy.sample(2, grid, null as never)).toThrow(SslError);
      });
    });
  }

  it('every factory refuses null options with INVALID_ARGUMENT, not a TypeError (undefined gives the defaults)', () => {
    const factories: [string, (options?: never) => MaskingStrategy][] = [
      ['createBatchMasking', createBatchMasking],
      ['createBeitBlockMasking', createBeitBlockMasking],
      ['createBlockMasking', createBlockMasking],
      ['createRandPatchMasking', createRandPatchMasking],
      ['createRandomMasking', createRandomMasking],
      ['createSimMimMasking', createSimMimMasking],
    ];
    for (const [name, create] of factories) {
      expect(create(undefined).name).toBeTypeOf('string');
      for (const options of [null, [], 0.5]) {
        expect(() => create(options as never), `${name}(${String(options)})`).toThrow(
          expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining(`${name}(options): expected an options object`) }),
        );
      }
    }
  });
});
