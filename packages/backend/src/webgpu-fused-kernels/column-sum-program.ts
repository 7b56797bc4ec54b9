import type { WebgpuProgram } from './webgpu-program.js';

/** Which column sum of `[rows, dim]` a {@link ColumnSumProgram} writes. */
export type ColumnSum = 'dgamma' | 'dbeta';

/** Adjacent columns one workgroup sums: 8 float32 values are one 32-byte memory segment. */
const COLUMNS_PER_WORKGROUP = 8;

/**
 * LayerNorm's parameter gradients, sums over the rows of `[rows, dim]` into `[dim]`:
 * - `dbeta = sum_rows(dy)`;
 * - `dgamma = sum_rows(dy * xhat)`, `xhat = (x - mean) * rstd` recomputed from the saved statistics.
 * A workgroup owns 8 adjacent columns; its invocations are 8 columns by `lanes` rows, each lane
 * summing every `lanes`-th row (neighbouring invocations read neighbouring addresses), then the
 * lanes are added by halving in workgroup memory.
 */
export class ColumnSumProgram implements WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];

  /** @param workgroupSize a power of two, at least 16. */
  constructor(
    readonly sum: ColumnSum,
    dim: number,
    workgroupSize: number,
  ) {
    this.variableNames = sum === 'dbeta' ? ['dy'] : ['dy', 'x', 'mean', 'rstd'];
    this.outputShape = [dim];
    this.workgroupSize = [workgroupSize, 1, 1];
    this.dispatch = [Math.ceil(dim / COLUMNS_PER_WORKGROUP), 1, 1];
    this.shaderKey = `selfsupColumnSum_${sum}_${workgroupSize}`;
  }

  getUserCode(): string {
    const size = this.workgroupSize[0];
    const lanes = size / COLUMNS_PER_WORKGROUP;
    const term = this.sum === 'dbeta' ? 'dy[r * dim + col]' : 'dy[r * dim + col] * ((x[r * dim + col] - mean[r]) * rstd[r])';
    return `
      var<workgroup> laneSums : array<f32, ${size}>;
      fn main(index : i32) {
        let group = index / ${size};
        let col = group * ${COLUMNS_PER_WORKGROUP} + i32(localIndex % ${COLUMNS_PER_WORKGROUP}u);
        let lane = i32(localIndex / ${COLUMNS_PER_WORKGROUP}u);
        let rows = uniforms.dyShape.x;
        let dim = uniforms.dyShape.y;
        var sum = 0.0;
        if (col < dim) {
          for (var r = lane; r < rows; r = r + ${lanes}) {
            sum = sum + ${term};
          }
        }
        laneSums[localIndex] = sum;
        workgroupBarrier();
        for (var stride = ${lanes / 2}u; stride > 0u; stride = stride / 2u) {
          if (u32(lane) < stride) {
            laneSums[localIndex] = laneSums[localIndex] + laneSums[localIndex + stride * ${COLUMNS_PER_WORKGROUP}u];
          }
          workgroupBarrier();
        }
        if (lane == 0 && col < dim) {
          setOutputAtIndex(col, laneSums[localIndex]);
        }
      }
    `;
  }
}
