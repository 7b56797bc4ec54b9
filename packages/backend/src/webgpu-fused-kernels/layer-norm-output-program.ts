import { ELEMENTWISE_WORKGROUP_SIZE, type WebgpuProgram } from './webgpu-program.js';

/**
 * LayerNorm's output, element-wise over `x [rows, dim]`:
 * `y = (x - mean[row]) * rstd[row] * gamma[col] + beta[col]`, in the composite formula's order
 * (`xhat = (x - mean) * rstd`, then `xhat * gamma + beta`).
 */
export class LayerNormOutputProgram implements WebgpuProgram {
  variableNames = ['x', 'mean', 'rstd', 'gamma', 'beta'];
  outputShape: number[];
  shaderKey = 'selfsupLayerNormOutput';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ELEMENTWISE_WORKGROUP_SIZE, 1, 1];
  size = true;

  constructor(rows: number, dim: number) {
    this.outputShape = [rows, dim];
    this.dispatch = [Math.max(1, Math.ceil((rows * dim) / ELEMENTWISE_WORKGROUP_SIZE)), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let dim = uniforms.xShape.y;
          let row = index / dim;
          let col = index - row * dim;
          let xhat = (x[index] - mean[row]) * rstd[row];
          setOutputAtIndex(index, xhat * gamma[col] + beta[col]);
        }
      }
    `;
  }
}
