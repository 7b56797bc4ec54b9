import { checkNumber, checkOptions, invalidArgument, type Rng } from '@selfsup/core';
import type { GridLike } from './grid.js';
import { checkBatchAndGrid, checkRng, type MaskingStrategy } from './masking-strategy.js';
import { stableArgsort } from './stable-argsort.js';
import type { TokenMask } from './token-mask.js';

/** Options of {@link createRandomMasking}. */
export interface RandomMaskingOptions {
  /**
   * Share of patches removed; `floor(N * (1 - maskRatio))` patches are kept.
   * @defaultValue 0.75 (MAE)
   */
  readonly maskRatio?: number;
}

/** Caller-supplied noise for {@link RandomMasking.sampleWithIndices}, to reproduce other implementations. */
export interface MaskNoise {
  /** `[batchSize, height * width]` flattened; smaller noise means kept. Finite values. */
  readonly noise: Float32Array | Float64Array | readonly number[];
}

/** What {@link RandomMasking.sampleWithIndices} returns: MAE's mask and index tensors, on the host. */
export interface RandomMaskSample {
  /** `[batchSize, height, width]`, 1 = removed (MAE's `mask`). */
  readonly mask: TokenMask;
  /** `[batchSize, keepCount]` flattened: the kept patches in shuffle order (MAE's `ids_keep`). */
  readonly keepIndices: Int32Array;
  /** `[batchSize, height * width]` flattened: the inverse permutation (MAE's `ids_restore`). */
  readonly restoreIndices: Int32Array;
  /** `[batchSize, height * width]` flattened: patches in order of increasing noise (MAE's `ids_shuffle`). */
  readonly shuffleIndices: Int32Array;
  /** Kept patches per image, `K = floor(N * (1 - maskRatio))`. */
  readonly keepCount: number;
}

/** MAE's random masking: a {@link MaskingStrategy} that also gives the index tensors. */
export interface RandomMasking extends MaskingStrategy {
  /** The configured share of removed patches. */
  readonly maskRatio: number;
  /**
   * Draws masks and MAE's indices. `source` is the `rng` to draw the noise from, or
   * `{ noise }` to use given noise (e.g. the noise of a PyTorch run, for exact parity).
   */
  sampleWithIndices(batchSize: number, grid: GridLike, source: Rng | MaskNoise): RandomMaskSample;
}

function isNoise(source: Rng | MaskNoise): source is MaskNoise {
  return source !== null && typeof source === 'object' && 'noise' in source;
}

/**
 * Random masking as MAE does it: per-sample shuffling by sorting noise.
 *
 * For each image, one uniform noise value per patch is drawn; sorting the patches by noise
 * (ascending) gives a random permutation `shuffle`. The first `K = floor(N * (1 - maskRatio))`
 * patches of it are kept (`keepIndices`, in that order), the rest are removed; `restore` is the
 * inverse permutation (where each patch went), which MAE's decoder uses to put mask tokens back in
 * place. The binary mask is 1 on removed patches. The encoder then sees only `K` tokens per image,
 * which is what makes MAE cheap.
 *
 * @example
 * ```ts
 * import { createRng } from '@selfsup/core';
 * import { createRandomMasking, keepIndicesToTensor } from '@selfsup/masking';
 *
 * const masking = createRandomMasking({ maskRatio: 0.75 });
 * const sample = masking.sampleWithIndices(8, 14, createRng(0)); // keepCount 49 of 196
 * const keepIndices = keepIndicesToTensor(sample); // int32 [8, 49] for backbone.encode(images, { keepIndices })
 * keepIndices.dispose();
 * ```
 */
export function createRandomMasking(options: RandomMaskingOptions = {}): RandomMasking {
  options = checkOptions('createRandomMasking(options)', options, true);
  const maskRatio = checkNumber('createRandomMasking(options.maskRatio)', options.maskRatio ?? 0.75, 0, 1);
  const name = 'mae-random';

  function sampleWithIndices(batchSize: number, grid: GridLike, source: Rng | MaskNoise): RandomMaskSample {
    const { height, width } = checkBatchAndGrid(`${name}.sampleWithIndices`, batchSize, grid);
    const tokens = height * width;
    const keepCount = Math.floor(tokens * (1 - maskRatio)); // int(L * (1 - mask_ratio))
    let noise: ArrayLike<number>;
    if (isNoise(source)) {
      noise = source.noise;
      checkNoise(noise, batchSize, height, width);
    } else {
      checkRng(`${name}.sampleWithIndices(source)`, source);
      noise = source.fillUniform(new Float64Array(batchSize * tokens));
    }
    const shuffleIndices = new Int32Array(batchSize * tokens);
    const restoreIndices = new Int32Array(batchSize * tokens);
    const keepIndices = new Int32Array(batchSize * keepCount);
    const data = new Uint8Array(batchSize * tokens);
    for (let b = 0; b < batchSize; b++) {
      const offset = b * tokens;
      stableArgsort(noise, offset, tokens, shuffleIndices, offset); // ids_shuffle
      for (let rank = 0; rank < tokens; rank++) {
        const patch = shuffleIndices[offset + rank]!;
        restoreIndices[offset + patch] = rank; // ids_restore = argsort(ids_shuffle)
        if (rank < keepCount) keepIndices[b * keepCount + rank] = patch;
        else data[offset + patch] = 1;
      }
    }
    return {
      mask: { batchSize, gridHeight: height, gridWidth: width, data },
      keepIndices,
      restoreIndices,
      shuffleIndices,
      keepCount,
    };
  }

  return {
    name,
    maskRatio,
    sample(batchSize: number, grid: GridLike, rng: Rng): TokenMask {
      checkRng(`${name}.sample(rng)`, rng);
      return sampleWithIndices(batchSize, grid, rng).mask;
    },
    sampleWithIndices,
  };
}

function checkNoise(noise: ArrayLike<number>, batchSize: number, height: number, width: number): void {
  const expected = batchSize * height * width;
  if (noise === null || typeof noise !== 'object' || typeof noise.length !== 'number' || noise.length !== expected) {
    throw invalidArgument({
      code: 'SHAPE_MISMATCH',
      argument: 'mae-random.sampleWithIndices(source.noise)',
      expected: `${expected} values: [batchSize ${batchSize}, patches ${height * width}] flattened`,
      actual: noise === null || typeof noise !== 'object' ? noise : `${noise.length} values`,
      fix: 'Pass one noise value per patch of every image, row-major.',
    });
  }
  for (let i = 0; i < expected; i++) {
    if (!Number.isFinite(noise[i])) {
      throw invalidArgument({
        argument: `mae-random.sampleWithIndices(source.noise[${i}])`,
        expected: 'a finite number',
        actual: noise[i],
        fix: 'Use uniform noise in [0, 1), e.g. torch.rand.',
      });
    }
  }
}
