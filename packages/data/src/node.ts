// The Node-only part of @selfsup/data (`@selfsup/data/node`): IDX files (node:zlib), image folders and
// PNG/JPEG decoding, the Fashion-MNIST download and the bundled subset read from disk. It re-exports the
// browser-safe root entry, so a Node program can import everything from here.
export * from './index.js';
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
  findIdxSplitFiles,
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
