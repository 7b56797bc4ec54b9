import { workgroupSumWgsl } from './workgroup-sum-wgsl.js';
import { workgroupsAlongX, type WebgpuProgram } from './webgpu-program.js';

/**
 * LayerNorm's input gradient, one workgroup per row of `[rows, dim]`:
 * with `xhat = (x - mean) * rstd` and `g = dy * gamma`,
 * `dx = rstd * ((g - mean(g)) - xhat * mean(g * xhat))`, the composite formula's order; both row
 * means come from one {@link workgroupSumWgsl} pass, then each invocation writes its part of the row.
 */
export class LayerNormInputGradProgram implements WebgpuProgram {
  variableNames = ['dy', 'x', 'gamma', 'mean', 'rstd'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];

  constructor(rows: number, dim: number, workgroupSize: number) {
    this.outputShape = [rows, dim];
    this.workgroupSize = [workgroupSize, 1, 1];
    this.dispatch = workgroupsAlongX(rows);
    this.shaderKey = `selfsupLayerNormInputGrad_${workgroupSize}`;
  }

  getUserCode(): string {
    const size = this.workgroupSize[0];
    return `
      ${workgroupSumWgsl(size)}
      fn main(index : i32) {
        let row = index / ${size};
        let rows = uniforms.xShape.x;
        let dim = uniforms.xShape.y;
        let inRange = row < rows;
        let base = row * dim;
        var rowMean = 0.0;
        var rowRstd = 0.0;
        var sums = vec2<f32>(0.0, 0.0);
        if (inRange) {
          rowMean = mean[row];
          rowRstd = rstd[row];
          for (var c = i32(localIndex); c < dim; c = c + ${size}) {
            let g = dy[base + c] * gamma[c];
            let xhat = (x[base + c] - rowMean) * rowRstd;
            sums = sums + vec2<f32>(g, g * xhat);
          }
        }
        let means = workgroupSum(sums) / f32(dim);
        if (inRange) {
          for (var c = i32(localIndex); c < dim; c = c + ${size}) {
            let g = dy[base + c] * gamma[c];
            let xhat = (x[base + c] - rowMean) * rowRstd;
            setOutputAtIndex(base + c, rowRstd * ((g - means.x) - xhat * means.y));
          }
        }
      }
    `;
  }
}
