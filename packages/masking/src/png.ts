// `@selfsup/masking/png`: PNG pictures of token masks. A subpath of its own because it needs
// `pngjs` (Node streams and zlib); the main entry stays free of it for browser bundles.
export { renderMaskPng, type RenderMaskPngOptions, type RgbColor } from './render-mask-png.js';
