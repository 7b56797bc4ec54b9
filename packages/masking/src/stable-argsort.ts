/**
 * The indices that sort `values[offset .. offset + length)` ascending, ties in index order (a
 * stable argsort). Writes them into `out[outOffset .. outOffset + length)`.
 */
export function stableArgsort(
  values: ArrayLike<number>,
  offset: number,
  length: number,
  out: Int32Array,
  outOffset: number,
): void {
  const order = out.subarray(outOffset, outOffset + length);
  for (let i = 0; i < length; i++) order[i] = i;
  order.sort((a, b) => values[offset + a]! - values[offset + b]! || a - b);
}
