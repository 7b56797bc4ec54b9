import { ELEMENTWISE_WORKGROUP_SIZE, type WebgpuProgram } from './webgpu-program.js';

/** The attributes of SelfsupAdamW (docs/concepts/fused-kernels.md), the programs' float32 uniforms. */
export const ADAMW_ATTRIBUTES = ['decay', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'biasCorrection2Sqrt', 'eps', 'stepSize'] as const;

/** One of {@link ADAMW_ATTRIBUTES}. */
export type AdamWAttribute = (typeof ADAMW_ATTRIBUTES)[number];

/** Which output of SelfsupAdamW an {@link AdamWProgram} writes, element-wise over a flat `[size]`. */
export type AdamWPart = 'firstMoment' | 'secondMoment' | 'weights';

/** Per part: the inputs (in order), the uniforms after `size`, and the WGSL of the output at `index`. */
const PARTS: Record<AdamWPart, { inputs: string[]; uniforms: AdamWAttribute[]; value: string }> = {
  // m' = m * beta1 + g * (1 - beta1)
  firstMoment: {
    inputs: ['firstMoment', 'gradient'],
    uniforms: ['beta1', 'oneMinusBeta1'],
    value: 'firstMoment[index] * uniforms.beta1 + gradient[index] * uniforms.oneMinusBeta1',
  },
  // v' = v * beta2 + (g * g) * (1 - beta2)
  secondMoment: {
    inputs: ['secondMoment', 'gradient'],
    uniforms: ['beta2', 'oneMinusBeta2'],
    value: 'secondMoment[index] * uniforms.beta2 + (gradient[index] * gradient[index]) * uniforms.oneMinusBeta2',
  },
  // p' = p * decay - (m' * stepSize) / (sqrt(v') / sqrt(1 - beta2^t) + eps), from the moments
  // the other two parts wrote; decay 1 (no weight decay) leaves p as it is, subnormals included.
  weights: {
    inputs: ['weights', 'nextFirstMoment', 'nextSecondMoment'],
    uniforms: ['decay', 'biasCorrection2Sqrt', 'eps', 'stepSize'],
    value:
      'select(weights[index] * uniforms.decay, weights[index], uniforms.decay == 1.0) - ' +
      'nextFirstMoment[index] * uniforms.stepSize / (sqrt(nextSecondMoment[index]) / uniforms.biasCorrection2Sqrt + uniforms.eps)',
  },
};

/**
 * One output of `SelfsupAdamW` (docs/concepts/fused-kernels.md) in one dispatch, element-wise over
 * a flat `[size]`, in the composite formula's order of operations: `firstMoment` (m') and
 * `secondMoment` (v') from the moment and the gradient, then `weights` (p') from the weights and
 * the new moments. The scalars are float32 uniforms ({@link AdamWProgram.uniformNames}).
 */
export class AdamWProgram implements WebgpuProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ELEMENTWISE_WORKGROUP_SIZE, 1, 1];
  size = true;
  uniforms: string;
  /** The kernel attributes this part reads, in the order of its uniforms. */
  readonly uniformNames: readonly AdamWAttribute[];

  constructor(
    readonly part: AdamWPart,
    size: number,
  ) {
    this.variableNames = PARTS[part].inputs;
    this.uniformNames = PARTS[part].uniforms;
    this.uniforms = this.uniformNames.map((name) => `${name} : f32,`).join(' ');
    this.outputShape = [size];
    this.dispatch = [Math.max(1, Math.ceil(size / ELEMENTWISE_WORKGROUP_SIZE)), 1, 1];
    this.shaderKey = `selfsupAdamW_${part}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, ${PARTS[this.part].value});
        }
      }
    `;
  }
}
