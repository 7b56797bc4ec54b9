export {
  extractFeatures,
  type ExtractFeaturesOptions,
  type ExtractFeaturesProgress,
  type FeatureToken,
  type ImageBytes,
  type ImageBatches,
  type ImageSource,
} from './extract-features.js';
export { extractFeaturesOnRanks, type FeatureRanks } from './extract-features-on-ranks.js';
export { knnClassifier, type KnnClassifierOptions, type KnnResult } from './knn-classifier.js';
export {
  createKnnMonitor,
  type KnnMonitor,
  type KnnMonitorOptions,
  type KnnMonitorResult,
  type RepeatableImageSource,
} from './knn-monitor.js';
export {
  trainLinearProbe,
  type LinearProbe,
  type LinearProbeOptions,
  type LinearProbeEpoch,
  type Accuracy,
} from './linear-probe.js';
export {
  linearProbeSweep,
  type LinearProbeSweepOptions,
  type LinearProbeSweepEntry,
  type LinearProbeSweepResult,
} from './linear-probe-sweep.js';
export { kmeans, type KmeansOptions, type KmeansResult } from './kmeans.js';
export { nmi } from './nmi.js';
export { adjustedRandIndex } from './adjusted-rand-index.js';
export { topKAccuracy, argmaxRows } from './top-k-accuracy.js';
