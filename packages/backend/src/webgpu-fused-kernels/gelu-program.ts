import { NORMAL_CDF_WGSL } from './normal-cdf-wgsl.js';
import { ELEMENTWISE_WORKGROUP_SIZE, type WebgpuProgram } from './webgpu-program.js';

/** What a {@link GeluProgram} computes, element-wise over a flat `[size]`. */
export type GeluPart = 'value' | 'grad';

/**
 * Exact (erf) GELU in one program, element-wise over a flat `[size]`:
 * - `value`: `y = x * Phi(x)` (PyTorch's `nn.GELU()`, approximate='none');
 * - `grad`: `dx = dy * (Phi(x) + x * phi(x))`.
 * Phi and phi come from {@link NORMAL_CDF_WGSL}.
 */
export class GeluProgram implements WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ELEMENTWISE_WORKGROUP_SIZE, 1, 1];
  size = true;

  constructor(
    readonly part: GeluPart,
    size: number,
  ) {
    this.variableNames = part === 'value' ? ['x'] : ['dy', 'x'];
    this.outputShape = [size];
    this.dispatch = [Math.max(1, Math.ceil(size / ELEMENTWISE_WORKGROUP_SIZE)), 1, 1];
    this.shaderKey = `selfsupGelu_${part}`;
  }

  getUserCode(): string {
    const result = this.part === 'value' ? 'v * normalCdf(v)' : 'dy[index] * (normalCdf(v) + v * normalPdf(v))';
    return `
      ${NORMAL_CDF_WGSL}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let v = x[index];
          setOutputAtIndex(index, ${result});
        }
      }
    `;
  }
}
