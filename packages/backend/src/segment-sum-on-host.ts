type NumericArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * `target[ids[r] * inner + j] += source[r * inner + j]` for every row `r`, in row order; rows whose
 * id is outside [0, numSegments) are dropped, as in TensorFlow. `target` (numSegments x inner)
 * must start at zero. The one loop behind the host-side `UnsortedSegmentSum` kernels that
 * `@selfsup/backend` installs for wasm and cpu.
 */
export function sumRowsIntoSegments(source: NumericArray, ids: Int32Array, numSegments: number, inner: number, target: NumericArray): void {
  for (let row = 0; row < ids.length; row++) {
    const id = ids[row]!;
    if (id < 0 || id >= numSegments) continue;
    const from = row * inner;
    const to = id * inner;
    for (let j = 0; j < inner; j++) target[to + j]! += source[from + j]!;
  }
}
