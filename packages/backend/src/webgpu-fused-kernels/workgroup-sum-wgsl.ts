/**
 * WGSL for `workgroupSum(value: vec2<f32>) -> vec2<f32>`: the sum over the `size` invocations of
 * one workgroup (a power of two), by halving in workgroup memory, returned to every invocation.
 * Two sums at once (a LayerNorm row needs two). Call it from uniform control flow only (it holds
 * barriers): every invocation of the workgroup, none inside a branch on its own index.
 */
export function workgroupSumWgsl(size: number): string {
  if (!Number.isInteger(Math.log2(size))) throw new Error(`workgroupSumWgsl: the workgroup size must be a power of two, got ${size}`);
  return `
    var<workgroup> partialSums : array<vec2<f32>, ${size}>;
    fn workgroupSum(value : vec2<f32>) -> vec2<f32> {
      partialSums[localIndex] = value;
      workgroupBarrier();
      for (var stride = ${size / 2}u; stride > 0u; stride = stride / 2u) {
        if (localIndex < stride) {
          partialSums[localIndex] = partialSums[localIndex] + partialSums[localIndex + stride];
        }
        workgroupBarrier();
      }
      let total = partialSums[0];
      // Every invocation reads the total before the array can be written again.
      workgroupBarrier();
      return total;
    }
  `;
}
