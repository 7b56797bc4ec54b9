import { workgroupSumWgsl } from './workgroup-sum-wgsl.js';
import { ELEMENTWISE_WORKGROUP_SIZE, type WebgpuProgram } from './webgpu-program.js';

/**
 * The norm of `SelfsupClipNorm`, `sqrt(sum(g^2))` of a flat `[size]` gradient, into `[1]`, in one
 * workgroup (as tfjs-backend-webgpu's Sum reduces a whole tensor into one value: one workgroup per
 * output): each invocation sums the squares of every `workgroupSize`-th value in float32
 * (neighbouring invocations read neighbouring addresses), then the workgroup adds the invocations'
 * sums by halving (workgroupSumWgsl) and the first invocation writes the square root.
 */
export class ClipNormSumProgram implements WebgpuProgram {
  variableNames = ['gradient'];
  outputShape = [1];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number] = [1, 1, 1];
  workgroupSize: [number, number, number];

  /** @param workgroupSize a power of two. */
  constructor(workgroupSize: number) {
    this.workgroupSize = [workgroupSize, 1, 1];
    this.shaderKey = `selfsupClipNormSum_${workgroupSize}`;
  }

  getUserCode(): string {
    const size = this.workgroupSize[0];
    return `
      ${workgroupSumWgsl(size)}
      fn main(index : i32) {
        let n = uniforms.gradientShape;
        var sum = 0.0;
        for (var i = i32(localIndex); i < n; i = i + ${size}) {
          let value = gradient[i];
          sum = sum + value * value;
        }
        let total = workgroupSum(vec2<f32>(sum, 0.0));
        if (localIndex == 0u) {
          setOutputAtIndex(0, sqrt(total.x));
        }
      }
    `;
  }
}

/**
 * The clipped gradient of `SelfsupClipNorm`, element-wise over a flat `[size]`: with the norm the
 * {@link ClipNormSumProgram} wrote, `c = maxNorm / (norm + 1e-6)` and `g * c` where `c < 1`, else
 * `g` (a NaN norm fails the test, as in the composite's Less and Select). `maxNorm` is a float32
 * uniform (tf.scalar's rounding).
 */
export class ClipNormScaleProgram implements WebgpuProgram {
  variableNames = ['gradient', 'norm'];
  outputShape: number[];
  shaderKey = 'selfsupClipNormScale';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ELEMENTWISE_WORKGROUP_SIZE, 1, 1];
  size = true;
  uniforms = 'maxNorm : f32,';

  constructor(size: number) {
    this.outputShape = [size];
    this.dispatch = [Math.max(1, Math.ceil(size / ELEMENTWISE_WORKGROUP_SIZE)), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coefficient = uniforms.maxNorm / (norm[0] + 1e-6);
          setOutputAtIndex(index, gradient[index] * select(1.0, coefficient, coefficient < 1.0));
        }
      }
    `;
  }
}
