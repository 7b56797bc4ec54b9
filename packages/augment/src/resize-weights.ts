/** How a crop is resampled to its output size. */
export type Interpolation = 'bilinear' | 'bicubic';

/** The triangle filter of bilinear resampling (support 1). */
function triangle(x: number): number {
  const t = Math.abs(x);
  return t < 1 ? 1 - t : 0;
}

/** Keys' cubic convolution filter with a = -0.5, as Pillow's BICUBIC (support 2). */
function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/**
 * Writes the resampling weights that map `length` input pixels starting at `start` (a crop along
 * one axis of an axis of `inSize` pixels) to `outSize` output pixels, into `out` (row-major
 * `[outSize, inSize]`, zero elsewhere), following Pillow's `ImagingResample` (which is also what
 * torchvision does on PIL images and, with `antialias`, on tensors):
 *
 * - output pixel `o` is centred at `c = (o + 0.5) · length / outSize` in crop coordinates;
 * - when shrinking (`length > outSize`) and `antialias` is on, the filter is stretched by
 *   `length / outSize` so that every input pixel contributes (no aliasing);
 * - input pixel `x` (centre `x + 0.5`) weighs `filter((x + 0.5 - c) / stretch)`; taps outside the
 *   crop are dropped and the remaining weights renormalised to sum to 1.
 *
 * `reverse` writes output pixel `o` into row `outSize - 1 - o` (a horizontal flip for free).
 */
export function writeResizeWeights(
  out: Float32Array,
  offset: number,
  inSize: number,
  start: number,
  length: number,
  outSize: number,
  interpolation: Interpolation,
  antialias: boolean,
  reverse = false,
): void {
  const filter = interpolation === 'bicubic' ? cubic : triangle;
  const filterSupport = interpolation === 'bicubic' ? 2 : 1;
  const scale = length / outSize;
  const stretch = antialias ? Math.max(scale, 1) : 1;
  const support = filterSupport * stretch;
  const weights = new Float64Array(Math.ceil(support) * 2 + 2);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const first = Math.max(Math.trunc(centre - support + 0.5), 0);
    const end = Math.min(Math.trunc(centre + support + 0.5), length);
    let total = 0;
    for (let x = first; x < end; x++) {
      const w = filter((x - centre + 0.5) / stretch);
      weights[x - first] = w;
      total += w;
    }
    const row = offset + (reverse ? outSize - 1 - o : o) * inSize + start;
    for (let x = first; x < end; x++) out[row + x] = total !== 0 ? weights[x - first]! / total : 0;
  }
}
