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
export { lastLayerAttention, type LastLayerAttentionOptions } from './last-layer-attention.js';
export { patchFeaturePca, type PatchFeaturePcaOptions, type PatchFeatureSource } from './patch-feature-pca.js';
export { principalComponents, type PrincipalComponents, type PrincipalComponentsOptions } from './principal-components.js';
export { collapseIndicators, collapseIndicatorTensors, type CollapseIndicators, type CollapseIndicatorOptions } from './collapse-indicators.js';
export { createRasterImage, checkRasterImage, MAX_RASTER_SIDE, type RasterImage } from './raster-image.js';
export { VIRIDIS } from './viridis.js';
export { heatmapImage, type HeatmapImageOptions } from './heatmap-image.js';
export { pixelImage } from './pixel-image.js';
export { resizeImage, type ResizeMethod } from './resize-image.js';
export { imageGrid, type ImageGridOptions } from './image-grid.js';
export { imagesFromTensor, heatmapsFromTensor, type ImagesFromTensorOptions } from './tensor-images.js';
