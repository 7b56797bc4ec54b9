import { workgroupSumWgsl } from './workgroup-sum-wgsl.js';
import { workgroupsAlongX, type WebgpuProgram } from './webgpu-program.js';

/** Which statistic of each row of `x [rows, dim]` a {@link RowStatisticsProgram} writes. */
export type RowStatistic = 'mean' | 'rstd';

/**
 * One statistic per row of `x [rows, dim]`, one workgroup per row, into `[rows, 1]`:
 * - `mean`: the row's mean;
 * - `rstd`: `1 / sqrt(var + epsilon)`, with the biased variance of the row around `mean` (an input,
 *   the mean program's output, so that both use the same mean), as tf.moments and PyTorch's
 *   LayerNorm. Uniform `epsilon`.
 * Each invocation sums a strided part of the row; {@link workgroupSumWgsl} adds the parts.
 */
export class RowStatisticsProgram implements WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;

  constructor(
    readonly statistic: RowStatistic,
    rows: number,
    workgroupSize: number,
  ) {
    this.variableNames = statistic === 'mean' ? ['x'] : ['x', 'mean'];
    this.outputShape = [rows, 1];
    this.workgroupSize = [workgroupSize, 1, 1];
    this.dispatch = workgroupsAlongX(rows);
    if (statistic === 'rstd') this.uniforms = 'epsilon : f32,';
    this.shaderKey = `selfsupRowStatistics_${statistic}_${workgroupSize}`;
  }

  getUserCode(): string {
    const size = this.workgroupSize[0];
    const term = this.statistic === 'mean' ? 'x[base + c]' : '(x[base + c] - rowMean) * (x[base + c] - rowMean)';
    const finish = this.statistic === 'mean' ? 'total.x / f32(dim)' : 'inverseSqrt(total.x / f32(dim) + uniforms.epsilon)';
    return `
      ${workgroupSumWgsl(size)}
      fn main(index : i32) {
        let row = index / ${size};
        let rows = uniforms.xShape.x;
        let dim = uniforms.xShape.y;
        var sum = 0.0;
        if (row < rows) {
          let base = row * dim;
          ${this.statistic === 'rstd' ? 'let rowMean = mean[row];' : ''}
          for (var c = i32(localIndex); c < dim; c = c + ${size}) {
            sum = sum + ${term};
          }
        }
        let total = workgroupSum(vec2<f32>(sum, 0.0));
        if (localIndex == 0u && row < rows) {
          setOutputAtIndex(row, ${finish});
        }
      }
    `;
  }
}
