export { createImageDataset, selectImages, type ImageDataset, type ImageDatasetOptions } from './image-dataset.js';
export {
  readIdx,
  writeIdx,
  isGzip,
  DEFAULT_MAX_IDX_BYTES,
  type IdxArray,
  type IdxData,
  type IdxDtype,
  type ReadIdxOptions,
  type WriteIdxOptions,
} from './idx.js';
export {
  loadIdxDataset,
  idxFileNames,
  type LoadIdxDatasetOptions,
  type IdxSplit,
  type IdxDatasetName,
} from './idx-dataset.js';
export {
  downloadIdxDataset,
  FASHION_MNIST_SOURCE,
  type DownloadIdxDatasetOptions,
  type IdxFileSource,
} from './download-idx-dataset.js';
export {
  loadFashionMnist,
  defaultFashionMnistCacheDir,
  DEBIAN_FASHION_MNIST_FOLDER,
  type LoadFashionMnistOptions,
} from './load-fashion-mnist.js';
export { loadBundledFashionMnist, bundledFashionMnistFolder } from './load-bundled-fashion-mnist.js';
export { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from './class-names.js';
export {
  decodeImage,
  imageFormatOf,
  imageSizeOf,
  DEFAULT_MAX_IMAGE_PIXELS,
  type DecodedImage,
  type DecodeImageOptions,
  type ImageFormat,
  type ImageSize,
} from './decode-image.js';
export { loadImageFolder, type LoadImageFolderOptions, type ImageFolderDataset, type SkippedEntry } from './load-image-folder.js';
export { epochOrder } from './epoch-order.js';
export {
  createDataLoader,
  type DataLoader,
  type DataLoaderOptions,
  type Batch,
  type EpochOptions,
} from './data-loader.js';
export { imagesToTensor, type ImageBytes } from './images-to-tensor.js';
