export { referenceDir, bundledReferenceDir, loadFixture, fromFixture, imagesFromFixture, type FixtureTensor } from './fixtures.js';
export { expectClose, expectBitwiseEqual, maxAbsDiff, type Tolerance } from './matchers.js';
export { seededUniformValues } from './seeded-values.js';
export { expectInvalidArgumentErrors, type InvalidArgumentCase } from './invalid-argument-errors.js';
export { leakedTensors, expectNoLeaks, collectTensors } from './leaks.js';
export {
  startWebgpu,
  computeOn,
  expectWebgpuMatchesCpu,
  uniformTensor,
  integerTensor,
  type HostTensor,
  type WebgpuStart,
} from './webgpu-comparison.js';
