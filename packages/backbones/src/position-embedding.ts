import * as tf from '@tensorflow/tfjs-core';

const CUBIC_A = -0.75; // PyTorch's bicubic coefficient

function cubicNear(x: number): number {
  // |x| <= 1
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
}

function cubicFar(x: number): number {
  // 1 < |x| < 2
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
}

/**
 * The `[outSize, inSize]` matrix of PyTorch's 1-D bicubic resampling (`interpolate(mode='bicubic',
 * align_corners=False)`) when it is given `scaleFactor`: output `i` reads the input at
 * `(i + 0.5) / scaleFactor - 0.5` through four taps with the cubic convolution kernel (a = -0.75),
 * border taps clamped to the edge. The index and fraction follow PyTorch's
 * `guard_index_and_lambda`.
 */
export function bicubicMatrix(inSize: number, outSize: number, scaleFactor: number): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const inverse = Math.fround(1 / scaleFactor); // PyTorch computes 1/scale in double, then uses float
  for (let i = 0; i < outSize; i++) {
    const real = inverse * (i + 0.5) - 0.5;
    const index = Math.min(Math.floor(real), inSize - 1);
    const t = Math.min(Math.max(real - index, 0), 1);
    const weights = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
    for (let k = 0; k < 4; k++) {
      const source = Math.min(Math.max(index - 1 + k, 0), inSize - 1);
      m[i * inSize + source] = m[i * inSize + source]! + weights[k]!;
    }
  }
  return m;
}

const cache = new Map<string, Float32Array>();

/**
 * The `[outH * outW, gridSize * gridSize]` matrix that resamples a square grid of position
 * embeddings to `outH x outW` as the official iBOT/DINO `interpolate_pos_encoding` does: bicubic
 * with scale factors `(outH + 0.1) / gridSize` and `(outW + 0.1) / gridSize` (the +0.1 keeps
 * `floor(gridSize * scale)` from rounding below the target size).
 */
export function positionResampleMatrix(gridSize: number, outHeight: number, outWidth: number): Float32Array {
  const key = `${gridSize}:${outHeight}:${outWidth}`;
  let matrix = cache.get(key);
  if (!matrix) {
    const rows = bicubicMatrix(gridSize, outHeight, (outHeight + 0.1) / gridSize);
    const cols = bicubicMatrix(gridSize, outWidth, (outWidth + 0.1) / gridSize);
    matrix = new Float32Array(outHeight * outWidth * gridSize * gridSize);
    // Kronecker product: out[(i, j)] = sum_(a, b) rows[i, a] * cols[j, b] * in[(a, b)]
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++) {
        const row = (i * outWidth + j) * gridSize * gridSize;
        for (let a = 0; a < gridSize; a++) {
          const ra = rows[i * gridSize + a]!;
          if (ra === 0) continue;
          for (let b = 0; b < gridSize; b++) matrix[row + a * gridSize + b] = ra * cols[j * gridSize + b]!;
        }
      }
    }
    cache.set(key, matrix);
  }
  return matrix;
}

/**
 * Resamples patch position embeddings `[gridSize * gridSize, dim]` to an `outH x outW` grid,
 * differentiably (a matmul with {@link positionResampleMatrix}). The caller owns the result.
 */
export function resamplePositionEmbedding(
  patchPositions: tf.Tensor2D,
  gridSize: number,
  outHeight: number,
  outWidth: number,
): tf.Tensor2D {
  return tf.tidy('resamplePositionEmbedding', () => {
    const m = tf.tensor2d(positionResampleMatrix(gridSize, outHeight, outWidth), [outHeight * outWidth, gridSize * gridSize]);
    // [outH*outW, g*g] x [g*g, D] -> [outH*outW, D]
    return tf.matMul(m, patchPositions);
  });
}
