// The browser-safe entry of @selfsup/data: batching, seeded epoch order, image datasets held in memory,
// the conversion to tensors and decoding uncompressed IDX bytes. Reading IDX files (gunzip), image
// folders, downloads and the bundled subset need the file system (or node:zlib): they are in
// `@selfsup/data/node`.
export { createImageDataset, selectImages, type ImageDataset, type ImageDatasetOptions } from './image-dataset.js';
export { holdOutLast, type HeldOutSplit } from './hold-out-last.js';
export { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from './class-names.js';
export { epochOrder } from './epoch-order.js';
export { shardOrder, shardLength, type DataShard } from './shard-order.js';
export {
  createDataLoader,
  type DataLoader,
  type DataLoaderOptions,
  type Batch,
  type EpochOptions,
} from './data-loader.js';
export { imagesToTensor, type ImageBytes } from './images-to-tensor.js';
export { decodeIdx, type IdxArray, type IdxData, type IdxDtype } from './idx-format.js';
